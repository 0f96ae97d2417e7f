#include "samspil/net/session_machine.h"

#include <algorithm>
#include <cstdlib>
#include <utility>
#include <variant>

namespace samspil::net {
namespace {

using namespace samspil::protocol;

constexpr std::int64_t kPingIntervalUs = 500'000;  // two a second: more chances of a round trip that queued nowhere
constexpr std::int64_t kFastPingIntervalUs = 100'000;  // the first pings, to sync the clock quickly
constexpr int kFastPings = 10;
constexpr std::int64_t kLeaveDeadlineUs = 1'000'000;
constexpr std::int64_t kBackoffMs[] = {250, 500, 1000, 2000, 4000, 5000};

// Fatal server errors that will fail again on retry: the join itself is wrong.
bool refusesForGood(ErrorCode code) {
    switch (code) {
        case ErrorCode::InvalidRoom:
        case ErrorCode::InvalidName:
        case ErrorCode::BadMessage:
        case ErrorCode::UnsupportedVersion:
        case ErrorCode::AlreadyJoined:
        case ErrorCode::AuthRequired:
        case ErrorCode::InvalidToken:
        case ErrorCode::InvalidInvite:
        case ErrorCode::NotAllowed:
        case ErrorCode::RoomLocked:
        case ErrorCode::Removed:
            return true;
        default:
            return false;
    }
}

}  // namespace

std::string_view toString(SessionState state) {
    switch (state) {
        case SessionState::Idle: return "idle";
        case SessionState::Connecting: return "connecting";
        case SessionState::Waiting: return "waiting";
        case SessionState::Joined: return "joined";
        case SessionState::Reconnecting: return "reconnecting";
        case SessionState::Refused: return "refused";
        case SessionState::Closed: return "closed";
    }
    return "unknown";
}

std::int64_t backoffDelayUs(std::size_t attempt, std::uint32_t random) {
    const std::int64_t baseMs = kBackoffMs[std::min(attempt, std::size(kBackoffMs) - 1)];
    const std::int64_t jitterMs = static_cast<std::int64_t>(random % static_cast<std::uint32_t>(baseMs / 5));
    return (baseMs + jitterMs) * 1000;
}

SessionMachine::SessionMachine(SessionConfig config, SessionListener& listener, std::uint32_t randomSeed)
    : config_(std::move(config)), listener_(listener), random_(randomSeed == 0 ? 1 : randomSeed) {
    streamChannels_ = config_.channels;
    streamFrameSamples_ = config_.frameSamples;
}

void SessionMachine::setState(SessionState next, const std::string& reason) {
    const bool changed = state_ != next;
    state_ = next;
    if (changed || !reason.empty()) listener_.onStateChanged(next, reason);
}

void SessionMachine::queue(const ClientMessage& message) {
    outgoing_.push_back(serialize(message));
}

void SessionMachine::queueText(std::string text) {
    outgoing_.push_back(std::move(text));
}

void SessionMachine::start(std::int64_t) {
    setState(SessionState::Connecting, "");
    connectRequested_ = true;
}

std::optional<std::string> SessionMachine::takeOutgoing() {
    if (outgoing_.empty()) return std::nullopt;
    std::string text = std::move(outgoing_.front());
    outgoing_.pop_front();
    return text;
}

bool SessionMachine::takeConnectRequest() {
    if (!std::exchange(connectRequested_, false)) return false;
    connectUrl_ = movedTo_.value_or(config_.serverUrl);
    movedTo_.reset();
    return true;
}

void SessionMachine::onConnected(std::int64_t nowUs) {
    connected_ = true;
    outgoing_.clear();  // what was queued for an earlier connection is stale now
    streamAnnounced_ = false;
    pingsThisConnection_ = 0;
    // A guest who already came in with an invite comes back with the token it gave them.
    if (config_.joinRoom)
        queue(JoinRequest{config_.room, config_.name, resumeToken_ ? resumeToken_ : config_.token,
                          resumeToken_ ? std::nullopt : config_.invite});
    sendPing(nowUs);
}

void SessionMachine::onServerClose(int code, const std::string& why) {
    if (refused_ || leaving_) return;
    setState(SessionState::Reconnecting,
             "server closed the connection (" + std::to_string(code) + (why.empty() ? "" : ": " + why) + ")");
}

void SessionMachine::onDisconnected(const std::string& reason, std::int64_t nowUs) {
    const bool wasConnected = connected_;
    connected_ = false;
    joined_ = false;
    nextPingAtUs_ = kNever;
    if (wasConnected) listener_.onPeers({});  // nobody is heard any more
    if (leaving_ || refused_) {
        finished_ = true;
        return;
    }
    // Told where the room is: go there at once, no backoff (it is not a failure).
    const std::int64_t delay =
        movedTo_ ? 0 : backoffDelayUs(backoffAttempt_++, static_cast<std::uint32_t>(random_()));
    setState(SessionState::Reconnecting, reason);
    reconnectAtUs_ = nowUs + delay;
}

void SessionMachine::leave(std::int64_t nowUs) {
    if (leaving_) return;
    leaving_ = true;
    reconnectAtUs_ = kNever;
    leaveDeadlineUs_ = nowUs + kLeaveDeadlineUs;
    if (!connected_) {
        finished_ = true;
        return;
    }
    if (joined_) queue(Leave{});
}

void SessionMachine::onTimer(std::int64_t nowUs) {
    if (leaveDeadlineUs_ <= nowUs) finished_ = true;
    if (reconnectAtUs_ <= nowUs) {
        reconnectAtUs_ = kNever;
        setState(everJoined_ ? SessionState::Reconnecting : SessionState::Connecting, "");
        connectRequested_ = true;
    }
    if (nextPingAtUs_ <= nowUs) sendPing(nowUs);
}

void SessionMachine::stop() {
    finished_ = true;
    reconnectAtUs_ = nextPingAtUs_ = leaveDeadlineUs_ = kNever;
    if (!refused_) setState(SessionState::Closed, "");
}

std::int64_t SessionMachine::nextDeadlineUs() const {
    return std::min({reconnectAtUs_, nextPingAtUs_, leaveDeadlineUs_});
}

void SessionMachine::sendPing(std::int64_t nowUs) {
    nextPingAtUs_ = kNever;
    if (!connected_) return;
    queue(Ping{nextPingId_++, WireTime::clamped(nowUs)});
    ++pingsThisConnection_;
    ++pingsSentTotal_;
    if (config_.maxPings > 0 && pingsThisConnection_ >= config_.maxPings) return;
    const std::int64_t interval = config_.pingIntervalUs > 0            ? config_.pingIntervalUs
                                  : pingsThisConnection_ < kFastPings ? kFastPingIntervalUs
                                                                      : kPingIntervalUs;
    nextPingAtUs_ = nowUs + interval;
}

void SessionMachine::setStream(std::int64_t epochLocalUs, int channels, int frameSamples) {
    streamEpochLocalUs_ = epochLocalUs;
    streamChannels_ = channels;
    streamFrameSamples_ = frameSamples;
    announceStreamIfReady();
}

// Tell the room about our stream once the clock is known, and again whenever the audio
// side re-estimates where timestamp 0 lies or changes the format — or the clock estimate
// has since moved the epoch on the server's clock by more than kReannounceAfterUs (after a
// few more round trips, so a noisy line does not flood the room with peer lists): the
// server places recorded tracks by it, so a take gets the better estimate.
void SessionMachine::announceStreamIfReady() {
    if (!joined_ || !clockSynced() || streamEpochLocalUs_ == 0) return;
    const bool same = streamEpochLocalUs_ == announcedEpochLocalUs_ && streamChannels_ == announcedChannels_ &&
                      streamFrameSamples_ == announcedFrameSamples_;
    const bool clockMoved = std::llabs(clock_.toServer(streamEpochLocalUs_) - announcedEpochServerUs_) > kReannounceAfterUs &&
                            pongsReceived_ - pongsAtAnnouncement_ >= kPongsBetweenReannouncements;
    if (streamAnnounced_ && same && !clockMoved) return;
    StreamInfo info;
    info.channels = streamChannels_;
    info.frameSamples = streamFrameSamples_;
    info.epochServerUs = WireTime::clamped(clock_.toServer(streamEpochLocalUs_));
    queue(info);
    streamAnnounced_ = true;
    announcedEpochServerUs_ = *info.epochServerUs;
    pongsAtAnnouncement_ = pongsReceived_;
    announcedEpochLocalUs_ = streamEpochLocalUs_;
    announcedChannels_ = streamChannels_;
    announcedFrameSamples_ = streamFrameSamples_;
}

void SessionMachine::onServerText(std::string_view text, std::int64_t nowUs) {
    auto parsed = parseServerMessage(text);
    if (!parsed) {
        ++malformed_;
        return;
    }
    std::visit([this, nowUs](const auto& message) { handle(message, nowUs); }, *parsed);
}

void SessionMachine::handle(const Welcome& welcome, std::int64_t) {
    joined_ = true;
    movesInARow_ = 0;
    if (everJoined_) ++reconnects_;
    everJoined_ = true;
    backoffAttempt_ = 0;
    if (welcome.resumeToken) resumeToken_ = welcome.resumeToken;
    udpOffer_ = welcome.udp;
    udpOfferFresh_ = true;
    videoToken_ = welcome.videoToken;
    videoTokenFresh_ = true;
    setState(SessionState::Joined, "");
    listener_.onWelcome(welcome);
    announceStreamIfReady();
}

void SessionMachine::handle(const Waiting& waiting, std::int64_t) {
    setState(SessionState::Waiting, "");
    listener_.onWaiting(waiting);
}

void SessionMachine::handle(const Pong& pong, std::int64_t nowUs) {
    clock_.addSample(pong.clientUs, pong.serverUs, nowUs);
    ++pongsReceived_;
    listener_.onClockSync(clock_.offsetUs().value_or(0), nowUs - pong.clientUs);
    announceStreamIfReady();
}

void SessionMachine::handle(const ErrorMessage& error, std::int64_t) {
    listener_.onServerError(error);
    constexpr int kMaxMovesInARow = 3;  // two nodes naming each other (a lease changing hands) settle in one
    if (error.code == ErrorCode::Moved && error.url && ++movesInARow_ <= kMaxMovesInARow) movedTo_ = error.url;
    if (error.fatal && refusesForGood(error.code)) {
        refused_ = true;
        reconnectAtUs_ = kNever;
        setState(SessionState::Refused, error.message);
    }
}

}  // namespace samspil::net
