#include "audio_bridge.h"

#include "samspil/time/clock.h"

namespace samspil::ui {

void AudioBridge::audioDeviceAboutToStart(juce::AudioIODevice* device) {
    const double rate = device->getCurrentSampleRate();
    const int block = device->getCurrentBufferSizeSamples();
    // Sized here, before the callbacks run: the engine's largest block. Device blocks are
    // split into parts of that size, whatever the driver delivers.
    const auto frames = static_cast<std::size_t>(engine_.maxBlockFrames());
    left_.assign(frames, 0.0f);
    right_.assign(frames, 0.0f);
    sampleRate_.store(rate);
    blockSize_.store(block);
    inputLatencyMs_.store(1000.0 * device->getInputLatencyInSamples() / std::max(rate, 1.0));
    outputLatencyMs_.store(1000.0 * device->getOutputLatencyInSamples() / std::max(rate, 1.0));
    // The room's clicks are placed to leave the card on the grid: the engine adds this.
    engine_.setOutputLatencyUs(static_cast<std::int64_t>(1e6 * device->getOutputLatencyInSamples() / std::max(rate, 1.0)));
    wrongRate_.store(std::abs(rate - 48000.0) > 1.0);
    const juce::ScopedLock lock(problemLock_);
    deviceError_.clear();
}

void AudioBridge::audioDeviceError(const juce::String& message) {
    const juce::ScopedLock lock(problemLock_);
    deviceError_ = message;
}

juce::String AudioBridge::problem() const {
    if (wrongRate_.load())
        return ui::tr("The audio device runs at {rate} Hz; Samspil needs 48000 Hz. Choose 48000 Hz in Audio setup.")
            .replace("{rate}", juce::String(juce::roundToInt(sampleRate_.load())));
    const juce::ScopedLock lock(problemLock_);
    return deviceError_;
}

void AudioBridge::audioDeviceIOCallbackWithContext(const float* const* inputs, int numInputs, float* const* outputs,
                                                   int numOutputs, int numSamples,
                                                   const juce::AudioIODeviceCallbackContext&) {
    for (int c = 0; c < numOutputs; ++c)
        if (outputs[c]) juce::FloatVectorOperations::clear(outputs[c], numSamples);
    if (wrongRate_.load(std::memory_order_relaxed)) return;  // silence rather than wrong-pitch audio
    const std::int64_t now = monotonicMicros();
    // The engine works in blocks up to its maximum (the scratch size); a larger device block is split.
    const int chunk = static_cast<int>(left_.size());
    if (chunk == 0) return;
    const float* chunkInputs[2] = {nullptr, nullptr};
    const int inputsUsed = std::min(numInputs, 2);
    for (int offset = 0; offset < numSamples; offset += chunk) {
        const int frames = std::min(chunk, numSamples - offset);
        for (int c = 0; c < inputsUsed; ++c) chunkInputs[c] = inputs[c] ? inputs[c] + offset : nullptr;
        const int validInputs = (inputsUsed > 0 && chunkInputs[0]) ? (inputsUsed == 2 && chunkInputs[1] ? 2 : 1) : 0;
        engine_.process(chunkInputs, validInputs, left_.data(), right_.data(), nullptr, frames,
                        now + static_cast<std::int64_t>(offset) * 1'000'000 / 48000);
        player_.addTo(left_.data(), right_.data(), frames);
        if (numOutputs >= 2) {
            if (outputs[0]) juce::FloatVectorOperations::copy(outputs[0] + offset, left_.data(), frames);
            if (outputs[1]) juce::FloatVectorOperations::copy(outputs[1] + offset, right_.data(), frames);
        } else if (numOutputs == 1 && outputs[0]) {
            // One speaker: both sides, at half each so a centred source keeps its level.
            juce::FloatVectorOperations::copyWithMultiply(outputs[0] + offset, left_.data(), 0.5f, frames);
            juce::FloatVectorOperations::addWithMultiply(outputs[0] + offset, right_.data(), 0.5f, frames);
        }
    }
}

}  // namespace samspil::ui
