#include "metronome_panel.h"

namespace samspil::ui {

MetronomePanel::MetronomePanel(Metronome& metronome, MetronomeSettings initial,
                               std::function<void(const MetronomeSettings&)> onChanged)
    : metronome_(metronome), onChanged_(std::move(onChanged)) {
    title_.setText(tr("Metronome"), juce::dontSendNotification);
    title_.setFont(juce::Font(15.0f, juce::Font::bold));
    addAndMakeVisible(title_);
    startStop_.setClickingTogglesState(true);
    startStop_.onClick = [this] { startStopClicked(); };
    forRoom_.setTooltip(tr("Starts the room's metronome: everyone hears the click at the same instant "
                           "(the teacher's choice in a school's room)"));
    addAndMakeVisible(forRoom_);
    hearRoom_.setToggleState(true, juce::dontSendNotification);
    hearRoom_.onClick = [this] { metronome_.setRoomClickAudible(hearRoom_.getToggleState()); };
    addAndMakeVisible(hearRoom_);
    addAndMakeVisible(startStop_);
    styleCaption(tempoCaption_, "BPM");
    addAndMakeVisible(tempoCaption_);
    tempo_.setSliderStyle(juce::Slider::LinearHorizontal);
    tempo_.setTextBoxStyle(juce::Slider::TextBoxLeft, false, 48, 22);
    tempo_.setRange(30.0, 260.0, 1.0);
    tempo_.setValue(initial.bpm, juce::dontSendNotification);
    tempo_.onValueChange = [this] { changed(); };
    tempo_.onDragEnd = [this] {  // the room hears a new tempo once the slider is let go
        if (metronome_.followingRoomGrid() && sendToRoom) sendToRoom(roomSetting(true));
    };
    addAndMakeVisible(tempo_);
    for (int beats = 1; beats <= 12; ++beats) beats_.addItem(tr("{beats} / bar").replace("{beats}", juce::String(beats)), beats);
    beats_.setSelectedId(juce::jlimit(1, 12, initial.beatsPerBar), juce::dontSendNotification);
    beats_.onChange = [this] { changed(); };
    addAndMakeVisible(beats_);
    mode_.addItem(tr("Live"), 1);
    for (int bars : {1, 2, 4, 8})
        mode_.addItem((bars == 1 ? tr("Interval 1 bar") : tr("Interval {bars} bars")).replace("{bars}", juce::String(bars)), bars + 1);
    mode_.setSelectedId(1, juce::dontSendNotification);
    mode_.setTooltip(tr("Interval mode, for long distances: everyone hears the others this many bars after they "
                        "played, exactly on the beat, so the line's delay no longer matters"));
    mode_.onChange = [this] {
        if (metronome_.followingRoomGrid() && sendToRoom) sendToRoom(roomSetting(true));
        roomModeShown_ = -1;  // from now on the selector shows what the room says again (a refusal too)
    };
    addAndMakeVisible(mode_);
    accent_.setToggleState(true, juce::dontSendNotification);
    accent_.onClick = [this] { changed(); };
    addAndMakeVisible(accent_);
    level_.setSliderStyle(juce::Slider::LinearHorizontal);
    level_.setTextBoxStyle(juce::Slider::NoTextBox, false, 0, 0);
    level_.setRange(0.0, 1.0, 0.01);
    level_.setValue(0.5, juce::dontSendNotification);
    level_.setTooltip(tr("Click volume"));
    level_.onValueChange = [this] { metronome_.setLevel(static_cast<float>(level_.getValue())); };
    addAndMakeVisible(level_);
    changed();
    startTimerHz(30);
}

void MetronomePanel::changed() {
    MetronomeSettings s{tempo_.getValue(), beats_.getSelectedId()};
    metronome_.setTempo(s.bpm);
    metronome_.setBeatsPerBar(s.beatsPerBar);
    metronome_.setAccent(accent_.getToggleState());
    metronome_.setLevel(static_cast<float>(level_.getValue()));
    if (onChanged_) onChanged_(s);
    repaint();
}

protocol::MetronomeSet MetronomePanel::roomSetting(bool running) const {
    return protocol::MetronomeSet{running, tempo_.getValue(), beats_.getSelectedId(), accent_.getToggleState(),
                                  juce::jmax(0, mode_.getSelectedId() - 1)};
}

void MetronomePanel::showRoomMode(int intervalBars) {
    // Only when the room's mode changes: a person's choice waits for its onChange (JUCE sends it
    // asynchronously) and must not be put back by a refresh that comes first.
    if (intervalBars == roomModeShown_) return;
    roomModeShown_ = intervalBars;
    if (mode_.getSelectedId() != intervalBars + 1 && mode_.indexOfItemId(intervalBars + 1) >= 0)
        mode_.setSelectedId(intervalBars + 1, juce::dontSendNotification);
}

void MetronomePanel::startStopClicked() {
    const bool start = startStop_.getToggleState();
    if ((forRoom_.getToggleState() || metronome_.followingRoomGrid()) && sendToRoom) {
        sendToRoom(roomSetting(start));  // the server's grid comes back and starts (or stops) the click
        metronome_.setRunning(false);
    } else {
        metronome_.setRunning(start);
    }
    startStop_.setButtonText(start ? tr("Stop") : tr("Start"));
}

void MetronomePanel::timerCallback() {
    const bool room = metronome_.followingRoomGrid();
    if (room != roomShown_) {
        roomShown_ = room;
        title_.setText(room ? tr("Room metronome") : tr("Metronome"), juce::dontSendNotification);
        startStop_.setToggleState(room || metronome_.running(), juce::dontSendNotification);
        startStop_.setButtonText(startStop_.getToggleState() ? tr("Stop") : tr("Start"));
    }
    const int beat = metronome_.beatInBar();
    if (beat != shownBeat_) {
        shownBeat_ = beat;
        repaint(beatArea());
    }
}

juce::Rectangle<int> MetronomePanel::beatArea() const {
    return getLocalBounds().reduced(10).removeFromBottom(14);
}

void MetronomePanel::paint(juce::Graphics& g) {
    g.setColour(colours::panel);
    g.fillRoundedRectangle(getLocalBounds().toFloat().reduced(2.0f), 6.0f);
    // One dot per beat; the one playing lights up (beat one in the accent colour).
    const int beats = juce::jmax(1, beats_.getSelectedId());
    auto area = beatArea().toFloat();
    const float step = area.getWidth() / static_cast<float>(beats);
    for (int i = 0; i < beats; ++i) {
        const auto dot = juce::Rectangle<float>(area.getX() + step * static_cast<float>(i), area.getY(), step, area.getHeight())
                             .withSizeKeepingCentre(10.0f, 10.0f);
        g.setColour(i == shownBeat_ ? (i == 0 ? colours::accent : colours::text) : colours::dimText.darker(0.6f));
        g.fillEllipse(dot);
    }
}

void MetronomePanel::resized() {
    auto area = getLocalBounds().reduced(10);
    area.removeFromBottom(18);
    auto top = area.removeFromTop(26);
    title_.setBounds(top.removeFromLeft(100));
    startStop_.setBounds(top.removeFromRight(70));
    top.removeFromRight(6);
    mode_.setBounds(top.removeFromRight(juce::jmin(130, top.getWidth())));
    area.removeFromTop(4);
    auto row = area.removeFromTop(26);
    tempoCaption_.setBounds(row.removeFromLeft(36));
    tempo_.setBounds(row);
    area.removeFromTop(4);
    auto row2 = area.removeFromTop(26);
    beats_.setBounds(row2.removeFromLeft(90));
    row2.removeFromLeft(6);
    accent_.setBounds(row2.removeFromLeft(140));
    level_.setBounds(row2);
    area.removeFromTop(4);
    auto row3 = area.removeFromTop(24);
    forRoom_.setBounds(row3.removeFromLeft(160));
    hearRoom_.setBounds(row3);
}

}  // namespace samspil::ui
