// The metronome: start/stop, tempo, beats per bar, accent on beat one, level; heard only
// here (a room-wide tempo comes later). Shows the beat as it plays. Message thread.
#pragma once

#include "samspil/core/metronome.h"
#include "samspil_look.h"

#include <functional>

namespace samspil::ui {

struct MetronomeSettings {
    double bpm = 90.0;
    int beatsPerBar = 4;
};

class MetronomePanel : public juce::Component, private juce::Timer {
public:
    MetronomePanel(Metronome& metronome, MetronomeSettings initial, std::function<void(const MetronomeSettings&)> onChanged);

    void paint(juce::Graphics& g) override;
    void resized() override;

private:
    void timerCallback() override;
    void changed();
    juce::Rectangle<int> beatArea() const;

    Metronome& metronome_;
    std::function<void(const MetronomeSettings&)> onChanged_;
    juce::Label title_, tempoCaption_;
    juce::TextButton startStop_{"Start"};
    juce::Slider tempo_;
    juce::ComboBox beats_;
    juce::ToggleButton accent_{"Accent beat one"};
    juce::Slider level_;
    int shownBeat_ = -1;
};

}  // namespace samspil::ui
