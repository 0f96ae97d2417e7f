#include "recording_player.h"

#include <opusfile.h>

#include <algorithm>
#include <chrono>

namespace samspil::desktop {

void RecordingPlayer::FileCloser::operator()(OggOpusFile* file) const {
    op_free(file);
}

RecordingPlayer::RecordingPlayer() : decoder_([this] { decodeLoop(); }) {}

RecordingPlayer::~RecordingPlayer() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    decoder_.join();
}

Expected<double, std::string> RecordingPlayer::open(const std::string& path) {
    int error = 0;
    FileHandle file(op_open_file(path.c_str(), &error));
    if (!file) return Unexpected{"cannot play " + path + " (not an Ogg Opus file, libopusfile error " + std::to_string(error) + ")"};
    const ogg_int64_t total = op_pcm_total(file.get(), -1);
    playing_.store(false);
    ended_.store(false);
    lengthSamples_.store(std::max<ogg_int64_t>(total, 0));
    positionSamples_.store(0);
    {
        std::lock_guard lock(mutex_);
        pendingFile_ = std::move(file);
        pendingSeek_ = -1;
        generation_.fetch_add(1);
    }
    wake_.notify_all();
    return static_cast<double>(std::max<ogg_int64_t>(total, 0)) / kSampleRate;
}

void RecordingPlayer::play() {
    if (ended_.load()) seek(0);
    playing_.store(true);
}

void RecordingPlayer::seek(double seconds) {
    const auto target = std::clamp<std::int64_t>(static_cast<std::int64_t>(seconds * kSampleRate), 0, lengthSamples_.load());
    ended_.store(false);
    positionSamples_.store(target);
    {
        std::lock_guard lock(mutex_);
        pendingSeek_ = target;
        generation_.fetch_add(1);
    }
    wake_.notify_all();
}

void RecordingPlayer::decodeLoop() {
    FileHandle file;
    std::uint32_t generation = 0;
    bool atEnd = true;
    std::int64_t nextSample = 0;
    for (;;) {
        {
            std::unique_lock lock(mutex_);
            // Sleeps while there is nothing to decode, or the queue is full (then it looks
            // again shortly: the audio thread frees room without telling anyone).
            wake_.wait_for(lock, std::chrono::milliseconds(20), [&] {
                return stopping_ || generation_.load() != generation || (!atEnd && chunks_.sizeApprox() < 60);
            });
            if (stopping_) return;
            if (generation_.load() != generation) {
                generation = generation_.load();
                if (pendingFile_) file = std::move(pendingFile_);
                nextSample = 0;
                if (pendingSeek_ >= 0 && file) {
                    if (op_pcm_seek(file.get(), pendingSeek_) == 0) nextSample = pendingSeek_;
                } else if (file) {
                    op_pcm_seek(file.get(), 0);
                }
                pendingSeek_ = -1;
                atEnd = !file;
            }
        }
        if (atEnd || chunks_.sizeApprox() >= 60) continue;
        Chunk* chunk = chunks_.beginPush();
        if (!chunk) continue;
        chunk->generation = generation;
        chunk->firstSample = nextSample;
        chunk->last = false;
        int frames = 0;
        while (frames < kChunkFrames) {
            const int got = op_read_float_stereo(file.get(), chunk->samples.data() + 2 * frames, 2 * (kChunkFrames - frames));
            if (got == OP_HOLE) continue;  // a gap in the stream: go on after it
            if (got <= 0) {
                chunk->last = true;  // the end, or a file that stopped making sense: end here
                break;
            }
            frames += got;
        }
        chunk->frames = frames;
        nextSample += frames;
        atEnd = chunk->last;
        chunks_.commitPush();
    }
}

void RecordingPlayer::addTo(float* left, float* right, int frames) noexcept {
    const std::uint32_t generation = generation_.load(std::memory_order_acquire);
    // Chunks of an older file or position are dropped at once, playing or not.
    while (const Chunk* front = chunks_.front()) {
        if (front->generation == generation) break;
        chunks_.commitPop();
        offsetInChunk_ = 0;
    }
    if (!playing_.load(std::memory_order_relaxed)) return;
    int done = 0;
    while (done < frames) {
        const Chunk* chunk = chunks_.front();
        if (!chunk || chunk->generation != generation) return;  // the decoder is behind: a short gap
        const int take = std::min(frames - done, chunk->frames - offsetInChunk_);
        for (int i = 0; i < take; ++i) {
            left[done + i] += chunk->samples[static_cast<std::size_t>(2 * (offsetInChunk_ + i))];
            right[done + i] += chunk->samples[static_cast<std::size_t>(2 * (offsetInChunk_ + i) + 1)];
        }
        done += take;
        offsetInChunk_ += take;
        positionSamples_.store(chunk->firstSample + offsetInChunk_, std::memory_order_relaxed);
        if (offsetInChunk_ >= chunk->frames) {
            const bool last = chunk->last;
            chunks_.commitPop();
            offsetInChunk_ = 0;
            if (last) {
                ended_.store(true);
                playing_.store(false);
                return;
            }
        }
    }
}

}  // namespace samspil::desktop
