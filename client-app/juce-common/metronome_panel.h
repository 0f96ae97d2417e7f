// The metronome: start/stop, tempo, beats per bar, accent on beat one, level. Heard only
// here, or — with "For the whole room" — started as the room's metronome, whose clicks
// everyone hears at the same instant (docs/protocol.md). Shows the beat as it plays, and
// when the room's metronome runs. Message thread.
#pragma once

#include "samspil/protocol/control_message.h"
#include "samspil/audio/metronome.h"
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

    /// Sends a start, change or stop of the room's metronome (set by the room view).
    std::function<void(const protocol::MetronomeSet&)> sendToRoom;

    /// The room's mode as the server last said it (0 live, N: interval mode of N bars).
    void showRoomMode(int intervalBars);

    void paint(juce::Graphics& g) override;
    void resized() override;

private:
    void timerCallback() override;
    void changed();
    void startStopClicked();
    protocol::MetronomeSet roomSetting(bool running) const;
    juce::Rectangle<int> beatArea() const;

    Metronome& metronome_;
    std::function<void(const MetronomeSettings&)> onChanged_;
    juce::Label title_, tempoCaption_;
    juce::TextButton startStop_{tr("Start")};
    juce::Slider tempo_;
    juce::ComboBox beats_;
    juce::ComboBox mode_;  // live, or interval mode of 1, 2, 4 or 8 bars (item id = bars + 1)
    juce::ToggleButton accent_{tr("Accent beat one")};
    juce::ToggleButton forRoom_{tr("For the whole room")};
    juce::ToggleButton hearRoom_{tr("Hear the room's click")};
    bool roomShown_ = false;
    int roomModeShown_ = -1;  // the room's mode last put on the selector (-1: none yet)
    juce::Slider level_;
    int shownBeat_ = -1;
};

}  // namespace samspil::ui
