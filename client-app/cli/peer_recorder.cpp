#include "peer_recorder.h"

#include "samspil/audio/mouth_to_ear.h"
#include "samspil/base/percentile.h"

#include <algorithm>
#include <filesystem>
#include <iostream>
#include <numeric>

namespace samspil::cli {
namespace {

constexpr std::size_t kMaxPendingFrames = 48000 * 10;  // keep at most 10 s before the name arrives

std::string fileNameFor(std::string name) {
    for (char& c : name)
        if (c == '/' || c == '\\' || c == '\0' || c == ':') c = '_';
    if (name.empty() || name.front() == '.') name.insert(0, "peer");
    return name;
}

}  // namespace

PeerRecorder::PeerRecorder(std::uint16_t streamId, std::int64_t firstTick) : streamId_(streamId), firstTick_(firstTick) {}

void PeerRecorder::renderTick(const Tick& tick, const PlayedBlock& block, const std::optional<PeerSnapshot>& peer,
                              const std::optional<std::string>& recordDir, std::vector<std::string>& usedFileNames) {
    if (peer) lastPeer_ = peer;
    stats_ = block.stats;
    if (block.arrivals) {
        maxGapMs_ = block.arrivals->maxGapMs;
        gapsOver20Ms_ = block.arrivals->gapsOver20Ms;
    }
    if (tick.idealUs >= nextTargetSampleUs_) {
        targetEachSecondMs_.push_back(block.stats.targetDelayMs);
        nextTargetSampleUs_ = tick.idealUs + 1'000'000;
    }
    depthSum_ += static_cast<std::uint64_t>(block.stats.depthPackets);
    ++depthTicks_;
    block_.resize(static_cast<std::size_t>(tick.frames) * 2);
    for (int i = 0; i < tick.frames; ++i) {
        block_[static_cast<std::size_t>(2 * i)] = block.left[i];
        block_[static_cast<std::size_t>(2 * i + 1)] = block.right[i];
    }

    // Mouth to ear: the engine played a block with a media timestamp in this tick; like a
    // sound card, the block is heard from the tick's ideal time on, however late the loop woke.
    const bool timestamped = block.view.lastPlayedUs.load() == tick.actualUs;
    if (timestamped) {  // a block of this stream's own sound, not concealment or silence
        if (firstHeardUs_ < 0) firstHeardUs_ = tick.idealUs;
        lastHeardUs_ = tick.idealUs;
    }
    if (timestamped && peer && peer->stream && peer->stream->epochServerUs && tick.clockOffsetUs)
        latenciesMs_.push_back(mouthToEarMs(tick.idealUs, *peer->stream->epochServerUs, *tick.clockOffsetUs,
                                            block.view.lastTimestamp.load()));

    if (!recordDir) return;
    if (!wav_.isOpen() && lastPeer_) openWav(*lastPeer_, *recordDir, usedFileNames, tick.frames);
    if (wav_.isOpen()) {
        writeWav(block_.data(), tick.frames);
    } else if (pending_.size() / 2 < kMaxPendingFrames) {
        pending_.insert(pending_.end(), block_.begin(), block_.end());
    }
}

void PeerRecorder::openWav(const PeerSnapshot& peer, const std::string& dir, std::vector<std::string>& usedFileNames,
                           int frameSamples) {
    std::string base = fileNameFor(peer.name);
    if (std::find(usedFileNames.begin(), usedFileNames.end(), base) != usedFileNames.end())
        base += "-" + std::to_string(streamId_);
    usedFileNames.push_back(base);
    wavPath_ = (std::filesystem::path(dir) / (base + ".wav")).string();
    wavChannels_ = peer.stream ? peer.stream->channels : 1;
    if (!wav_.open(wavPath_, wavChannels_, 48000)) {
        std::cerr << "samspil-cli: " << wav_.error() << "\n";
        return;
    }
    // Every file starts at the first playout block, so files of one run line up in time.
    wav_.writeSilence(static_cast<std::size_t>(firstTick_) * static_cast<std::size_t>(frameSamples));
    writeWav(pending_.data(), static_cast<int>(pending_.size() / 2));
    std::vector<float>().swap(pending_);
}

void PeerRecorder::writeWav(const float* stereo, int frames) {
    if (wavChannels_ == 2) {
        wav_.write(stereo, static_cast<std::size_t>(frames));
        return;
    }
    std::vector<float> mono(static_cast<std::size_t>(frames));
    for (int i = 0; i < frames; ++i) mono[static_cast<std::size_t>(i)] = stereo[2 * i];
    wav_.write(mono.data(), mono.size());
}

void PeerRecorder::finish() {
    wav_.close();
}

nlohmann::json PeerRecorder::report() const {
    const JitterBufferStats& s = stats_;
    nlohmann::json peer;
    peer["stream_id"] = streamId_;
    peer["name"] = lastPeer_ ? lastPeer_->name : "";
    peer["participant_id"] = lastPeer_ ? lastPeer_->participantId : 0;
    peer["received"] = s.received;
    peer["lost"] = s.lost;
    peer["late"] = s.late;
    peer["duplicates"] = s.duplicates;
    peer["concealed"] = s.concealed();
    peer["concealed_fec"] = s.concealedFec;
    peer["concealed_plc"] = s.concealedPlc;
    peer["underruns"] = s.underruns;
    peer["dropped_to_catch_up"] = s.droppedToCatchUp;
    peer["stale"] = s.stale;
    peer["jitter_ms"] = s.jitterMs;
    peer["jitter_buffer"] = {
        {"mean_depth_packets", depthTicks_ ? static_cast<double>(depthSum_) / static_cast<double>(depthTicks_) : 0.0},
        {"max_depth_packets", s.maxDepthPackets},
        {"added_latency_ms", s.meanBufferDelayMs}};
    peer["jitter_buffer"]["target_ms_each_second"] = targetEachSecondMs_;
    peer["max_gap_ms"] = maxGapMs_;
    // When this stream was first and last heard (seconds on this cli's clock): a peer who
    // comes back after a reconnect (a new stream) is heard again after the difference.
    if (firstHeardUs_ >= 0) {
        peer["first_heard_s"] = static_cast<double>(firstHeardUs_) / 1e6;
        peer["last_heard_s"] = static_cast<double>(lastHeardUs_) / 1e6;
    }
    peer["gaps_over_20ms"] = gapsOver20Ms_;
    if (!latenciesMs_.empty()) {
        const double sum = std::accumulate(latenciesMs_.begin(), latenciesMs_.end(), 0.0);
        peer["mouth_to_ear_ms"] = {{"mean", sum / static_cast<double>(latenciesMs_.size())},
                                   {"min", *std::min_element(latenciesMs_.begin(), latenciesMs_.end())},
                                   {"p50", percentile(latenciesMs_, 0.5)},
                                   {"p95", percentile(latenciesMs_, 0.95)},
                                   {"p99", percentile(latenciesMs_, 0.99)},
                                   {"max", *std::max_element(latenciesMs_.begin(), latenciesMs_.end())},
                                   {"blocks", latenciesMs_.size()}};
    } else {
        peer["mouth_to_ear_ms"] = nullptr;
    }
    if (!wavPath_.empty()) peer["wav"] = wavPath_;
    return peer;
}

}  // namespace samspil::cli
