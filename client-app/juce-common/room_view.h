// The room as a teacher or student sees it: a status line, their own strip, one strip per
// participant, the chat, the metronome and (for the teacher) the waiting room.
// Message thread; refreshes itself five times a second from the RoomSession.
#pragma once

#include "chat_panel.h"
#include "metronome_panel.h"
#include "participant_strip.h"
#include "self_strip.h"
#include "teacher_panel.h"

namespace samspil::ui {

/// Where the view's choices are remembered (the app's settings, the plugin's state).
struct RoomViewMemory {
    SelfSettings self;
    MetronomeSettings metronome;
    std::function<PeerMixSetting(const std::string& name)> mixFor;
    std::function<void(const std::string& name, const PeerMixSetting&)> mixChanged;
    std::function<void(const SelfSettings&)> selfChanged;
    std::function<void(const MetronomeSettings&)> metronomeChanged;
};

class RoomView : public juce::Component, private juce::Timer {
public:
    RoomView(RoomSession& session, RoomViewMemory memory);

    /// Refreshes everything now (also runs on its own timer).
    void update();
    int participantStripCount() const { return strips_.size(); }

    void paint(juce::Graphics& g) override;
    void resized() override;

private:
    void timerCallback() override { update(); }
    juce::String recordingText(const protocol::RecordingState& recording) const;
    void syncStrips();
    void layoutStrips();

    RoomSession& session_;
    RoomViewMemory memory_;
    juce::Label status_, hint_;
    SelfStrip self_;
    juce::Viewport stripsViewport_;
    juce::Component stripsContent_;
    juce::OwnedArray<ParticipantStrip> strips_;
    ChatPanel chat_;
    MetronomePanel metronome_;
    TeacherPanel teacher_;
    int teacherHeight_ = 0;
};

}  // namespace samspil::ui
