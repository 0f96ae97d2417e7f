// Metronome: a click track — a short decaying sine per beat, higher and louder on beat one.
// Two ways to run: on its own (tempo and on/off from this person's panel), or following the
// room's grid (docs/protocol.md, "The room's metronome"), where beat k must leave the sound
// card at startServerUs + k·60/bpm s on the server's clock: each click is placed by the
// time the block's first sample leaves the sound card, through the clock offset to the
// server. Renders on the audio thread; everything else is set from any one other thread.
#pragma once

#include "samspil/rt/seq_lock.h"

#include <atomic>
#include <cstdint>

namespace samspil {

class Metronome {
public:
    /// Any thread.
    void setTempo(double beatsPerMinute) { tempo_.store(beatsPerMinute < 20 ? 20 : (beatsPerMinute > 400 ? 400 : beatsPerMinute)); }
    void setBeatsPerBar(int beats) { beatsPerBar_.store(beats < 1 ? 1 : (beats > 16 ? 16 : beats)); }
    void setAccent(bool accent) { accent_.store(accent); }
    void setRunning(bool running) { running_.store(running); }
    void setLevel(float level) { level_.store(level); }
    double tempo() const { return tempo_.load(); }
    bool running() const { return running_.load(); }

    /// One thread (the one that hears from the server): follow the room's grid; while it
    /// runs it replaces this person's own metronome. stopRoomGrid() goes back to that.
    void followRoomGrid(std::int64_t startServerUs, double bpm, int beatsPerBar, bool accent);
    void stopRoomGrid();
    bool followingRoomGrid() const {
        const auto grid = published_.tryRead();
        return grid && grid->on;
    }
    /// Any thread: the server's clock minus this host's (ClockSync).
    void setServerOffsetUs(std::int64_t offsetUs) { serverOffsetUs_.store(offsetUs); }
    std::int64_t serverOffsetUs() const { return serverOffsetUs_.load(); }
    /// Any thread: whether this person hears the room's click (it keeps time either way).
    void setRoomClickAudible(bool audible) { roomClickAudible_.store(audible); }

    /// Audio thread: adds the clicks of the next `frames` samples (at sampleRate) to
    /// left/right. firstSampleLocalUs: when the block's first sample leaves the sound card,
    /// on this host's monotonic clock (only the room's grid needs it). Starting the own
    /// metronome (setRunning(true)) starts a bar at the next block.
    void render(float* left, float* right, int frames, double sampleRate, std::int64_t firstSampleLocalUs = 0);

    /// Any thread: the beat being played, 0-based within the bar (-1 when stopped).
    int beatInBar() const { return shownBeat_.load(std::memory_order_relaxed); }

private:
    struct Grid {
        bool on = false;
        std::int64_t startServerUs = 0;
        double bpm = 90.0;
        int beatsPerBar = 4;
        bool accent = true;
    };
    void renderOwn(float* left, float* right, int frames, double sampleRate);
    void renderGrid(float* left, float* right, int frames, double sampleRate, std::int64_t firstSampleLocalUs);
    void findNextGridBeat(double blockStartUs, double startLocalUs, double beatUs);
    void addClicks(float* left, float* right, int from, int to, double sampleRate, float level);
    void startClick(bool accent, int beatInBar);

    std::atomic<double> tempo_{90.0};
    std::atomic<int> beatsPerBar_{4};
    std::atomic<bool> accent_{true};
    std::atomic<bool> running_{false};
    std::atomic<float> level_{0.5f};
    std::atomic<int> shownBeat_{-1};
    SeqLock<Grid> published_;         // the room's grid, from the thread that hears the server
    std::atomic<std::int64_t> serverOffsetUs_{0};
    std::atomic<bool> roomClickAudible_{true};
    // Audio thread state.
    Grid grid_;                       // the grid as last read whole
    std::uint32_t gridSeen_ = 0;      // its version
    std::int64_t nextGridBeat_ = -1;  // -1: find it from the time
    std::int64_t lastGridBeat_ = -1;  // the last beat of this grid that sounded
    std::int64_t offsetSeenUs_ = 0;   // the clock offset nextGridBeat_ was found with
    bool wasRunning_ = false;
    double samplesToNextBeat_ = 0;
    int beatInBar_ = -1;
    int clickSample_ = -1;  // position inside the current click, -1: silent
    bool accentClick_ = false;
};

}  // namespace samspil
