#include "chat_panel.h"

#include "samspil/protocol/validation.h"

namespace samspil::ui {

ChatPanel::ChatPanel(RoomSession& session) : session_(session) {
    title_.setText(tr("Chat"), juce::dontSendNotification);
    title_.setFont(juce::Font(15.0f, juce::Font::bold));
    addAndMakeVisible(title_);
    history_.setMultiLine(true, true);
    history_.setReadOnly(true);
    history_.setCaretVisible(false);
    history_.setScrollbarsShown(true);
    addAndMakeVisible(history_);
    input_.setTextToShowWhenEmpty(tr("Write to the room …"), colours::dimText);
    input_.setInputRestrictions(1000);
    input_.onReturnKey = [this] { send(); };
    addAndMakeVisible(input_);
    sendButton_.onClick = [this] { send(); };
    addAndMakeVisible(sendButton_);
}

void ChatPanel::send() {
    const std::string text = input_.getText().trim().toStdString();
    if (text.empty()) return;
    if (!protocol::isValidChatText(text)) return;  // the input box already keeps it short
    session_.sendChat(text);
    input_.clear();
}

void ChatPanel::update() {
    const auto& lines = session_.chat();
    if (lines.size() < shown_) {  // a new room: start over
        history_.clear();
        shown_ = 0;
    }
    if (lines.size() == shown_) return;
    for (; shown_ < lines.size(); ++shown_) {
        const auto& line = lines[shown_];
        history_.moveCaretToEnd();
        history_.setColour(juce::TextEditor::textColourId, colours::accent);
        history_.insertTextAtCaret(juce::String::fromUTF8(line.name.c_str()) + ": ");
        history_.setColour(juce::TextEditor::textColourId, colours::text);
        history_.insertTextAtCaret(juce::String::fromUTF8(line.text.c_str()) + "\n");
    }
    history_.moveCaretToEnd();
}

void ChatPanel::paint(juce::Graphics& g) {
    g.setColour(colours::panel);
    g.fillRoundedRectangle(getLocalBounds().toFloat().reduced(2.0f), 6.0f);
}

void ChatPanel::resized() {
    auto area = getLocalBounds().reduced(10);
    title_.setBounds(area.removeFromTop(24));
    auto bottom = area.removeFromBottom(30);
    sendButton_.setBounds(bottom.removeFromRight(64));
    bottom.removeFromRight(6);
    input_.setBounds(bottom);
    area.removeFromBottom(6);
    history_.setBounds(area);
}

}  // namespace samspil::ui
