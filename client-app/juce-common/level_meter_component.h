// A horizontal level meter fed from a samspil::LevelMeter (written by the audio thread).
// Repaints itself at 30 Hz on the message thread; green to -12 dBFS, amber to -3, red above.
#pragma once

#include "samspil/audio/level_meter.h"
#include "samspil_look.h"

#include <functional>

namespace samspil::ui {

class LevelMeterComponent : public juce::Component, private juce::Timer {
public:
    LevelMeterComponent() { startTimerHz(30); }
    /// The meter to show; null shows nothing (e.g. a free slot).
    void setSource(const LevelMeter* meter) { meter_ = meter; }

    void paint(juce::Graphics& g) override {
        auto area = getLocalBounds().toFloat();
        g.setColour(colours::panel.darker(0.5f));
        g.fillRoundedRectangle(area, 2.0f);
        // -60 dBFS .. 0 dBFS across the width.
        const float fraction = juce::jlimit(0.0f, 1.0f, (shownDb_ + 60.0f) / 60.0f);
        const juce::Colour colour = shownDb_ > -3.0f ? colours::poor : shownDb_ > -12.0f ? colours::fair : colours::good;
        g.setColour(colour);
        g.fillRoundedRectangle(area.withWidth(area.getWidth() * fraction), 2.0f);
    }

private:
    void timerCallback() override {
        const float db = meter_ ? meter_->decibels() : -100.0f;
        if (std::abs(db - shownDb_) > 0.5f) {
            shownDb_ = db;
            repaint();
        }
    }

    const LevelMeter* meter_ = nullptr;
    float shownDb_ = -100.0f;
};

}  // namespace samspil::ui
