// Where the DAW's bar lines fall in time: read from the play head on the audio thread,
// handed to the message thread (which may make the room's grid follow them) without a lock.
//
// Hosts report the play head in two ways. Most (VST3, Ardour's LV2) give the musical
// position (quarter notes) with every block. Others give news only when the transport
// changes — jalv sends JACK's transport position on start, stop, a jump or a new tempo,
// and JUCE's LV2 wrapper keeps only the frame, the tempo and the time signature of it —
// so between news the clock runs on by itself, and from a frame alone the bars are counted
// from frame 0 at the present tempo (as JACK's transport masters count them).
#pragma once

#include "samspil/rt/seq_lock.h"

#include <juce_audio_processors/juce_audio_processors.h>

#include <atomic>
#include <cstdint>
#include <optional>

namespace samspil::plugin {

/// The DAW's bars while it plays: its tempo (quarter notes a minute), time signature and
/// one bar line, as monotonic µs when that instant leaves the plugin's output.
struct DawBars {
    double bpm = 120.0;
    int numerator = 4;
    int denominator = 4;
    std::int64_t barLineLocalUs = 0;
};

class DawBarClock {
public:
    /// Audio thread, once per host block. position: the play head's (empty when the host
    /// sent no news for this block); blockOutLocalUs: when the block's first sample leaves
    /// the output (RoomAudioEngine::lastBlockOutLocalUs()), 0 when not known.
    void update(const juce::Optional<juce::AudioPlayHead::PositionInfo>& position, int frames, double sampleRate,
                std::int64_t blockOutLocalUs);
    /// Any thread: the DAW's bars while it plays from a known position, else nothing.
    std::optional<DawBars> latest() const;

private:
    void publish(bool playing);  // audio thread

    // Audio thread.
    bool playing_ = false;
    bool positionKnown_ = false;
    double bpm_ = 120.0;
    int numerator_ = 4;
    int denominator_ = 4;
    double ppq_ = 0;          // the musical position of the block's first sample (quarter notes)
    double barStartPpq_ = 0;  // a bar line's position
    std::int64_t barLineLocalUs_ = 0;

    struct Shown {
        bool playing = false;
        DawBars bars;
    };
    SeqLock<Shown> shown_;  // audio thread → any thread
};

}  // namespace samspil::plugin
