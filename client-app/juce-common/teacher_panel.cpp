#include "teacher_panel.h"

namespace samspil::ui {

TeacherPanel::TeacherPanel(RoomSession& session) : session_(session) {
    title_.setText(tr("Waiting room"), juce::dontSendNotification);
    title_.setFont(juce::Font(15.0f, juce::Font::bold));
    addAndMakeVisible(title_);
    lock_.setTooltip(tr("While locked, only teachers can come in"));
    lock_.onClick = [this] { session_.sendControl(protocol::Lock{lock_.getToggleState()}); };
    addAndMakeVisible(lock_);
    record_.setTooltip(tr("Everyone in the room is told first; people the school may not record are left out"));
    record_.onClick = [this] { session_.sendControl(protocol::Record{record_.getToggleState()}); };
    addAndMakeVisible(record_);
    recordTake_.onClick = [this] { session_.sendControl(protocol::Record{true, true}); };
    addAndMakeVisible(recordTake_);

    guestName_.setTextToShowWhenEmpty(tr("Guest's name (optional)"), colours::dimText);
    guestName_.setTitle(tr("Guest's name"));
    addChildComponent(guestName_);
    invite_.setTooltip(tr("Makes a link a student or mentor opens in the browser to join this room (valid 24 hours)"));
    invite_.onClick = [this] { startInvite(); };
    addChildComponent(invite_);
    link_.setReadOnly(true);
    link_.setTitle(tr("Invite link"));
    link_.setTextToShowWhenEmpty(tr("The link to send appears here"), colours::dimText);
    addChildComponent(link_);
    copy_.onClick = [this] {
        juce::SystemClipboard::copyTextToClipboard(link_.getText());
        inviteStatus_.setText(tr("Copied. Paste it into an email or a message."), juce::dontSendNotification);
    };
    addChildComponent(copy_);
    inviteStatus_.setColour(juce::Label::textColourId, colours::dimText);
    addChildComponent(inviteStatus_);
}

// Invites need a school account: the room's code and the teacher's session token.
bool TeacherPanel::canInvite() const {
    return session_.holdsControls() && session_.joinSettings().token.has_value();
}

void TeacherPanel::startInvite() {
    const JoinSettings& settings = session_.joinSettings();
    if (!settings.token) return;
    const std::string server = settings.serverUrl, token = *settings.token, room = settings.room;
    const std::string guest = guestName_.getText().trim().toStdString();
    invite_.setEnabled(false);
    inviteStatus_.setText(tr("Making the invite …"), juce::dontSendNotification);
    inviteJob_.start([server, token, room, guest] { return net::createInvite(server, token, room, guest); },
                     [this](Expected<net::CreatedInvite, std::string> created) {
                         invite_.setEnabled(true);
                         if (!created) {
                             inviteStatus_.setText(juce::String::fromUTF8(created.error().c_str()),
                                                   juce::dontSendNotification);
                             return;
                         }
                         link_.setText(juce::String::fromUTF8(created->webLink.c_str()), false);
                         copy_.setEnabled(true);
                         inviteStatus_.setText(tr("Send this link; it opens in any recent browser."),
                                               juce::dontSendNotification);
                     });
}

int TeacherPanel::wantedHeight() const {
    if (!session_.holdsControls()) return 0;
    return 74 + 32 * std::max<int>(1, static_cast<int>(shownWaiting_.size())) + (canInvite() ? 92 : 0);
}

void TeacherPanel::update() {
    lock_.setToggleState(session_.roomState().locked, juce::dontSendNotification);
    record_.setToggleState(session_.roomState().recording.has_value(), juce::dontSendNotification);
    // A take counts in a bar on the room's metronome, then records from the next bar line.
    const bool metronome = session_.roomMetronome().has_value();
    recordTake_.setEnabled(metronome && !session_.roomState().recording);
    recordTake_.setTooltip(metronome ? tr("One bar's count-in on the room's metronome, then recording from the next bar line")
                                     : tr("Start the room's metronome first: a take counts in on it"));
    const bool invites = canInvite();
    if (invites != invite_.isVisible()) {
        for (juce::Component* c : std::initializer_list<juce::Component*>{&guestName_, &invite_, &link_, &copy_, &inviteStatus_})
            c->setVisible(invites);
        copy_.setEnabled(link_.getText().isNotEmpty());
        resized();
    }
    std::vector<std::uint32_t> waiting;
    for (const auto& peer : session_.roomState().waiting) waiting.push_back(peer.participantId);
    if (waiting == shownWaiting_) return;
    shownWaiting_ = waiting;
    waitingNames_.clear();
    admitButtons_.clear();
    for (const auto& peer : session_.roomState().waiting) {
        auto* name = waitingNames_.add(new juce::Label());
        name->setText(juce::String::fromUTF8(peer.name.c_str()) + " (" + roleName(peer.role) + ")", juce::dontSendNotification);
        addAndMakeVisible(name);
        auto* admit = admitButtons_.add(new juce::TextButton(tr("Let in")));
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
        g.drawText(tr("Nobody is waiting."), getLocalBounds().reduced(12).withTrimmedTop(62).removeFromTop(24),
                   juce::Justification::centredLeft);
    }
}

void TeacherPanel::resized() {
    auto area = getLocalBounds().reduced(10);
    auto top = area.removeFromTop(26);
    title_.setBounds(top.removeFromLeft(140));
    lock_.setBounds(top.removeFromRight(140));
    auto recordRow = area.removeFromTop(28);
    record_.setBounds(recordRow.removeFromRight(170));
    recordTake_.setBounds(recordRow.removeFromRight(130).reduced(2));
    area.removeFromTop(4);
    for (int i = 0; i < waitingNames_.size(); ++i) {
        auto row = area.removeFromTop(30);
        admitButtons_[i]->setBounds(row.removeFromRight(80).reduced(2));
        waitingNames_[i]->setBounds(row);
    }
    if (!invite_.isVisible()) return;
    area = getLocalBounds().reduced(10).removeFromBottom(88);
    auto first = area.removeFromTop(28);
    invite_.setBounds(first.removeFromRight(130).reduced(2));
    guestName_.setBounds(first.reduced(2));
    auto second = area.removeFromTop(28);
    copy_.setBounds(second.removeFromRight(100).reduced(2));
    link_.setBounds(second.reduced(2));
    inviteStatus_.setBounds(area.removeFromTop(26));
}

}  // namespace samspil::ui
