// The listener's own strip: input meter and gain, mute myself, mono/stereo, frame size,
// and an estimate of the delay from this microphone to each peer. Message thread.
#pragma once

#include "level_meter_component.h"
#include "room_session.h"

namespace samspil::ui {

struct SelfSettings {
    float inputGainDb = 0.0f;
    bool muted = false;
    int sendChannels = 1;
    int frameSamples = 240;
};

class SelfStrip : public juce::Component {
public:
    SelfStrip(RoomSession& session, SelfSettings initial, std::function<void(const SelfSettings&)> onChanged);

    /// A few times a second.
    void update();
    void setName(const std::string& name);

    void paint(juce::Graphics& g) override;
    void resized() override;

private:
    void changed();

    RoomSession& session_;
    std::function<void(const SelfSettings&)> onChanged_;
    juce::Label nameLabel_, gainCaption_, delays_;
    LevelMeterComponent meter_;
    juce::Slider gain_;
    juce::ToggleButton mute_{tr("Mute me")};
    juce::ComboBox channels_, frame_;
};

}  // namespace samspil::ui
