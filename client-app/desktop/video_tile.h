// VideoTile: one person's picture in the room — the newest decoded picture, fitted into the
// tile, their name with a camera symbol when their camera is on, and, when there is no
// picture, why (camera off, paused because the line is too weak, turned off by the teacher,
// waiting). The teacher's buttons (pin, camera off) sit on it. Message thread.
#pragma once

#include "samspil_look.h"
#include "samspil/video/i420_image.h"

#include <juce_gui_basics/juce_gui_basics.h>

#include <functional>

namespace samspil::desktop {

class VideoTile : public juce::Component {
public:
    VideoTile();

    void setName(const juce::String& name, bool cameraOn, bool pinned);
    /// A picture to show (converted once, here); `mirror` for one's own preview.
    void setPicture(const video::I420Image& picture, bool mirror);
    /// Why there is no picture now (empty: there is one).
    void setState(const juce::String& why);
    /// The teacher's buttons (hidden when `show` is false).
    void setActions(bool showPin, const juce::String& pinText, bool showBlock, const juce::String& blockText);
    std::function<void()> onPin, onBlock, onChoose;

    void paint(juce::Graphics& g) override;
    void resized() override;
    void mouseUp(const juce::MouseEvent& event) override;

private:
    juce::Image image_;
    bool mirror_ = false;
    juce::String name_, state_;
    bool cameraOn_ = false;
    bool pinned_ = false;
    juce::TextButton pin_, block_;
};

}  // namespace samspil::desktop
