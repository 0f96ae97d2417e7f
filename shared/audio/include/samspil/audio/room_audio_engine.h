// RoomAudioEngine: everything a client does with audio, in one realtime object — cut the
// input into frames, encode and send them; take received packets, run each remote
// participant through a jitter buffer and decoder (RemoteStream) in a fixed slot; mix the
// slots with the listener's gain, pan and mute; meter it all; add the metronome.
//
// Threads: process() runs on the audio thread and never locks, waits or allocates. The
// setters and the PeerView atomics are for any other thread. Everything is allocated in
// create().
#pragma once

#include "samspil/base/expected.h"
#include "samspil/audio/interval_delay_line.h"
#include "samspil/audio/level_meter.h"
#include "samspil/protocol/media_slot.h"
#include "samspil/audio/metronome.h"
#include "samspil/audio/opus_codec.h"
#include "samspil/audio/remote_stream.h"
#include "samspil/rt/spsc_queue.h"

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace samspil {

/// Where packets go to and come from (a SessionClient in practice). Audio thread.
class MediaTransport {
public:
    virtual ~MediaTransport() = default;
    /// False when the packet could not be queued (dropped and counted by the caller).
    virtual bool sendMediaFromAudioThread(std::uint32_t sequence, std::uint32_t timestamp, bool stereo,
                                          std::span<const std::uint8_t> opusPacket) = 0;
    virtual bool popIncomingOnAudioThread(MediaSlot& packet) = 0;
    /// Whether sending makes sense now (joined); frames captured otherwise are not queued.
    virtual bool readyToSend() const = 0;
};

struct EngineSettings {
    int maxPeers = 16;          ///< slots for remote participants (the plugin has 8 aux buses)
    int maxBlockFrames = 4096;  ///< largest block process() renders in one go (larger ones are split)
    int bitrate = 64000;        ///< per channel
};

/// What the UI may read about one slot (atomics written by the audio thread).
struct PeerView {
    std::atomic<std::uint16_t> streamId{0};   ///< 0: the slot is free
    std::atomic<float> gain{1.0f};            ///< set by the listener
    std::atomic<float> pan{0.0f};
    std::atomic<bool> muted{false};
    LevelMeter meter;
    std::atomic<std::uint64_t> received{0};
    std::atomic<std::uint64_t> lost{0};
    std::atomic<std::uint64_t> concealed{0};
    std::atomic<int> depthPackets{0};
    std::atomic<float> bufferDelayMs{0};      ///< what the jitter buffer adds
    std::atomic<float> jitterMs{0};
    std::atomic<std::uint32_t> lastTimestamp{0};  ///< media timestamp of the latest block played
    std::atomic<std::int64_t> lastPlayedUs{0};    ///< when it started playing (monotonic µs)
};

class RoomAudioEngine {
public:
    [[nodiscard]] static Expected<std::unique_ptr<RoomAudioEngine>, std::string> create(const EngineSettings& settings,
                                                                                      MediaTransport& transport);

    /// Audio thread. inputs: inputChannels pointers of `frames` samples (may be 0 channels).
    /// Writes the room mix (plus metronome) to mixLeft/mixRight. peerBuses, when not null,
    /// holds 2 × maxPeers pointers (left, right per slot, may be null) for each slot's own
    /// audio before the listener's gain and pan. nowUs: monotonic time of this callback.
    /// Any block size works: blocks over maxBlockFrames() are rendered in parts.
    void process(const float* const* inputs, int inputChannels, float* mixLeft, float* mixRight,
                 float* const* peerBuses, int frames, std::int64_t nowUs);

    // ---- any thread ---------------------------------------------------------------------
    void setInputGain(float gain) { inputGain_.store(gain); }
    void setSelfMuted(bool muted) { selfMuted_.store(muted); }
    /// Whether the input is encoded and sent at all (a listener who never plays sends
    /// nothing, not silence). On by default; the input meter runs either way.
    void setSending(bool sending) { sending_.store(sending); }
    /// 1 or 2 channels sent; takes effect at the next frame.
    void setSendChannels(int channels) { sendChannels_.store(channels == 2 ? 2 : 1); }
    /// 120, 240 or 480 samples; takes effect at the next frame.
    void setFrameSamples(int samples) {
        if (isSupportedFrameSize(samples)) frameSamples_.store(samples);
    }
    int frameSamples() const { return frameSamples_.load(); }
    int sendChannels() const { return sendChannels_.load(); }
    /// One thread (the UI's message thread): puts a stream in a slot, so that a participant
    /// keeps their slot (and the plugin's aux bus) across reconnects. Handed to the audio
    /// thread through a queue and applied before the next packets are sorted into slots.
    /// False when the queue is full (the audio thread has not run for a while).
    bool assignStreamToSlot(std::uint16_t streamId, int slot);

    PeerView& peer(int slot) { return *views_[static_cast<std::size_t>(slot)]; }
    /// Audio thread only (or once it has stopped): a slot's jitter-buffer figures in full.
    /// They start over when the slot changes hands.
    const JitterBufferStats& slotStatsOnAudioThread(int slot) const {
        return streams_[static_cast<std::size_t>(slot)].stats();
    }
    int maxPeers() const { return settings_.maxPeers; }
    /// The largest block rendered in one go; callers size their scratch buffers by it.
    int maxBlockFrames() const { return settings_.maxBlockFrames; }
    LevelMeter& inputMeter() { return inputMeter_; }
    Metronome& metronome() { return metronome_; }
    /// Monotonic µs at which media timestamp 0 was captured (0 before the first block).
    /// Re-estimated every half second: a sound card's clock drifts against the
    /// computer's, so the first block's time alone goes stale over a lesson.
    std::int64_t streamEpochUs() const { return epochUs_.load(); }
    /// Any thread: how long the sound card takes from the callback to the speaker (its
    /// output latency as the device or host reports it), so the room's clicks leave the
    /// card on the grid's instants.
    void setOutputLatencyUs(std::int64_t latencyUs) { outputLatencyUs_.store(latencyUs); }
    /// Audio thread, after process(): when the first sample of the block it just rendered
    /// leaves the sound card (monotonic µs; the stream epoch + position + output latency).
    /// 0 before the first block. The plugin maps its DAW's bar lines onto this.
    std::int64_t lastBlockOutLocalUs() const { return lastBlockOutLocalUs_; }
    /// One thread (the one that hears from the server): the room's interval mode
    /// (docs/protocol.md, "Interval mode"). From the block that leaves the sound card at
    /// fromServerUs (server clock) on, every remote participant is heard delayUs after they
    /// played — one interval of the room's grid — instead of live; 0 goes back to live then.
    /// Makes the delay lines the first time (prepareIntervalMode()). False if not queued.
    bool setIntervalMode(std::int64_t delayUs, std::int64_t fromServerUs);
    /// The same thread: make the delay lines now (4 MB a slot, every page touched and, where
    /// allowed, locked here, so the audio thread never faults on first use)
    /// and keep every participant's last 21 s in them from now on, so that a switch to
    /// interval mode has the interval before it to play. Call when the room's grid starts.
    void prepareIntervalMode();
    /// The same thread: where a remote stream's media timestamp 0 lies on the server's
    /// clock (its announced epoch_server_us); interval mode places its audio by it. False if
    /// not queued.
    bool setStreamEpoch(std::uint16_t streamId, std::int64_t epochServerUs);
    /// Any thread: the interval delay in force (0: live).
    std::int64_t intervalDelayUs() const { return intervalDelayNow_.load(); }
    std::uint64_t framesSent() const { return framesSent_.load(); }
    std::uint64_t framesNotSent() const { return framesNotSent_.load(); }

private:
    RoomAudioEngine(const EngineSettings& settings, MediaTransport& transport, OpusStreamEncoder mono,
                    OpusStreamEncoder stereo, std::vector<RemoteStream> streams);

    struct SlotAssignment {
        std::uint16_t streamId = 0;
        int slot = -1;
    };
    struct IntervalChange {
        std::int64_t delayUs = 0;
        std::int64_t fromServerUs = 0;
    };
    struct StreamEpoch {
        std::uint16_t streamId = 0;
        std::int64_t epochServerUs = 0;
    };

    void processPart(const float* const* inputs, int inputChannels, float* mixLeft, float* mixRight,
                     float* const* peerBuses, int frames, std::int64_t nowUs);
    void applyAssignments(std::int64_t nowUs);                                  // audio thread
    void moveStreamToSlot(std::uint16_t streamId, int slot, std::int64_t nowUs);  // audio thread
    void capture(const float* const* inputs, int inputChannels, int frames, std::int64_t nowUs);
    void trackEpoch(std::int64_t nowUs);
    void receive(std::int64_t nowUs);
    int slotFor(std::uint16_t streamId, std::int64_t nowUs);
    void applyIntervalChanges(std::int64_t blockOutServerUs);                        // audio thread
    void playOneIntervalLate(int slot, int frames, std::int64_t blockOutServerUs);  // audio thread

    EngineSettings settings_;
    MediaTransport& transport_;
    OpusStreamEncoder monoEncoder_;
    OpusStreamEncoder stereoEncoder_;
    std::vector<RemoteStream> streams_;
    std::vector<std::unique_ptr<PeerView>> views_;
    std::vector<std::int64_t> lastPacketUs_;      // audio thread, per slot
    std::unique_ptr<std::int8_t[]> slotOfStream_;  // audio thread only: 65536 entries, -1 = none
    SpscQueue<SlotAssignment> assignments_;          // message thread → audio thread
    SpscQueue<IntervalChange> intervalChanges_;      // message thread → audio thread
    SpscQueue<StreamEpoch> epochUpdates_;            // message thread → audio thread
    std::vector<IntervalDelayLine> intervalLinesOwner_;       // one per slot, made by prepareIntervalMode()
    std::atomic<IntervalDelayLine*> intervalLines_{nullptr};  // the same, published to the audio thread
    std::atomic<std::int64_t> intervalDelayNow_{0};

    std::atomic<float> inputGain_{1.0f};
    std::atomic<bool> selfMuted_{false};
    std::atomic<bool> sending_{true};
    std::atomic<int> sendChannels_{1};
    std::atomic<int> frameSamples_{240};
    std::atomic<std::int64_t> epochUs_{0};
    std::atomic<std::int64_t> outputLatencyUs_{0};
    std::atomic<std::uint64_t> framesSent_{0}, framesNotSent_{0};
    LevelMeter inputMeter_;
    Metronome metronome_;

    // Audio thread state.
    std::vector<float> frame_;       // interleaved capture of the frame being filled
    int frameFill_ = 0;
    int frameSamplesNow_ = 240;
    int channelsNow_ = 1;
    std::uint32_t sequence_ = 0;
    std::uint32_t timestamp_ = 0;
    std::uint64_t samplesCaptured_ = 0;      // timestamp_ without the 32-bit wrap
    std::int64_t epochWindowMin_ = 0;        // lowest (callback time − stream position) this window
    std::int64_t epochWindowStartUs_ = 0;
    std::vector<std::uint8_t> packet_;
    std::vector<float> peerBlock_;   // interleaved stereo of one slot
    std::unique_ptr<std::int64_t[]> epochOfStream_;  // 65536 entries: announced epochs, kNoEpoch unknown
    IntervalChange pendingInterval_;
    bool intervalPending_ = false;
    std::int64_t intervalDelayUs_ = 0;  // in force for this block
    std::vector<const float*> partInputs_;  // process(): the inputs, advanced part by part
    std::vector<float*> partBuses_;         // process(): the buses, advanced part by part
    std::int64_t partOutLocalUs_ = 0;       // when the part processPart() rendered leaves the card
    std::int64_t lastBlockOutLocalUs_ = 0;  // the same for the first part of process()'s block
};

}  // namespace samspil
