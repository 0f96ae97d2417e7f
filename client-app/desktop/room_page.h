// RoomPage: the desktop app's Room tab — the video panel above the room view (its strips,
// chat, metronome and teacher's panel). The video takes half the height while there are
// pictures to show, else only its bar. Message thread.
#pragma once

#include "room_view.h"
#include "video_panel.h"

#include <memory>

namespace samspil::desktop {

class RoomPage : public juce::Component, private juce::Timer {
public:
    RoomPage(std::unique_ptr<VideoPanel> video, ui::RoomView& room) : video_(std::move(video)), room_(room) {
        addAndMakeVisible(*video_);
        addAndMakeVisible(room_);
        startTimerHz(5);
    }

    void resized() override {
        auto area = getLocalBounds();
        shownTiles_ = video_->showsTiles();
        video_->setBounds(area.removeFromTop(shownTiles_ ? area.getHeight() / 2 : VideoPanel::kBarHeight));
        room_.setBounds(area);
    }

private:
    void timerCallback() override {
        if (video_->showsTiles() != shownTiles_) resized();
    }

    std::unique_ptr<VideoPanel> video_;
    ui::RoomView& room_;
    bool shownTiles_ = false;
};

}  // namespace samspil::desktop
