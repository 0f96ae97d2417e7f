// What a session is configured with, the states it goes through, and the listener that
// hears about it: shared by SessionClient (sockets) and SessionMachine (protocol logic).
#pragma once

#include "samspil/protocol/control_message.h"

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace samspil::net {

/// What to connect to and as whom.
struct SessionConfig {
    std::string serverUrl;               ///< ws://host:port/ws or wss://...
    std::string room;
    std::string name;
    std::optional<std::string> token;    ///< session token (accounts)
    std::optional<std::string> invite;   ///< invite code (guests)
    int channels = 1;                    ///< channels this participant sends
    int frameSamples = 240;              ///< frame size this participant sends
    bool allowSelfSignedTls = false;     ///< accept a self-signed wss certificate (tests, school LANs)
    std::string caFile;                  ///< extra CA bundle for wss
    int incomingQueuePackets = 1024;     ///< network → audio queue
    int outgoingQueuePackets = 256;      ///< audio → network queue
    bool joinRoom = true;                ///< false: never join, only ping (the line check)
    std::int64_t pingIntervalUs = 0;     ///< 0: the usual cadence (fast at first, then 1 s)
    int maxPings = 0;                    ///< per connection; 0: no limit
    bool useUdp = true;                  ///< take the server's UDP fast path when offered
    int udpRedundancy = 1;               ///< on UDP, also carry the previous 0, 1 or 2 frames
    bool video = false;                  ///< send and receive video (a video WebSocket beside the UDP path)
};

/// Where the session is.
enum class SessionState {
    Idle,          ///< not started
    Connecting,    ///< opening the WebSocket or waiting for welcome
    Waiting,       ///< in the waiting room until the teacher lets us in
    Joined,        ///< in the room; media flows
    Reconnecting,  ///< lost the connection; trying again after a backoff
    Refused,       ///< the server refused the join for good (bad room, name or credentials)
    Closed,        ///< left on purpose
};

/// A short English name for a state ("joined").
std::string_view toString(SessionState state);

/// Receives what happens to the session. Every method runs on the network thread.
class SessionListener {
public:
    virtual ~SessionListener() = default;
    virtual void onStateChanged(SessionState, const std::string& /*reason*/) {}
    virtual void onWelcome(const protocol::Welcome&) {}
    virtual void onPeers(const protocol::PeerList&) {}
    virtual void onChat(const protocol::ChatMessage&) {}
    virtual void onChatHistory(const protocol::ChatHistory&) {}
    virtual void onServerError(const protocol::ErrorMessage&) {}
    virtual void onWaiting(const protocol::Waiting&) {}
    virtual void onRoomState(const protocol::RoomState&) {}
    virtual void onNotice(const protocol::Notice&) {}
    virtual void onRoomTempo(const protocol::RoomTempo&) {}
    /// The room's metronome grid changed (or is running as we join).
    virtual void onRoomMetronome(const protocol::RoomMetronome&) {}
    /// What the room wants of this participant's camera now, and how its video reaches them.
    virtual void onVideoDemand(const protocol::VideoDemand&) {}
    /// A whole video frame from another participant (header and VP8 frame, docs/protocol.md
    /// "Video"). The span is valid only during the call: copy what you keep.
    virtual void onVideoFrame(std::span<const std::uint8_t> /*frame*/) {}
    virtual void onClockSync(std::int64_t /*offsetUs*/, std::int64_t /*roundTripUs*/) {}
};

}  // namespace samspil::net
