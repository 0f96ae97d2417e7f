// IntervalDelayLine: one remote participant's audio kept by its media timestamp, so that in
// interval mode (docs/protocol.md, "Interval mode") it can be played exactly one interval
// after it was captured, whatever the network's delay was. Holds the last 2^20 frames
// (21.8 s at 48 kHz) of stereo as 16-bit samples (4 MB). Made on a non-real-time thread,
// which allocates the memory and touches (and where allowed locks) every page of it, so the
// audio thread never takes a page fault in it; write(), read() and clear() run on the audio
// thread only and never allocate.
#pragma once

#include "samspil/rt/pretouched_buffer.h"

#include <cstdint>

namespace samspil {

class IntervalDelayLine {
public:
    static constexpr int kCapacityFrames = 1 << 20;

    /// Allocates and touches the whole line (PretouchedBuffer).
    IntervalDelayLine();
    /// Whether the line's memory is locked (cannot be swapped out; RLIMIT_MEMLOCK permitting).
    bool locked() const { return samples_.locked(); }

    /// Audio thread: `frames` interleaved stereo frames whose first is the sender's media
    /// timestamp `timestamp`. A jump beyond the line's length starts it afresh.
    void write(const float* stereo, int frames, std::uint32_t timestamp);
    /// Audio thread: frames that follow the last written ones (concealment, whose
    /// timestamp the stream did not say). Ignored before the first write().
    void writeContinuing(const float* stereo, int frames);
    /// Audio thread: the frames from media timestamp `timestamp` on; what was never
    /// written (too old, not yet arrived, before the stream began) reads as silence.
    void read(float* stereo, int frames, std::uint32_t timestamp) const;
    /// Audio thread: forget everything (the slot changed hands).
    void clear() {
        started_ = false;
        filled_ = 0;
    }

private:
    PretouchedBuffer<std::int16_t> samples_;  // ring, indexed by timestamp mod capacity
    bool started_ = false;
    std::uint32_t end_ = 0;  // one past the newest frame written
    std::int64_t filled_ = 0;  // frames before end_ that hold written audio (≤ capacity)
};

}  // namespace samspil
