#include "teacher_panel.h"

namespace samspil::ui {

TeacherPanel::TeacherPanel(RoomSession& session) : session_(session) {
    title_.setText("Waiting room", juce::dontSendNotification);
    title_.setFont(juce::Font(15.0f, juce::Font::bold));
    addAndMakeVisible(title_);
    lock_.setTooltip("While locked, only teachers can come in");
    lock_.onClick = [this] { session_.sendControl(protocol::Lock{lock_.getToggleState()}); };
    addAndMakeVisible(lock_);
}

int TeacherPanel::wantedHeight() const {
    if (!session_.holdsControls()) return 0;
    return 44 + 32 * std::max<int>(1, static_cast<int>(shownWaiting_.size()));
}

void TeacherPanel::update() {
    lock_.setToggleState(session_.roomState().locked, juce::dontSendNotification);
    std::vector<std::uint32_t> waiting;
    for (const auto& peer : session_.roomState().waiting) waiting.push_back(peer.participantId);
    if (waiting == shownWaiting_) return;
    shownWaiting_ = waiting;
    waitingNames_.clear();
    admitButtons_.clear();
    for (const auto& peer : session_.roomState().waiting) {
        auto* name = waitingNames_.add(new juce::Label());
        name->setText(juce::String::fromUTF8(peer.name.c_str()) + " (" + juce::String(peer.role) + ")", juce::dontSendNotification);
        addAndMakeVisible(name);
        auto* admit = admitButtons_.add(new juce::TextButton("Let in"));
        const std::uint32_t id = peer.participantId;
        admit->onClick = [this, id] { session_.sendControl(protocol::Admit{id}); };
        addAndMakeVisible(admit);
    }
    resized();
    repaint();
}

void TeacherPanel::paint(juce::Graphics& g) {
    g.setColour(colours::panel);
    g.fillRoundedRectangle(getLocalBounds().toFloat().reduced(2.0f), 6.0f);
    if (shownWaiting_.empty()) {
        g.setColour(colours::dimText);
        g.setFont(13.0f);
        g.drawText("Nobody is waiting.", getLocalBounds().reduced(12).withTrimmedTop(32).removeFromTop(24),
                   juce::Justification::centredLeft);
    }
}

void TeacherPanel::resized() {
    auto area = getLocalBounds().reduced(10);
    auto top = area.removeFromTop(26);
    title_.setBounds(top.removeFromLeft(140));
    lock_.setBounds(top.removeFromRight(140));
    area.removeFromTop(4);
    for (int i = 0; i < waitingNames_.size(); ++i) {
        auto row = area.removeFromTop(30);
        admitButtons_[i]->setBounds(row.removeFromRight(80).reduced(2));
        waitingNames_[i]->setBounds(row);
    }
}

}  // namespace samspil::ui
