// The room's chat: history from the server, then live lines, and a box to type in.
// Message thread.
#pragma once

#include "room_session.h"
#include "samspil_look.h"

namespace samspil::ui {

class ChatPanel : public juce::Component {
public:
    explicit ChatPanel(RoomSession& session);

    /// Shows lines that arrived since the last call.
    void update();

    void paint(juce::Graphics& g) override;
    void resized() override;

private:
    void send();

    RoomSession& session_;
    std::size_t shown_ = 0;
    juce::Label title_;
    juce::TextEditor history_, input_;
    juce::TextButton sendButton_{tr("Send")};
};

}  // namespace samspil::ui
