// Audio setup: JUCE's device selector (driver, input, output, sample rate, buffer size),
// an input level meter, what the device adds in delay, and the one-click line check to
// the server. Message thread; the line check runs on a worker thread.
#pragma once

#include "audio_bridge.h"
#include "background_job.h"
#include "samspil/net/line_check.h"
#include "level_meter_component.h"

#include <juce_audio_utils/juce_audio_utils.h>

#include <memory>

namespace samspil::desktop {

class AudioSetupPanel : public juce::Component, private juce::Timer {
public:
    /// serverUrl: asked when the line check starts (the connect panel's field).
    AudioSetupPanel(juce::AudioDeviceManager& devices, ui::AudioBridge& bridge, const LevelMeter& inputMeter,
                    std::function<std::string()> serverUrl);
    ~AudioSetupPanel() override;

    /// A problem found when opening the device at start ("no audio device"), shown until fixed.
    void setStartupProblem(const juce::String& problem);
    /// The latest line check result sentence (empty before the first).
    juce::String lineCheckText() const { return lineCheckResult_.getText(); }
    /// Starts the line check as if clicked.
    void runLineCheck();

    void paint(juce::Graphics& g) override;
    void resized() override;

private:
    void timerCallback() override;

    juce::AudioDeviceManager& devices_;
    ui::AudioBridge& bridge_;
    std::function<std::string()> serverUrl_;
    juce::AudioDeviceSelectorComponent selector_;
    juce::Label title_, meterCaption_, deviceInfo_, problem_, lineCheckResult_;
    ui::LevelMeterComponent meter_;
    juce::TextButton lineCheck_{ui::tr("Line check")};
    juce::String startupProblem_;
    ui::BackgroundJob<Expected<net::LineCheckResult, std::string>> lineCheckJob_;  // last member: joined first
};

}  // namespace samspil::desktop
