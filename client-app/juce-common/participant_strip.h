// One row per remote participant: quality light, name and role, level meter, the
// listener's own volume, pan and mute, and the estimated delay from their microphone to
// this ear. The room's teacher also gets "Mute for all" and "Remove". Message thread.
#pragma once

#include "level_meter_component.h"
#include "room_session.h"
#include "samspil/settings/client_settings.h"
#include "samspil/net/connection_quality.h"

namespace samspil::ui {

/// A round light: green, amber, red or grey, with the figures behind it as its tooltip.
class QualityLight : public juce::Component, public juce::SettableTooltipClient {
public:
    void setLevel(QualityLevel level);
    void paint(juce::Graphics& g) override;

private:
    QualityLevel level_ = QualityLevel::Unknown;
};

class ParticipantStrip : public juce::Component {
public:
    /// mix: what the listener chose for this name last time; onMixChanged is told of changes.
    ParticipantStrip(RoomSession& session, const std::string& name, PeerMixSetting mix,
                     std::function<void(const std::string&, const PeerMixSetting&)> onMixChanged);

    /// Called a few times a second with the participant's latest picture.
    void update(const Participant& participant);
    const std::string& participantName() const { return name_; }

    void paint(juce::Graphics& g) override;
    void resized() override;

private:
    void pushMixToEngine();
    void mixChanged();

    RoomSession& session_;
    std::string name_;
    Participant participant_;
    std::function<void(const std::string&, const PeerMixSetting&)> onMixChanged_;
    RecentLoss recentLoss_;
    double lossPercent_ = 0;
    std::uint32_t updates_ = 0;

    QualityLight light_;
    juce::Label nameLabel_, roleLabel_, delayLabel_, volumeCaption_, panCaption_;
    LevelMeterComponent meter_;
    juce::Slider volume_, pan_;
    juce::ToggleButton listen_{tr("Hear")};
    juce::TextButton teacherMute_{tr("Mute for all")}, remove_{tr("Remove")};
};

}  // namespace samspil::ui
