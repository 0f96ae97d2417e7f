#include "participant_strip.h"

#include "samspil/audio/stereo_mix.h"

namespace samspil::ui {
namespace {

juce::String qualityText(QualityLevel level) {
    switch (level) {
        case QualityLevel::Good: return tr("Good");
        case QualityLevel::Fair: return tr("Fair");
        case QualityLevel::Poor: return tr("Poor");
        case QualityLevel::Unknown: break;
    }
    return tr("No audio");
}

juce::String capitalised(const juce::String& text) {
    return text.substring(0, 1).toUpperCase() + text.substring(1);
}

}  // namespace


void QualityLight::setLevel(QualityLevel level) {
    if (level == level_) return;
    level_ = level;
    repaint();
}

void QualityLight::paint(juce::Graphics& g) {
    const auto colour = level_ == QualityLevel::Good   ? colours::good
                        : level_ == QualityLevel::Fair ? colours::fair
                        : level_ == QualityLevel::Poor ? colours::poor
                                                       : colours::dimText.darker(0.5f);
    const auto bounds = getLocalBounds().toFloat().reduced(2.0f);
    const float size = std::min(bounds.getWidth(), bounds.getHeight());
    g.setColour(colour);
    g.fillEllipse(bounds.withSizeKeepingCentre(size, size));
}

ParticipantStrip::ParticipantStrip(RoomSession& session, const std::string& name, PeerMixSetting mix,
                                   std::function<void(const std::string&, const PeerMixSetting&)> onMixChanged)
    : session_(session), name_(name), onMixChanged_(std::move(onMixChanged)) {
    addAndMakeVisible(light_);
    nameLabel_.setText(juce::String::fromUTF8(name.c_str()), juce::dontSendNotification);
    nameLabel_.setFont(juce::Font(16.0f, juce::Font::bold));
    addAndMakeVisible(nameLabel_);
    addAndMakeVisible(roleLabel_);
    styleCaption(roleLabel_, "");
    addAndMakeVisible(delayLabel_);
    delayLabel_.setJustificationType(juce::Justification::centredRight);
    delayLabel_.setTooltip(tr("Estimated delay from their microphone to your ears"));
    addAndMakeVisible(meter_);

    styleCaption(volumeCaption_, tr("Volume"));
    styleCaption(panCaption_, tr("Pan"));
    addAndMakeVisible(volumeCaption_);
    addAndMakeVisible(panCaption_);
    volume_.setSliderStyle(juce::Slider::LinearHorizontal);
    volume_.setTextBoxStyle(juce::Slider::TextBoxRight, false, 56, 20);
    volume_.setRange(-60.0, 12.0, 0.5);
    volume_.setTextValueSuffix(" dB");
    volume_.setDoubleClickReturnValue(true, 0.0);
    volume_.setValue(mix.gainDb, juce::dontSendNotification);
    volume_.onValueChange = [this] { mixChanged(); };
    addAndMakeVisible(volume_);
    pan_.setSliderStyle(juce::Slider::LinearHorizontal);
    pan_.setTextBoxStyle(juce::Slider::NoTextBox, false, 0, 0);
    pan_.setRange(-1.0, 1.0, 0.05);
    pan_.setDoubleClickReturnValue(true, 0.0);
    pan_.setValue(mix.pan, juce::dontSendNotification);
    pan_.setTooltip(tr("Where you hear them: left … right (double-click: centre)"));
    pan_.onValueChange = [this] { mixChanged(); };
    addAndMakeVisible(pan_);
    listen_.setToggleState(!mix.muted, juce::dontSendNotification);
    listen_.setTooltip(tr("Untick to stop hearing them (only for you)"));
    listen_.onClick = [this] { mixChanged(); };
    addAndMakeVisible(listen_);

    teacherMute_.setTooltip(tr("Stop sending their sound to everyone in the room"));
    teacherMute_.onClick = [this] {
        session_.sendControl(protocol::Mute{participant_.participantId, !participant_.muted});
    };
    remove_.setTooltip(tr("Send them out of the room"));
    remove_.onClick = [this] { session_.sendControl(protocol::Remove{participant_.participantId}); };
    addChildComponent(teacherMute_);
    addChildComponent(remove_);
}

void ParticipantStrip::mixChanged() {
    pushMixToEngine();
    if (onMixChanged_)
        onMixChanged_(name_, {static_cast<float>(volume_.getValue()), static_cast<float>(pan_.getValue()),
                              !listen_.getToggleState()});
}

// The engine slot may change when a participant reconnects, so the strip's choices are
// written to whichever slot they are in now.
void ParticipantStrip::pushMixToEngine() {
    if (participant_.slot < 0) return;
    PeerView& view = session_.engine().peer(participant_.slot);
    view.gain.store(decibelsToGain(static_cast<float>(volume_.getValue())));
    view.pan.store(static_cast<float>(pan_.getValue()));
    view.muted.store(!listen_.getToggleState());
}

void ParticipantStrip::update(const Participant& participant) {
    participant_ = participant;
    pushMixToEngine();
    const bool hasSlot = participant.slot >= 0;
    PeerView* view = hasSlot ? &session_.engine().peer(participant.slot) : nullptr;
    const bool ours = view && view->streamId.load() == participant.streamId;
    meter_.setSource(ours ? &view->meter : nullptr);

    juce::String role = capitalised(roleName(participant.role));
    if (participant.muted) role << utf8(" · ") << tr("muted by the teacher");
    if (participant.stream)
        role << utf8(" · ") << (participant.stream->channels == 2 ? tr("stereo") : tr("mono")) << utf8(" · ")
             << tr("{ms} ms frames").replace("{ms}", juce::String(participant.stream->frameSamples / 48.0, 1));
    roleLabel_.setText(role, juce::dontSendNotification);

    // Figures once a second are enough for the light; the delay label follows every update.
    if (updates_++ % 5 == 0 && ours) lossPercent_ = recentLoss_.update(view->received.load(), view->lost.load());
    const auto roundTrip = session_.client() ? session_.client()->roundTripUs() : std::nullopt;
    QualityFigures figures;
    figures.roundTripMs = roundTrip ? static_cast<double>(*roundTrip) / 1000.0 : -1.0;
    figures.jitterMs = ours ? view->jitterMs.load() : 0.0;
    figures.bufferMs = ours ? view->bufferDelayMs.load() : 0.0;
    figures.lossPercent = lossPercent_;
    figures.receiving = ours && recentLoss_.receivedSinceLastUpdate();
    const QualityLevel level = rateConnection(figures);
    light_.setLevel(level);
    juce::String tip;
    tip << qualityText(level) << "\n"
        << tr("Round trip to the server: {ms}").replace("{ms}", roundTrip ? juce::String(figures.roundTripMs, 1) + " ms" : tr("unknown"))
        << "\n" << tr("Jitter: {ms} ms").replace("{ms}", juce::String(figures.jitterMs, 1)) << "\n"
        << tr("Loss (last seconds): {percent} %").replace("{percent}", juce::String(figures.lossPercent, 1)) << "\n"
        << tr("Jitter buffer: {packets} packets, {ms} ms")
               .replace("{packets}", juce::String(ours ? view->depthPackets.load() : 0))
               .replace("{ms}", juce::String(figures.bufferMs, 1));
    light_.setTooltip(tip);

    const auto delay = session_.delayToMs(participant);
    delayLabel_.setText(delay ? juce::String(juce::roundToInt(*delay)) + " ms" : utf8("– ms"),
                        juce::dontSendNotification);

    const bool controls = session_.holdsControls();
    if (controls != teacherMute_.isVisible()) {
        teacherMute_.setVisible(controls);
        remove_.setVisible(controls);
        resized();
    }
    teacherMute_.setButtonText(participant.muted ? tr("Unmute for all") : tr("Mute for all"));
}

void ParticipantStrip::paint(juce::Graphics& g) {
    g.setColour(colours::panel);
    g.fillRoundedRectangle(getLocalBounds().toFloat().reduced(2.0f), 6.0f);
}

void ParticipantStrip::resized() {
    auto area = getLocalBounds().reduced(10, 6);
    light_.setBounds(area.removeFromLeft(18).withSizeKeepingCentre(16, 16));
    area.removeFromLeft(8);
    auto names = area.removeFromLeft(std::max(160, area.getWidth() / 4));
    nameLabel_.setBounds(names.removeFromTop(names.getHeight() / 2));
    roleLabel_.setBounds(names);
    delayLabel_.setBounds(area.removeFromRight(70));
    const bool controls = teacherMute_.isVisible();
    if (controls) {
        remove_.setBounds(area.removeFromRight(70).withSizeKeepingCentre(66, 26));
        teacherMute_.setBounds(area.removeFromRight(110).withSizeKeepingCentre(104, 26));
    }
    listen_.setBounds(area.removeFromRight(64));
    auto top = area.removeFromTop(area.getHeight() / 2);
    meter_.setBounds(top.reduced(4, 8));
    volumeCaption_.setBounds(area.removeFromLeft(50));
    auto sliders = area;
    volume_.setBounds(sliders.removeFromLeft(sliders.getWidth() * 2 / 3));
    panCaption_.setBounds(sliders.removeFromLeft(30));
    pan_.setBounds(sliders);
}

}  // namespace samspil::ui
