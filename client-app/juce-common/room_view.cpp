#include "room_view.h"

#include <cmath>

namespace samspil::ui {
namespace {

constexpr int kStripHeight = 64;

juce::Colour statusColour(net::SessionState state) {
    switch (state) {
        case net::SessionState::Joined: return colours::good;
        case net::SessionState::Waiting:
        case net::SessionState::Connecting:
        case net::SessionState::Reconnecting: return colours::fair;
        case net::SessionState::Refused: return colours::poor;
        default: return colours::dimText;
    }
}

}  // namespace

RoomView::RoomView(RoomSession& session, RoomViewMemory memory)
    : session_(session),
      memory_(std::move(memory)),
      self_(session, memory_.self, memory_.selfChanged),
      chat_(session),
      metronome_(session.engine().metronome(), memory_.metronome, memory_.metronomeChanged),
      teacher_(session) {
    status_.setFont(juce::Font(17.0f, juce::Font::bold));
    addAndMakeVisible(status_);
    hint_.setColour(juce::Label::textColourId, colours::dimText);
    hint_.setJustificationType(juce::Justification::centredRight);
    addAndMakeVisible(hint_);
    addAndMakeVisible(self_);
    stripsViewport_.setViewedComponent(&stripsContent_, false);
    stripsViewport_.setScrollBarsShown(true, false);
    addAndMakeVisible(stripsViewport_);
    addAndMakeVisible(chat_);
    metronome_.sendToRoom = [this](const protocol::MetronomeSet& set) { session_.sendControl(set); };
    addAndMakeVisible(metronome_);
    addChildComponent(teacher_);
    update();
    startTimerHz(5);
}

void RoomView::syncStrips() {
    // One strip per remote participant, in the order the server lists them (join order).
    std::vector<const Participant*> remote;
    for (const auto& p : session_.participants())
        if (!p.isSelf) remote.push_back(&p);
    bool same = static_cast<int>(remote.size()) == strips_.size();
    for (std::size_t i = 0; same && i < remote.size(); ++i)
        same = strips_[static_cast<int>(i)]->participantName() == remote[i]->name;
    if (!same) {
        // Keep the strips of people still here (their sliders), make new ones for newcomers.
        juce::OwnedArray<ParticipantStrip> next;
        for (const auto* p : remote) {
            ParticipantStrip* kept = nullptr;
            for (int i = 0; i < strips_.size() && !kept; ++i)
                if (strips_[i]->participantName() == p->name) kept = strips_.removeAndReturn(i);
            if (!kept) {
                const PeerMixSetting mix = memory_.mixFor ? memory_.mixFor(p->name) : PeerMixSetting{};
                kept = new ParticipantStrip(session_, p->name, mix, memory_.mixChanged);
            }
            next.add(kept);
            stripsContent_.addAndMakeVisible(kept);
        }
        strips_.clear();
        strips_.swapWith(next);
        layoutStrips();
    }
    for (std::size_t i = 0; i < remote.size(); ++i) strips_[static_cast<int>(i)]->update(*remote[i]);
}

// "● Recording this lesson"; for a take its count-in, beat by beat, then the take.
juce::String RoomView::recordingText(const protocol::RecordingState& recording) const {
    if (!recording.take) return tr("● Recording this lesson");
    const auto& take = *recording.take;
    const auto now = session_.serverNowUs();
    if (now && *now < take.startServerUs) {
        const double beatUs = 60e6 / take.bpm;
        const int beats = std::min(take.beatsPerBar, static_cast<int>(std::ceil(static_cast<double>(take.startServerUs - *now) / beatUs)));
        return tr("● Count-in … {beats}").replace("{beats}", juce::String(beats));
    }
    return tr("● Recording a take ({bpm} BPM)").replace("{bpm}", juce::String(juce::roundToInt(take.bpm)));
}

void RoomView::update() {
    const auto state = session_.state();
    status_.setText(juce::String::fromUTF8(session_.statusText().c_str()), juce::dontSendNotification);
    status_.setColour(juce::Label::textColourId, statusColour(state));
    juce::String hint;
    if (state == net::SessionState::Joined) {
        const auto others = std::count_if(session_.participants().begin(), session_.participants().end(),
                                          [](const Participant& p) { return !p.isSelf; });
        hint << tr("You are {role}").replace("{role}", roleName(session_.selfRole())) << utf8(" · ")
             << (others == 1 ? tr("1 other in the room") : tr("{count} others in the room").replace("{count}", juce::String(others)));
        if (session_.roomState().locked) hint << utf8(" · ") << tr("locked");
        if (const auto& recording = session_.roomState().recording) {
            hint = recordingText(*recording) + utf8(" · ") + hint;
            juce::StringArray leftOut;
            for (const auto& p : session_.participants())
                if (std::find(recording->notRecorded.begin(), recording->notRecorded.end(), p.participantId) !=
                    recording->notRecorded.end())
                    leftOut.add(juce::String::fromUTF8(p.name.c_str()));
            if (!leftOut.isEmpty())
                hint << utf8(" · ") << tr("not in the recording: {names}").replace("{names}", leftOut.joinIntoString(", "));
        }
        if (const auto& grid = session_.roomMetronome(); grid && grid->running)
            hint << utf8(" · ")
                 << tr("the room's click {bpm} BPM, {beats}/bar, set by {name}")
                        .replace("{bpm}", juce::String(grid->bpm, grid->bpm == std::round(grid->bpm) ? 0 : 1))
                        .replace("{beats}", juce::String(grid->beatsPerBar))
                        .replace("{name}", juce::String::fromUTF8(grid->name.c_str()));
        if (const auto& grid = session_.roomMetronome(); grid && grid->intervalBars > 0)
            hint << utf8(" · ")
                 << (grid->intervalBars == 1 ? tr("interval mode: you hear the others 1 bar late, on the beat")
                                             : tr("interval mode: you hear the others {bars} bars late, on the beat")
                                                   .replace("{bars}", juce::String(grid->intervalBars)));
        metronome_.showRoomMode(session_.roomMetronome() ? session_.roomMetronome()->intervalBars : 0);
        if (const auto& tempo = session_.roomTempo())
            hint << utf8(" · ") << tr("tempo") << " " << juce::String(tempo->tempo.bpm, 1) << " " << tempo->tempo.numerator << "/"
                 << tempo->tempo.denominator;
        if (const auto rtt = session_.client() ? session_.client()->roundTripUs() : std::nullopt)
            hint << utf8(" · ") << tr("server {ms} ms").replace("{ms}", juce::String(static_cast<double>(*rtt) / 1000.0, 1));
    }
    hint_.setText(hint, juce::dontSendNotification);
    hint_.setColour(juce::Label::textColourId,
                    session_.roomState().recording ? juce::Colour(0xffe5484d) : colours::dimText);
    for (const auto& p : session_.participants())
        if (p.isSelf) self_.setName(p.name);
    self_.update();
    syncStrips();
    chat_.update();
    teacher_.update();
    const int wanted = teacher_.wantedHeight();
    if (wanted != teacherHeight_) {
        teacherHeight_ = wanted;
        teacher_.setVisible(wanted > 0);
        resized();
    }
    session_.tick();
}

void RoomView::paint(juce::Graphics& g) {
    g.fillAll(colours::background);
    if (strips_.isEmpty()) {
        g.setColour(colours::dimText);
        g.setFont(14.0f);
        g.drawText(session_.state() == net::SessionState::Joined ? tr("Nobody else is here yet.") : juce::String(),
                   stripsViewport_.getBounds().withHeight(40), juce::Justification::centred);
    }
}

void RoomView::layoutStrips() {
    const int width = stripsViewport_.getMaximumVisibleWidth();
    stripsContent_.setSize(width, std::max(1, strips_.size() * kStripHeight));
    for (int i = 0; i < strips_.size(); ++i) strips_[i]->setBounds(0, i * kStripHeight, width, kStripHeight);
    repaint();
}

void RoomView::resized() {
    auto area = getLocalBounds().reduced(10);
    auto header = area.removeFromTop(30);
    hint_.setBounds(header.removeFromRight(header.getWidth() / 2));
    status_.setBounds(header);
    area.removeFromTop(6);
    auto side = area.removeFromRight(std::clamp(area.getWidth() / 3, 260, 380));
    area.removeFromRight(8);
    metronome_.setBounds(side.removeFromBottom(152));
    side.removeFromBottom(6);
    if (teacherHeight_ > 0) {
        teacher_.setBounds(side.removeFromTop(teacherHeight_));
        side.removeFromTop(6);
    }
    chat_.setBounds(side);
    self_.setBounds(area.removeFromTop(kStripHeight + 6));
    area.removeFromTop(6);
    stripsViewport_.setBounds(area);
    layoutStrips();
}

}  // namespace samspil::ui
