#include "samspil_processor.h"

#include "samspil/time/clock.h"
#include "samspil/audio/stereo_mix.h"
#include "samspil_editor.h"

namespace samspil::plugin {

juce::AudioProcessor::BusesProperties SamspilProcessor::buses() {
    BusesProperties properties;
    properties = properties.withInput("Input", juce::AudioChannelSet::stereo(), true)
                     .withOutput("Room mix", juce::AudioChannelSet::stereo(), true);
    for (int i = 1; i <= kPeerBuses; ++i)
        properties = properties.withOutput("Participant " + juce::String(i), juce::AudioChannelSet::stereo(), true);
    return properties;
}

SamspilProcessor::SamspilProcessor() : juce::AudioProcessor(buses()) {
    // Host blocks are split into parts of the engine's largest block; scratch fits one part.
    const auto chunk = static_cast<std::size_t>(session_.engine().maxBlockFrames());
    inputLeft_.assign(chunk, 0.0f);
    inputRight_.assign(chunk, 0.0f);
    mixLeft_.assign(chunk, 0.0f);
    mixRight_.assign(chunk, 0.0f);
    peerPointers_.assign(2 * kPeerSlots, nullptr);
    applyOptions();
    publishState();
    startTimerHz(5);
}

SamspilProcessor::~SamspilProcessor() {
    stopTimer();
    session_.leave();
}

bool SamspilProcessor::isBusesLayoutSupported(const BusesLayout& layouts) const {
    // The track may be mono or stereo; the room comes back in stereo; a participant's
    // output is stereo or switched off by the host.
    const auto input = layouts.getMainInputChannelSet();
    if (input != juce::AudioChannelSet::mono() && input != juce::AudioChannelSet::stereo()) return false;
    if (layouts.getMainOutputChannelSet() != juce::AudioChannelSet::stereo()) return false;
    for (int bus = 1; bus < layouts.outputBuses.size(); ++bus) {
        const auto set = layouts.outputBuses[bus];
        if (!set.isDisabled() && set != juce::AudioChannelSet::stereo()) return false;
    }
    return true;
}

void SamspilProcessor::prepareToPlay(double sampleRate, int) {
    sampleRate_.store(sampleRate);
}

void SamspilProcessor::processBlock(juce::AudioBuffer<float>& buffer, juce::MidiBuffer&) {
    juce::ScopedNoDenormals noDenormals;
    const int frames = buffer.getNumSamples();
    juce::Optional<juce::AudioPlayHead::PositionInfo> position;
    if (auto* playHead = getPlayHead()) position = playHead->getPosition();
    if (position) {
        const auto bpm = position->getBpm();
        const auto signature = position->getTimeSignature();
        if (bpm) hostTempo_.publish(*bpm, signature ? signature->numerator : 4, signature ? signature->denominator : 4);
    }
    std::int64_t blockOutLocalUs = 0;  // when this block leaves the plugin, once the stream's clock is known
    const int inputChannels = getMainBusNumInputChannels();
    const bool monitor = monitor_.load(std::memory_order_relaxed);
    const bool rightRate = std::abs(sampleRate_.load(std::memory_order_relaxed) - 48000.0) < 1.0;
    auto mainOut = getBusBuffer(buffer, false, 0);

    const int chunk = static_cast<int>(mixLeft_.size());
    for (int offset = 0; offset < frames; offset += chunk) {
        const int n = std::min(chunk, frames - offset);
        // The main input shares its channels with the main output: copy it out first.
        const float* inputs[2] = {inputLeft_.data(), inputRight_.data()};
        if (inputChannels > 0) std::copy_n(buffer.getReadPointer(0, offset), n, inputLeft_.data());
        if (inputChannels > 1) std::copy_n(buffer.getReadPointer(1, offset), n, inputRight_.data());
        for (int bus = 0; bus < kPeerBuses; ++bus) {
            const int busIndex = bus + 1;
            const bool enabled = busIndex < getBusCount(false) && getBus(false, busIndex)->isEnabled() &&
                                 getBus(false, busIndex)->getNumberOfChannels() == 2;
            if (enabled) {
                const int first = getChannelIndexInProcessBlockBuffer(false, busIndex, 0);
                peerPointers_[static_cast<std::size_t>(2 * bus)] = buffer.getWritePointer(first, offset);
                peerPointers_[static_cast<std::size_t>(2 * bus + 1)] = buffer.getWritePointer(first + 1, offset);
            } else {
                peerPointers_[static_cast<std::size_t>(2 * bus)] = peerPointers_[static_cast<std::size_t>(2 * bus + 1)] = nullptr;
            }
        }
        if (rightRate) {
            session_.engine().process(inputs, std::min(inputChannels, 2), mixLeft_.data(), mixRight_.data(),
                                      peerPointers_.data(), n, monotonicMicros());
            if (offset == 0 && session_.engine().streamEpochUs() != 0) blockOutLocalUs = session_.engine().lastBlockOutLocalUs();
        } else {
            // Wrong project rate: the room would play at the wrong pitch. Silence instead.
            std::fill_n(mixLeft_.data(), n, 0.0f);
            std::fill_n(mixRight_.data(), n, 0.0f);
            for (float* bus : peerPointers_)
                if (bus) std::fill_n(bus, n, 0.0f);
        }
        float* outLeft = mainOut.getWritePointer(0, offset);
        float* outRight = mainOut.getWritePointer(1, offset);
        for (int i = 0; i < n; ++i) {
            const float ownLeft = monitor ? inputLeft_[static_cast<std::size_t>(i)] : 0.0f;
            const float ownRight = monitor ? (inputChannels > 1 ? inputRight_[static_cast<std::size_t>(i)] : ownLeft) : 0.0f;
            outLeft[i] = ownLeft + mixLeft_[static_cast<std::size_t>(i)];
            outRight[i] = ownRight + mixRight_[static_cast<std::size_t>(i)];
        }
    }
    dawBars_.update(position, frames, sampleRate_.load(std::memory_order_relaxed), blockOutLocalUs);
}

juce::String SamspilProcessor::audioProblem() const {
    const double rate = sampleRate_.load();
    if (std::abs(rate - 48000.0) >= 1.0)
        return ui::tr("The project runs at {rate} Hz; Samspil needs 48000 Hz. Set the project's sample rate to 48 kHz.")
            .replace("{rate}", juce::String(juce::roundToInt(rate)));
    return {};
}

void SamspilProcessor::applyOptions() {
    RoomAudioEngine& engine = session_.engine();
    engine.setFrameSamples(state_.frameSamples);
    engine.setSendChannels(state_.sendChannels);
    engine.setInputGain(decibelsToGain(state_.sendGainDb));
    monitor_.store(state_.monitor);
}

std::optional<std::string> SamspilProcessor::join(std::optional<std::string> token, std::optional<std::string> invite) {
    ui::JoinSettings join;
    join.serverUrl = state_.serverUrl;
    join.room = state_.room;
    join.name = state_.name;
    join.token = std::move(token);
    join.invite = std::move(invite);
    join.frameSamples = state_.frameSamples;
    join.sendChannels = state_.sendChannels;
    applyOptions();
    auto problem = session_.join(join);
    state_.joined = !problem.has_value();
    publishState();
    sharedTempo_.reset();
    return problem;
}

void SamspilProcessor::leave() {
    session_.leave();
    state_.joined = false;
    publishState();
}

void SamspilProcessor::editState(const std::function<void(PluginState&)>& change) {
    change(state_);
    publishState();
}

// Message thread. The host may save from any thread while the user edits, so it never
// reads state_ itself: it gets this copy, made under the lock after every change.
void SamspilProcessor::publishState() {
    std::string json = state_.toJson();
    const juce::ScopedLock lock(pendingLock_);
    savedJson_ = std::move(json);
}

void SamspilProcessor::getStateInformation(juce::MemoryBlock& destination) {
    std::string json;
    {
        const juce::ScopedLock lock(pendingLock_);
        json = pendingState_ ? pendingState_->toJson() : savedJson_;
    }
    destination.replaceAll(json.data(), json.size());
}

void SamspilProcessor::setStateInformation(const void* data, int sizeInBytes) {
    if (data == nullptr || sizeInBytes <= 0) return;
    auto restored = PluginState::fromJson(std::string(static_cast<const char*>(data), static_cast<std::size_t>(sizeInBytes)));
    if (!restored) return;  // another plugin's or a damaged state: keep ours
    const juce::ScopedLock lock(pendingLock_);
    pendingState_ = std::move(*restored);
    // Applied by the timer on the message thread; hosts call this from various threads.
    if (juce::MessageManager::getInstanceWithoutCreating() != nullptr &&
        juce::MessageManager::getInstance()->isThisTheMessageThread())
        timerCallback();
}

void SamspilProcessor::timerCallback() {
    std::optional<PluginState> restored;
    {
        const juce::ScopedLock lock(pendingLock_);
        restored.swap(pendingState_);
    }
    if (restored) {
        const bool rejoin = restored->joined;
        session_.leave();
        state_ = std::move(*restored);
        state_.joined = false;
        applyOptions();
        publishState();
        if (rejoin) join();
    }
    session_.tick();
    shareTempoIfChanged();
    followDawBars();
}

// Message thread: with the DAW's tempo shared, the room's metronome follows the DAW — its
// tempo and bar, and while the DAW plays its bar lines — when this participant may set it
// (the teacher; anyone in an open room).
void SamspilProcessor::followDawBars() {
    if (!state_.shareTempo || session_.state() != net::SessionState::Joined) return;
    if (!session_.holdsControls() && session_.selfRole() != "participant") return;
    const auto tempo = hostTempo_.latest();
    const auto offset = session_.client() ? session_.client()->serverClockOffsetUs() : std::nullopt;
    if (!tempo || !offset) return;
    DawTempo daw{tempo->bpm, tempo->numerator, tempo->denominator};
    std::optional<std::int64_t> barLineServerUs;
    if (const auto bars = dawBars_.latest()) {
        daw = DawTempo{bars->bpm, bars->numerator, bars->denominator};
        barLineServerUs = bars->barLineLocalUs + *offset;
    }
    if (const auto set = dawGrid_.next(daw, barLineServerUs, session_.roomMetronome(), monotonicMicros()))
        session_.sendControl(*set);
}

// Message thread: the room gets the host's tempo when the user chose to share it, when it
// changes (at most every half second), and again after a (re)join.
void SamspilProcessor::shareTempoIfChanged() {
    if (!state_.shareTempo || session_.state() != net::SessionState::Joined) {
        if (session_.state() != net::SessionState::Joined) sharedTempo_.reset();
        return;
    }
    const auto tempo = hostTempo_.latest();
    if (!tempo || tempo == sharedTempo_) return;
    const std::int64_t now = monotonicMicros();
    if (now - sharedTempoAtUs_ < 500'000) return;
    const bool validDenominator = tempo->denominator > 0 && (tempo->denominator & (tempo->denominator - 1)) == 0 &&
                                  tempo->denominator <= 32;
    if (tempo->bpm < 20 || tempo->bpm > 400 || tempo->numerator > 32 || !validDenominator) return;
    session_.sendControl(protocol::TempoShare{tempo->bpm, tempo->numerator, tempo->denominator});
    sharedTempo_ = tempo;
    sharedTempoAtUs_ = now;
}

juce::AudioProcessorEditor* SamspilProcessor::createEditor() {
    return new SamspilEditor(*this);
}

}  // namespace samspil::plugin

// JUCE's entry point for every plugin format.
juce::AudioProcessor* JUCE_CALLTYPE createPluginFilter() {
    return new samspil::plugin::SamspilProcessor();
}
