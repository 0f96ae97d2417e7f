// What only the room's teacher sees: who waits in the waiting room (with "Let in"), the
// room lock, recording the lesson, and (when signed in to a school) "invite a guest": a web link to send a
// student or mentor, shown and copied. Hidden for everyone else. Message thread.
#pragma once

#include "background_job.h"
#include "room_session.h"
#include "samspil/net/invite_request.h"
#include "samspil_look.h"

namespace samspil::ui {

class TeacherPanel : public juce::Component {
public:
    explicit TeacherPanel(RoomSession& session);

    void update();
    /// Height it wants (0 when it has nothing to show).
    int wantedHeight() const;

    void paint(juce::Graphics& g) override;
    void resized() override;

private:
    RoomSession& session_;
    juce::Label title_;
    juce::ToggleButton lock_{tr("Lock the room")};
    juce::ToggleButton record_{tr("Record the lesson")};
    juce::TextButton recordTake_{tr("Record a take")};
    juce::OwnedArray<juce::Label> waitingNames_;
    juce::OwnedArray<juce::TextButton> admitButtons_;
    std::vector<std::uint32_t> shownWaiting_;

    // Invite a guest: a name (optional), the button, the link (selectable) and Copy.
    void startInvite();
    bool canInvite() const;
    juce::TextEditor guestName_;
    juce::TextButton invite_{tr("Invite a guest")};
    juce::TextEditor link_;
    juce::TextButton copy_{tr("Copy link")};
    juce::Label inviteStatus_;
    BackgroundJob<Expected<net::CreatedInvite, std::string>> inviteJob_;
};

}  // namespace samspil::ui
