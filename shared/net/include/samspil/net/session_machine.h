// SessionMachine: the protocol side of one participant's session, with no sockets and no
// clock of its own (time is passed in): what to send once connected, what each server
// message means for the session, when to ping, when to reconnect and after how long a
// backoff, the clock offset, and when to announce the stream. SessionClient runs it on its
// network thread and does only the libwebsockets part around it; the unit tests drive it
// with fake time.
//
// Threads: one thread at a time (the network thread). Listener callbacks are made from
// inside the calls below, on that thread.
#pragma once

#include "samspil/time/clock_sync.h"
#include "samspil/protocol/control_message.h"
#include "samspil/net/session_types.h"

#include <cstdint>
#include <deque>
#include <limits>
#include <optional>
#include <random>
#include <string>
#include <string_view>

namespace samspil::net {

/// The protocol's reconnect backoff (docs/protocol.md): 250 ms, 0.5, 1, 2, 4, then every
/// 5 s, each plus up to 20 % so a restarted server is not hit by everyone at once.
std::int64_t backoffDelayUs(std::size_t attempt, std::uint32_t random);

class SessionMachine {
public:
    static constexpr std::int64_t kNever = std::numeric_limits<std::int64_t>::max();

    /// The listener must outlive the machine. randomSeed: for the backoff's jitter.
    SessionMachine(SessionConfig config, SessionListener& listener, std::uint32_t randomSeed);

    // ---- events ------------------------------------------------------------------------
    /// Begins the first connection attempt (wantsConnect() turns true).
    void start(std::int64_t nowUs);
    /// The WebSocket opened: queues the join (unless this is a line check) and a ping.
    void onConnected(std::int64_t nowUs);
    /// The server closed the connection with this code and reason (before onDisconnected).
    void onServerClose(int code, const std::string& why);
    /// The connection is gone — never opened, failed, closed or timed out: back off and
    /// try again, or finish when leaving or refused for good.
    void onDisconnected(const std::string& reason, std::int64_t nowUs);
    /// A text frame from the server.
    void onServerText(std::string_view text, std::int64_t nowUs);
    /// The stream as the audio side describes it now (epoch 0: not known yet); announced
    /// once joined and the clock is known, and again whenever it changes.
    void setStream(std::int64_t epochLocalUs, int channels, int frameSamples);
    /// Queues a control message from the application (chat, the teacher's controls).
    void queueText(std::string text);
    /// Leave on purpose: says goodbye when joined; finished once closed, or after 1 s.
    void leave(std::int64_t nowUs);
    /// Runs what is due: a ping, a reconnect, the leave deadline. Call at nextDeadlineUs().
    void onTimer(std::int64_t nowUs);
    /// The session is over (the network thread ends): Closed, unless it was refused.
    void stop();

    // ---- what the socket side does next -------------------------------------------------
    /// True once: open a connection now, to connectUrl().
    bool takeConnectRequest();
    /// Where that connection goes: the configured server, or — once, right after a `moved`
    /// error — the node that holds the room (docs/protocol.md). A later reconnect goes to
    /// the configured server again, whose proxy knows which nodes are alive.
    const std::string& connectUrl() const { return connectUrl_; }
    /// The next control message to write, if any.
    std::optional<std::string> takeOutgoing();
    bool hasOutgoing() const { return !outgoing_.empty(); }
    /// Leaving and everything queued is written: close the connection normally.
    bool wantsClose() const { return leaving_ && connected_ && outgoing_.empty(); }
    /// True once per welcome: the UDP offer it carried (in `offer`; nullopt: none).
    bool takeUdpOffer(std::optional<protocol::UdpOffer>& offer) {
        if (!udpOfferFresh_) return false;
        udpOfferFresh_ = false;
        offer = udpOffer_;
        return true;
    }
    /// True once per welcome: the token for a video WebSocket it carried (nullopt: none).
    bool takeVideoToken(std::optional<std::string>& token) {
        if (!videoTokenFresh_) return false;
        videoTokenFresh_ = false;
        token = videoToken_;
        return true;
    }
    /// Nothing more to do: the network thread may end.
    bool finished() const { return finished_; }
    /// When onTimer() should run next (kNever: no timer).
    std::int64_t nextDeadlineUs() const;

    // ---- state -----------------------------------------------------------------------------
    SessionState state() const { return state_; }
    bool connected() const { return connected_; }
    bool joined() const { return joined_; }
    bool refused() const { return refused_; }
    bool leaving() const { return leaving_; }
    const ClockSync& clock() const { return clock_; }
    bool clockSynced() const { return clock_.offsetUs().has_value(); }
    std::uint64_t reconnects() const { return reconnects_; }
    std::uint64_t pingsSent() const { return pingsSentTotal_; }
    std::uint64_t pongsReceived() const { return pongsReceived_; }
    std::uint64_t malformed() const { return malformed_; }
    /// The token a guest comes back with after a drop (from welcome), if any.
    const std::optional<std::string>& resumeToken() const { return resumeToken_; }

private:
    void setState(SessionState next, const std::string& reason);
    void queue(const protocol::ClientMessage& message);
    void sendPing(std::int64_t nowUs);
    void announceStreamIfReady();
    void handle(const protocol::Welcome& welcome, std::int64_t nowUs);
    void handle(const protocol::Pong& pong, std::int64_t nowUs);
    void handle(const protocol::ErrorMessage& error, std::int64_t nowUs);
    void handle(const protocol::Waiting& waiting, std::int64_t nowUs);
    void handle(const protocol::PeerList& peers, std::int64_t) { listener_.onPeers(peers); }
    void handle(const protocol::RoomState& roomState, std::int64_t) { listener_.onRoomState(roomState); }
    void handle(const protocol::Notice& notice, std::int64_t) { listener_.onNotice(notice); }
    void handle(const protocol::RoomTempo& tempo, std::int64_t) { listener_.onRoomTempo(tempo); }
    void handle(const protocol::RoomMetronome& metronome, std::int64_t) { listener_.onRoomMetronome(metronome); }
    void handle(const protocol::ChatMessage& chat, std::int64_t) { listener_.onChat(chat); }
    void handle(const protocol::ChatHistory& history, std::int64_t) { listener_.onChatHistory(history); }
    void handle(const protocol::VideoDemand& demand, std::int64_t) { listener_.onVideoDemand(demand); }

    SessionConfig config_;
    SessionListener& listener_;
    std::minstd_rand random_;
    SessionState state_ = SessionState::Idle;
    std::deque<std::string> outgoing_;
    ClockSync clock_;

    bool connectRequested_ = false;
    bool connected_ = false;
    bool joined_ = false;
    bool everJoined_ = false;
    bool refused_ = false;
    bool leaving_ = false;
    bool finished_ = false;
    std::size_t backoffAttempt_ = 0;
    std::int64_t reconnectAtUs_ = kNever;
    std::int64_t nextPingAtUs_ = kNever;
    std::int64_t leaveDeadlineUs_ = kNever;
    std::uint32_t nextPingId_ = 1;
    int pingsThisConnection_ = 0;
    std::optional<std::string> resumeToken_;
    std::optional<protocol::UdpOffer> udpOffer_;
    bool udpOfferFresh_ = false;
    std::optional<std::string> videoToken_;
    bool videoTokenFresh_ = false;
    std::string connectUrl_;
    std::optional<std::string> movedTo_;  // a `moved` error's node, for the next connection only
    int movesInARow_ = 0;                 // without a welcome between: a loop of stale answers is cut

    // The stream as described by the audio side, and as last announced.
    std::int64_t streamEpochLocalUs_ = 0;
    int streamChannels_ = 1;
    int streamFrameSamples_ = 240;
    bool streamAnnounced_ = false;
    std::int64_t announcedEpochLocalUs_ = 0;
    std::int64_t announcedEpochServerUs_ = 0;
    std::uint64_t pongsAtAnnouncement_ = 0;
    static constexpr std::int64_t kReannounceAfterUs = 150;
    static constexpr std::uint64_t kPongsBetweenReannouncements = 4;
    int announcedChannels_ = 0;
    int announcedFrameSamples_ = 0;

    std::uint64_t reconnects_ = 0;
    std::uint64_t pingsSentTotal_ = 0;
    std::uint64_t pongsReceived_ = 0;
    std::uint64_t malformed_ = 0;
};

}  // namespace samspil::net
