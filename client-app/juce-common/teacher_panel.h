// What only the room's teacher sees: who waits in the waiting room (with "Let in"), and
// the room lock. Hidden for everyone else. Message thread.
#pragma once

#include "room_session.h"
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
    juce::ToggleButton lock_{"Lock the room"};
    juce::OwnedArray<juce::Label> waitingNames_;
    juce::OwnedArray<juce::TextButton> admitButtons_;
    std::vector<std::uint32_t> shownWaiting_;
};

}  // namespace samspil::ui
