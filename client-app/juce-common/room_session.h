// RoomSession: one client's connection to a room, as the desktop app and the plugin use it:
// the SessionClient (network thread), the RoomAudioEngine (audio thread) and a picture of
// the room kept on the JUCE message thread. Network events are queued and handled on the
// message thread; the UI listens for changes there.
#pragma once

#include "samspil/audio/room_audio_engine.h"
#include "samspil/net/session_client.h"
#include "ui_language.h"

#include <juce_events/juce_events.h>

#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <vector>

namespace samspil::ui {

/// A participant as the UI shows them.
struct Participant {
    std::uint32_t participantId = 0;
    std::uint16_t streamId = 0;
    std::string name;
    std::string role;
    bool muted = false;       ///< by the teacher
    bool isSelf = false;
    int slot = -1;            ///< the engine slot (and the plugin's aux bus) they are heard in
    std::optional<protocol::StreamInfo> stream;
    protocol::CameraState camera = protocol::CameraState::Off;
    bool cameraBlocked = false;  ///< by the teacher
};

struct ChatLine {
    std::string name;
    std::string text;
};

/// Connecting, waiting, in the room or reconnecting: "Leave" makes sense.
inline bool isInSession(net::SessionState state) {
    return state == net::SessionState::Joined || state == net::SessionState::Connecting ||
           state == net::SessionState::Waiting || state == net::SessionState::Reconnecting;
}

/// Room settings the user picks before joining.
struct JoinSettings {
    std::string serverUrl;
    std::string room;
    std::string name;
    std::optional<std::string> token;
    std::optional<std::string> invite;
    int frameSamples = 240;
    int sendChannels = 1;
    bool useUdp = true;  ///< the server's UDP fast path when offered (falls back by itself)
    bool video = false;  ///< send and receive video (the desktop app; the plugin has none)
};

/// Where video goes (the desktop app's video panel). Network thread, each call short.
class VideoListener {
public:
    virtual ~VideoListener() = default;
    virtual void onVideoWelcome() = 0;
    virtual void onVideoDemand(const protocol::VideoDemand& demand) = 0;
    virtual void onVideoFrame(std::span<const std::uint8_t> frame) = 0;
};

class RoomSession : private net::SessionListener, private juce::AsyncUpdater {
public:
    /// maxPeers: engine slots (the plugin's aux buses); the engine exists from the start so
    /// the audio callback can always run (silence until joined).
    explicit RoomSession(int maxPeers = 16);
    ~RoomSession() override;

    /// Message thread: connect and join. Returns a sentence when the settings cannot work.
    std::optional<std::string> join(const JoinSettings& settings);
    /// Message thread: leave (blocks up to ~1 s for the goodbye).
    void leave();

    RoomAudioEngine& engine() { return *engine_; }
    net::SessionClient* client() { return client_.get(); }

    // Message thread: what the UI shows.
    net::SessionState state() const { return state_; }
    const std::string& statusText() const { return statusText_; }
    const std::vector<Participant>& participants() const { return participants_; }
    const std::vector<ChatLine>& chat() const { return chat_; }
    const protocol::RoomState& roomState() const { return roomState_; }
    /// The tempo someone in the room shared (a songwriter's DAW), if any.
    const std::optional<protocol::RoomTempo>& roomTempo() const { return roomTempo_; }
    /// The room's metronome grid while it runs.
    const std::optional<protocol::RoomMetronome>& roomMetronome() const { return roomMetronome_; }
    /// Now on the server's clock (µs), once the clock offset is known.
    std::optional<std::int64_t> serverNowUs() const;
    std::uint32_t selfId() const { return selfId_; }
    /// What the last join() was given (server, room, token …).
    const JoinSettings& joinSettings() const { return joinSettings_; }
    std::string selfRole() const { return selfRole_; }
    bool holdsControls() const { return selfId_ != 0 && roomState_.teacherParticipantId == selfId_; }
    /// Estimated delay from a participant's microphone to this ear, in ms (nullopt if unknown).
    std::optional<double> delayToMs(const Participant& participant) const;

    // Message thread: actions.
    void sendChat(const std::string& text);
    void sendControl(const protocol::ClientMessage& message);
    /// The slot a participant name is heard in (stable across their reconnects).
    int slotForName(const std::string& name);
    /// Message thread, a few times a second: hands the audio's start time to the network
    /// side once the audio callback has run.
    void tick();

    /// Called on the message thread after anything above changed.
    std::function<void()> onChange;
    /// Message thread: a new SessionClient has started (the video panel makes its sender and
    /// receiver for it), or null: the current one is about to go (they must go first).
    std::function<void(net::SessionClient*)> onClientChanged;
    /// Message thread: where video events go from now on (null: nowhere).
    void setVideoListener(VideoListener* listener);

private:
    // SessionListener: network thread. Each queues an event for the message thread.
    void onStateChanged(net::SessionState state, const std::string& reason) override;
    void onWelcome(const protocol::Welcome& welcome) override;
    void onPeers(const protocol::PeerList& peers) override;
    void onChat(const protocol::ChatMessage& chat) override;
    void onChatHistory(const protocol::ChatHistory& history) override;
    void onServerError(const protocol::ErrorMessage& error) override;
    void onWaiting(const protocol::Waiting& waiting) override;
    void onRoomState(const protocol::RoomState& state) override;
    void onNotice(const protocol::Notice& notice) override;
    void onRoomTempo(const protocol::RoomTempo& tempo) override;
    void onRoomMetronome(const protocol::RoomMetronome& metronome) override;
    void onVideoDemand(const protocol::VideoDemand& demand) override;
    void onVideoFrame(std::span<const std::uint8_t> frame) override;
    void post(std::function<void()> event);
    void handleAsyncUpdate() override;  // message thread

    class SwappableTransport;
    std::unique_ptr<SwappableTransport> transport_;  // the engine's, pointing at the current client
    std::unique_ptr<net::SessionClient> client_;
    std::unique_ptr<RoomAudioEngine> engine_;

    std::mutex videoMutex_;
    VideoListener* video_ = nullptr;  // guarded by videoMutex_
    std::mutex eventsMutex_;
    std::deque<std::function<void()>> events_;  // guarded by eventsMutex_

    // Message thread.
    net::SessionState state_ = net::SessionState::Idle;
    std::string statusText_ = tr("Not connected").toStdString();
    std::string lastFatalError_;  // in the window's language: what the next refusal says
    std::vector<Participant> participants_;
    std::vector<ChatLine> chat_;
    protocol::RoomState roomState_;
    std::optional<protocol::RoomTempo> roomTempo_;
    std::optional<protocol::RoomMetronome> roomMetronome_;
    std::map<std::uint16_t, std::int64_t> epochHandedToAudio_;  // stream epochs the engine has
    std::uint32_t selfId_ = 0;
    JoinSettings joinSettings_;
    std::string selfRole_;
    std::map<std::string, int> slotByName_;
    std::map<std::uint16_t, int> slotHandedToAudio_;  // stream → slot last queued to the engine
    bool epochSent_ = false;
    std::int64_t sentEpochUs_ = 0;
    std::int64_t sentEpochAtUs_ = 0;
};

}  // namespace samspil::ui
