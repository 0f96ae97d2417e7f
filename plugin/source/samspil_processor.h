// The Samspil plugin: the track's audio goes to a Samspil room; the room comes back as a
// stereo mix on the main output and each remote participant on an aux stereo output of
// their own (up to 8, in a stable order; more are heard in the mix) so each can be
// recorded on a DAW track.
//
// Threads: processBlock runs on the host's audio thread and never locks, waits or
// allocates. Joining, leaving, state and the tempo sharing run on the message thread
// (a timer), fed by atomics from the audio thread. With the DAW's tempo shared, the room's
// metronome follows the DAW's tempo, bar and bar lines (daw_bar_clock.h, daw_grid.h).
#pragma once

#include "daw_bar_clock.h"
#include "daw_grid.h"
#include "host_tempo.h"
#include "plugin_state.h"
#include "room_session.h"

#include <juce_audio_processors/juce_audio_processors.h>

namespace samspil::plugin {

class SamspilProcessor : public juce::AudioProcessor, private juce::Timer {
public:
    static constexpr int kPeerBuses = 8;   ///< aux outputs, one per remote participant
    static constexpr int kPeerSlots = 16;  ///< participants heard; those past the 8th only in the mix

    SamspilProcessor();
    ~SamspilProcessor() override;

    // ---- audio thread ----------------------------------------------------------------------
    void prepareToPlay(double sampleRate, int maximumExpectedSamplesPerBlock) override;
    void releaseResources() override {}
    void processBlock(juce::AudioBuffer<float>& buffer, juce::MidiBuffer& midi) override;
    bool isBusesLayoutSupported(const BusesLayout& layouts) const override;

    // ---- message thread ----------------------------------------------------------------------
    juce::AudioProcessorEditor* createEditor() override;
    bool hasEditor() const override { return true; }
    const juce::String getName() const override { return "Samspil"; }
    bool acceptsMidi() const override { return false; }
    bool producesMidi() const override { return false; }
    double getTailLengthSeconds() const override { return 0.0; }
    int getNumPrograms() override { return 1; }
    int getCurrentProgram() override { return 0; }
    void setCurrentProgram(int) override {}
    const juce::String getProgramName(int) override { return "Default"; }
    void changeProgramName(int, const juce::String&) override {}
    /// Any thread (hosts differ); the restored state is applied on the message thread.
    void getStateInformation(juce::MemoryBlock& destination) override;
    void setStateInformation(const void* data, int sizeInBytes) override;

    ui::RoomSession& session() { return session_; }
    /// Message thread: the state the editor shows (server, room, options, mix).
    const PluginState& state() const { return state_; }
    /// Message thread: change the state; the host's next save sees the change at once.
    void editState(const std::function<void(PluginState&)>& change);
    /// Message thread: join with the state's server, room and name (plus a token or invite
    /// typed in this session, never saved). Returns a sentence when it cannot start.
    std::optional<std::string> join(std::optional<std::string> token = {}, std::optional<std::string> invite = {});
    void leave();
    /// Message thread: apply the state's options to the engine (after the editor changed them).
    void applyOptions();
    /// Why the plugin cannot play the room now (e.g. the project's sample rate), or empty.
    juce::String audioProblem() const;
    std::optional<HostTempo> hostTempo() const { return hostTempo_.latest(); }

private:
    static BusesProperties buses();
    void timerCallback() override;
    void shareTempoIfChanged();
    void followDawBars();

    ui::RoomSession session_{kPeerSlots};
    void publishState();  // message thread: serialise state_ for getStateInformation

    PluginState state_;                       // message thread; changed only through editState/join/leave
    juce::CriticalSection pendingLock_;       // guards the two below (hosts save and restore from any thread)
    std::optional<PluginState> pendingState_; // restored by the host, not yet applied
    std::string savedJson_;                   // state_ as of its last change
    std::optional<HostTempo> sharedTempo_;    // message thread: what the room last got from us
    std::int64_t sharedTempoAtUs_ = 0;
    DawGridFollower dawGrid_;                 // message thread: the room's grid following the DAW

    // Audio thread, sized in prepareToPlay (and at construction for hosts that skip it).
    std::vector<float> inputLeft_, inputRight_, mixLeft_, mixRight_;
    std::vector<float*> peerPointers_;        // 2 per slot; null past the aux outputs
    std::atomic<double> sampleRate_{48000.0};
    std::atomic<bool> monitor_{true};
    HostTempoHandoff hostTempo_;
    DawBarClock dawBars_;                     // written by the audio thread, read by the timer
};

}  // namespace samspil::plugin
