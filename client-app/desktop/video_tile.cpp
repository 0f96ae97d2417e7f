#include "video_tile.h"

namespace samspil::desktop {

VideoTile::VideoTile() {
    addChildComponent(pin_);
    addChildComponent(block_);
    pin_.onClick = [this] { if (onPin) onPin(); };
    block_.onClick = [this] { if (onBlock) onBlock(); };
}

void VideoTile::setName(const juce::String& name, bool cameraOn, bool pinned) {
    if (name == name_ && cameraOn == cameraOn_ && pinned == pinned_) return;
    name_ = name;
    cameraOn_ = cameraOn;
    pinned_ = pinned;
    setTitle(name);
    repaint();
}

void VideoTile::setPicture(const video::I420Image& picture, bool mirror) {
    if (image_.getWidth() != picture.width() || image_.getHeight() != picture.height())
        image_ = juce::Image(juce::Image::ARGB, picture.width(), picture.height(), false);
    juce::Image::BitmapData pixels(image_, juce::Image::BitmapData::writeOnly);
    picture.toBgra(pixels.data, pixels.lineStride);
    mirror_ = mirror;
    repaint();
}

void VideoTile::setState(const juce::String& why) {
    if (why == state_) return;
    state_ = why;
    repaint();
}

void VideoTile::setActions(bool showPin, const juce::String& pinText, bool showBlock, const juce::String& blockText) {
    pin_.setVisible(showPin);
    pin_.setButtonText(pinText);
    block_.setVisible(showBlock);
    block_.setButtonText(blockText);
}

void VideoTile::paint(juce::Graphics& g) {
    const auto bounds = getLocalBounds().toFloat();
    g.setColour(juce::Colour(0xff0b0e13));
    g.fillRoundedRectangle(bounds, 8.0f);
    if (image_.isValid() && state_.isEmpty()) {
        // Fitted, keeping its shape; one's own picture as in a mirror.
        const auto placed = juce::RectanglePlacement(juce::RectanglePlacement::centred)
                                .appliedTo(image_.getBounds().toFloat(), bounds.reduced(2.0f));
        juce::Graphics::ScopedSaveState saved(g);
        auto transform = juce::AffineTransform::scale(placed.getWidth() / static_cast<float>(image_.getWidth()),
                                                      placed.getHeight() / static_cast<float>(image_.getHeight()));
        if (mirror_) transform = transform.followedBy(juce::AffineTransform::scale(-1.0f, 1.0f)).translated(placed.getWidth(), 0);
        g.drawImageTransformed(image_, transform.translated(placed.getX(), placed.getY()));
    }
    if (state_.isNotEmpty()) {
        g.setColour(ui::colours::fair);
        g.setFont(juce::Font(15.0f));
        g.drawFittedText(state_, getLocalBounds().reduced(12), juce::Justification::centred, 3);
    }
    // The name, and a small camera when it is on.
    auto caption = getLocalBounds().removeFromBottom(28).reduced(8, 3);
    g.setFont(juce::Font(14.0f, juce::Font::bold));
    const int textWidth = g.getCurrentFont().getStringWidth(name_) + (cameraOn_ ? 26 : 0) + (pinned_ ? 16 : 0) + 12;
    auto label = caption.removeFromLeft(textWidth).toFloat();
    g.setColour(juce::Colours::black.withAlpha(0.6f));
    g.fillRoundedRectangle(label, 5.0f);
    auto inside = label.reduced(6.0f, 2.0f);
    g.setColour(ui::colours::text);
    if (pinned_) {
        g.setColour(ui::colours::accent);
        g.fillEllipse(inside.removeFromLeft(10.0f).withSizeKeepingCentre(8.0f, 8.0f));
        inside.removeFromLeft(4.0f);
        g.setColour(ui::colours::text);
    }
    g.drawText(name_, inside.removeFromLeft(static_cast<float>(g.getCurrentFont().getStringWidth(name_))), juce::Justification::centredLeft);
    if (cameraOn_) {
        auto icon = inside.removeFromRight(20.0f).withSizeKeepingCentre(18.0f, 11.0f);
        g.setColour(ui::colours::good);
        g.fillRoundedRectangle(icon.removeFromLeft(12.0f), 2.0f);
        juce::Path lens;
        lens.addTriangle(icon.getX(), icon.getCentreY(), icon.getRight(), icon.getY(), icon.getRight(), icon.getBottom());
        g.fillPath(lens);
    }
}

void VideoTile::resized() {
    auto top = getLocalBounds().removeFromTop(36).reduced(6);
    if (block_.isVisible()) block_.setBounds(top.removeFromRight(130));
    top.removeFromRight(6);
    if (pin_.isVisible()) pin_.setBounds(top.removeFromRight(150));
}

void VideoTile::mouseUp(const juce::MouseEvent&) {
    if (onChoose) onChoose();
}

}  // namespace samspil::desktop
