// The audio device's callback: hands the device's input and output to the RoomAudioEngine,
// and adds a recording being listened back to (RecordingPlayer).
// Audio thread; never locks, waits or allocates (scratch buffers are sized before start).
#pragma once

#include "recording_player.h"
#include "room_session.h"

#include <juce_audio_devices/juce_audio_devices.h>

namespace samspil::ui {

class AudioBridge : public juce::AudioIODeviceCallback {
public:
    AudioBridge(RoomAudioEngine& engine, desktop::RecordingPlayer& player) : engine_(engine), player_(player) {}

    void audioDeviceIOCallbackWithContext(const float* const* inputs, int numInputs, float* const* outputs,
                                          int numOutputs, int numSamples,
                                          const juce::AudioIODeviceCallbackContext& context) override;
    void audioDeviceAboutToStart(juce::AudioIODevice* device) override;  // message thread
    void audioDeviceStopped() override {}
    void audioDeviceError(const juce::String& message) override;

    /// Any thread: why the audio does not run, empty when it does.
    juce::String problem() const;
    /// Any thread: the device's sample rate and block size as started.
    double sampleRate() const { return sampleRate_.load(); }
    int blockSize() const { return blockSize_.load(); }
    double outputLatencyMs() const { return outputLatencyMs_.load(); }
    double inputLatencyMs() const { return inputLatencyMs_.load(); }

private:
    RoomAudioEngine& engine_;
    desktop::RecordingPlayer& player_;
    std::vector<float> left_, right_;
    std::atomic<double> sampleRate_{0}, outputLatencyMs_{0}, inputLatencyMs_{0};
    std::atomic<int> blockSize_{0};
    std::atomic<bool> wrongRate_{false};
    juce::CriticalSection problemLock_;  // message thread and device error thread only
    juce::String deviceError_;
};

}  // namespace samspil::ui
