#include "audio_setup_panel.h"

#include "samspil/net/connection_quality.h"
#include "samspil/net/line_check.h"


namespace samspil::desktop {

using namespace samspil::ui;

AudioSetupPanel::AudioSetupPanel(juce::AudioDeviceManager& devices, AudioBridge& bridge, const LevelMeter& inputMeter,
                                 std::function<std::string()> serverUrl)
    : devices_(devices),
      bridge_(bridge),
      serverUrl_(std::move(serverUrl)),
      selector_(devices, 0, 2, 1, 2, false, false, false, false) {
    title_.setText(ui::tr("Audio setup"), juce::dontSendNotification);
    title_.setFont(juce::Font(20.0f, juce::Font::bold));
    addAndMakeVisible(title_);
    addAndMakeVisible(selector_);
    styleCaption(meterCaption_, ui::tr("Input level"));
    addAndMakeVisible(meterCaption_);
    meter_.setSource(&inputMeter);
    addAndMakeVisible(meter_);
    deviceInfo_.setColour(juce::Label::textColourId, colours::dimText);
    addAndMakeVisible(deviceInfo_);
    problem_.setColour(juce::Label::textColourId, colours::poor);
    addAndMakeVisible(problem_);
    lineCheck_.setTooltip(ui::tr("Measures round trip, jitter and loss to the server, without joining"));
    lineCheck_.onClick = [this] { runLineCheck(); };
    addAndMakeVisible(lineCheck_);
    addAndMakeVisible(lineCheckResult_);
    startTimerHz(4);
}

AudioSetupPanel::~AudioSetupPanel() = default;

void AudioSetupPanel::setStartupProblem(const juce::String& problem) {
    startupProblem_ = problem;
    timerCallback();
}

void AudioSetupPanel::runLineCheck() {
    const std::string server = serverUrl_ ? serverUrl_() : std::string();
    if (server.empty()) {
        lineCheckResult_.setText(ui::tr("Type the server's address on the Connect page first."), juce::dontSendNotification);
        return;
    }
    lineCheck_.setEnabled(false);
    lineCheckResult_.setText(ui::tr("Checking the line to {server} …").replace("{server}", juce::String::fromUTF8(server.c_str())),
                             juce::dontSendNotification);
    lineCheckResult_.setColour(juce::Label::textColourId, colours::text);
    lineCheckJob_.start([server] { return net::runLineCheck(server); },
                        [this](Expected<net::LineCheckResult, std::string> result) {
            lineCheck_.setEnabled(true);
            if (!result) {
                lineCheckResult_.setText(result.error(), juce::dontSendNotification);
                lineCheckResult_.setColour(juce::Label::textColourId, colours::poor);
                return;
            }
            const QualityLevel rating = rateLine(result->medianRoundTripMs, result->jitterMs, result->lossPercent);
            const auto level = rating == QualityLevel::Poor   ? colours::poor
                               : rating == QualityLevel::Fair ? colours::fair
                                                              : colours::good;
            lineCheckResult_.setText(net::describeLineCheck(*result), juce::dontSendNotification);
            lineCheckResult_.setColour(juce::Label::textColourId, level);
        });
}

void AudioSetupPanel::timerCallback() {
    juce::String problem = startupProblem_;
    if (auto* device = devices_.getCurrentAudioDevice()) {
        if (!device->isOpen()) problem = ui::tr("The audio device is not open: {why}").replace("{why}", device->getLastError());
        const double rate = device->getCurrentSampleRate();
        const int block = device->getCurrentBufferSizeSamples();
        deviceInfo_.setText(device->getTypeName() + utf8(" · ") + device->getName() + utf8(" · ") +
                                ui::tr("{rate} Hz · buffer {samples} samples ({ms} ms) · device delay in {in} ms + out {out} ms")
                                    .replace("{rate}", juce::String(juce::roundToInt(rate)))
                                    .replace("{samples}", juce::String(block))
                                    .replace("{ms}", juce::String(1000.0 * block / std::max(rate, 1.0), 1))
                                    .replace("{in}", juce::String(bridge_.inputLatencyMs(), 1))
                                    .replace("{out}", juce::String(bridge_.outputLatencyMs(), 1)),
                            juce::dontSendNotification);
        if (problem.isEmpty() || problem == startupProblem_) {
            const juce::String bridgeProblem = bridge_.problem();
            if (bridgeProblem.isNotEmpty()) problem = bridgeProblem;
            else if (device->isOpen()) problem.clear();
        }
    } else {
        deviceInfo_.setText(ui::tr("No audio device is open."), juce::dontSendNotification);
        if (problem.isEmpty())
            problem = ui::tr("No audio device: choose one above. Without one you can chat but not play or listen.");
    }
    problem_.setText(problem, juce::dontSendNotification);
}

void AudioSetupPanel::paint(juce::Graphics& g) {
    g.fillAll(colours::background);
}

void AudioSetupPanel::resized() {
    auto area = getLocalBounds().reduced(24);
    area = area.withSizeKeepingCentre(std::min(area.getWidth(), 720), area.getHeight());
    title_.setBounds(area.removeFromTop(40));
    problem_.setBounds(area.removeFromTop(26));
    auto bottom = area.removeFromBottom(110);
    auto meterRow = bottom.removeFromTop(26);
    meterCaption_.setBounds(meterRow.removeFromLeft(100));
    meter_.setBounds(meterRow.reduced(0, 6));
    deviceInfo_.setBounds(bottom.removeFromTop(26));
    bottom.removeFromTop(10);
    auto checkRow = bottom.removeFromTop(32);
    lineCheck_.setBounds(checkRow.removeFromLeft(120));
    checkRow.removeFromLeft(12);
    lineCheckResult_.setBounds(checkRow);
    selector_.setBounds(area);
}

}  // namespace samspil::desktop
