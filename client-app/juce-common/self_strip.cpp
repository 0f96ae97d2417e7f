#include "self_strip.h"

#include "samspil/audio/stereo_mix.h"

namespace samspil::ui {

SelfStrip::SelfStrip(RoomSession& session, SelfSettings initial, std::function<void(const SelfSettings&)> onChanged)
    : session_(session), onChanged_(std::move(onChanged)) {
    nameLabel_.setFont(juce::Font(16.0f, juce::Font::bold));
    addAndMakeVisible(nameLabel_);
    meter_.setSource(&session_.engine().inputMeter());
    addAndMakeVisible(meter_);
    styleCaption(gainCaption_, tr("Input"));
    addAndMakeVisible(gainCaption_);
    gain_.setSliderStyle(juce::Slider::LinearHorizontal);
    gain_.setTextBoxStyle(juce::Slider::TextBoxRight, false, 56, 20);
    gain_.setRange(-24.0, 24.0, 0.5);
    gain_.setTextValueSuffix(" dB");
    gain_.setDoubleClickReturnValue(true, 0.0);
    gain_.setValue(initial.inputGainDb, juce::dontSendNotification);
    gain_.onValueChange = [this] { changed(); };
    addAndMakeVisible(gain_);
    mute_.setToggleState(initial.muted, juce::dontSendNotification);
    mute_.setTooltip(tr("Nobody hears your microphone while this is ticked"));
    mute_.onClick = [this] { changed(); };
    addAndMakeVisible(mute_);
    channels_.addItem(tr("Mono"), 1);
    channels_.addItem(tr("Stereo"), 2);
    channels_.setSelectedId(initial.sendChannels == 2 ? 2 : 1, juce::dontSendNotification);
    channels_.setTooltip(tr("Stereo for a stereo microphone or keyboard; mono for one microphone"));
    channels_.onChange = [this] { changed(); };
    addAndMakeVisible(channels_);
    frame_.addItem("2.5 ms", 120);
    frame_.addItem("5 ms", 240);
    frame_.addItem("10 ms", 480);
    frame_.setSelectedId(initial.frameSamples, juce::dontSendNotification);
    frame_.setTooltip(tr("Smaller frames: less delay, more network packets. 5 ms suits most lessons."));
    frame_.onChange = [this] { changed(); };
    addAndMakeVisible(frame_);
    delays_.setColour(juce::Label::textColourId, colours::dimText);
    delays_.setTooltip(tr("Estimated delay from your microphone to each of them: the delay measured from them to "
                          "you, with your frame size in place of theirs"));
    addAndMakeVisible(delays_);
    changed();
}

void SelfStrip::setName(const std::string& name) {
    nameLabel_.setText(tr("{name} (you)").replace("{name}", juce::String::fromUTF8(name.c_str())), juce::dontSendNotification);
}

void SelfStrip::changed() {
    SelfSettings s;
    s.inputGainDb = static_cast<float>(gain_.getValue());
    s.muted = mute_.getToggleState();
    s.sendChannels = channels_.getSelectedId() == 2 ? 2 : 1;
    s.frameSamples = frame_.getSelectedId() > 0 ? frame_.getSelectedId() : 240;
    RoomAudioEngine& engine = session_.engine();
    engine.setInputGain(decibelsToGain(s.inputGainDb));
    engine.setSelfMuted(s.muted);
    engine.setSendChannels(s.sendChannels);
    engine.setFrameSamples(s.frameSamples);
    if (onChanged_) onChanged_(s);
}

void SelfStrip::update() {
    juce::StringArray parts;
    const double ownFrameMs = session_.engine().frameSamples() / 48.0;
    for (const auto& p : session_.participants()) {
        if (p.isSelf) continue;
        const auto heard = session_.delayToMs(p);
        if (!heard) continue;
        // The path back is the same network; only the frame size at the sending end differs.
        const double theirFrameMs = p.stream ? p.stream->frameSamples / 48.0 : 5.0;
        parts.add(juce::String::fromUTF8(p.name.c_str()) + utf8(" ≈ ") + juce::String(juce::roundToInt(*heard - theirFrameMs + ownFrameMs)) + " ms");
    }
    delays_.setText(parts.isEmpty() ? tr("Delay to the others: –")
                                    : tr("Delay to: {list}").replace("{list}", parts.joinIntoString(", ")),
                    juce::dontSendNotification);
}

void SelfStrip::paint(juce::Graphics& g) {
    g.setColour(colours::panel.brighter(0.05f));
    g.fillRoundedRectangle(getLocalBounds().toFloat().reduced(2.0f), 6.0f);
    g.setColour(colours::accent);
    g.fillRoundedRectangle(getLocalBounds().toFloat().reduced(2.0f).removeFromLeft(4.0f), 2.0f);
}

void SelfStrip::resized() {
    auto area = getLocalBounds().reduced(14, 6);
    auto top = area.removeFromTop(area.getHeight() / 2);
    nameLabel_.setBounds(top.removeFromLeft(std::max(160, top.getWidth() / 4) + 26));
    mute_.setBounds(top.removeFromRight(90));
    frame_.setBounds(top.removeFromRight(90).reduced(2, 4));
    channels_.setBounds(top.removeFromRight(90).reduced(2, 4));
    meter_.setBounds(top.reduced(4, 8));
    auto bottom = area;
    delays_.setBounds(bottom.removeFromRight(bottom.getWidth() / 2));
    gainCaption_.setBounds(bottom.removeFromLeft(50));
    gain_.setBounds(bottom);
}

}  // namespace samspil::ui
