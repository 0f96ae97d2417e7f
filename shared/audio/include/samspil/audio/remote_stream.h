// RemoteStream: what a client does with one remote participant's packets —
// jitter buffer, Opus decoding and concealment — rendered in blocks of any size.
// Preallocated at creation; render() and insert() run on the audio thread only.
#pragma once

#include "samspil/base/expected.h"
#include "samspil/audio/jitter_buffer.h"
#include "samspil/protocol/media_slot.h"
#include "samspil/audio/opus_codec.h"

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace samspil {

/// Settings of a RemoteStream.
struct RemoteStreamSettings {
    int outputChannels = 2;           ///< channels of the rendered audio (mono packets are upmixed)
    int maxBlockFrames = 4096;        ///< largest render() block
    JitterBufferSettings jitter;
};

/// What a render() call produced.
struct RenderInfo {
    bool audible = false;              ///< some of the block came from packets or concealment
    bool timestampValid = false;       ///< the first sample of the block came from a received packet
    std::uint32_t firstTimestamp = 0;  ///< its media timestamp (48 kHz samples of the sender)
};

class RemoteStream {
public:
    /// Allocates the decoder and buffers, or says why it could not.
    [[nodiscard]] static Expected<RemoteStream, std::string> create(const RemoteStreamSettings& settings);

    /// Audio thread: files a packet received from the network.
    void insert(const MediaSlot& packet);

    /// Audio thread: writes `frames` interleaved frames to out. nowUs is the monotonic time of
    /// this call (the audio callback).
    RenderInfo render(float* out, int frames, std::int64_t nowUs);

    /// Audio thread: forget the stream (the participant left).
    void clear();

    const JitterBufferStats& stats() const { return jitter_.stats(); }
    int outputChannels() const { return settings_.outputChannels; }

private:
    RemoteStream(const RemoteStreamSettings& settings, OpusStreamDecoder decoder);

    // One run of decoded samples in the FIFO: where it came from.
    struct Segment {
        int frames = 0;
        std::uint32_t timestamp = 0;
        bool fromPacket = false;
    };

    void decodeNext(std::int64_t nowUs);
    void pushSegment(int frames, std::uint32_t timestamp, bool fromPacket);
    void consume(int frames);

    RemoteStreamSettings settings_;
    OpusStreamDecoder decoder_;
    JitterBuffer jitter_;
    std::vector<float> decoded_;  // interleaved FIFO: [start_, end_) frames are pending
    int start_ = 0;
    int end_ = 0;
    std::array<Segment, 128> segments_{};
    int segmentHead_ = 0;
    int segmentCount_ = 0;
    bool audibleDecision_ = false;
};

}  // namespace samspil
