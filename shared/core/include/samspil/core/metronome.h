// Metronome: a click track — a short decaying sine per beat, higher and louder on beat one.
// Renders into a buffer on the audio thread; tempo and on/off are set from any thread.
#pragma once

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

    /// Audio thread: adds the clicks of the next `frames` samples (at sampleRate) to left/right.
    /// Starting it (setRunning(true)) starts a bar at the next block.
    void render(float* left, float* right, int frames, double sampleRate);

    /// Any thread: the beat being played, 0-based within the bar (-1 when stopped).
    int beatInBar() const { return shownBeat_.load(std::memory_order_relaxed); }

private:
    std::atomic<double> tempo_{90.0};
    std::atomic<int> beatsPerBar_{4};
    std::atomic<bool> accent_{true};
    std::atomic<bool> running_{false};
    std::atomic<float> level_{0.5f};
    std::atomic<int> shownBeat_{-1};
    // Audio thread state.
    bool wasRunning_ = false;
    double samplesToNextBeat_ = 0;
    int beatInBar_ = -1;
    int clickSample_ = -1;  // position inside the current click, -1: silent
    bool accentClick_ = false;
};

}  // namespace samspil
