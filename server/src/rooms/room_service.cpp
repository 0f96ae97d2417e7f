#include "rooms/room_service.h"

#include "samspil/time/clock.h"

namespace samspil::server {

using namespace samspil::protocol;

RoomService::RoomService(Outbox& outbox, ChatArchive& archive, JoinPolicy& policy, AuditSink& audit,
                         RelayMetrics& metrics, RoomLimits limits)
    : outbox_(outbox),
      metrics_(metrics),
      limits_(limits),
      roster_(directory_, *this, *this, policy, audit, limits_),
      chat_(directory_, *this, archive, metrics, limits_),
      relay_(directory_, *this, outbox, metrics, limits_),
      timing_(directory_, *this),
      recording_(directory_, *this, roster_, timing_),
      paths_(directory_, *this, outbox),
      uplink_(directory_, [this](ConnectionId sender, double) { video_.uplinkQueueing(sender); }),
      video_(directory_, *this, roster_, outbox, metrics, limits_, uplink_) {
    relay_.addTap(*this);
    relay_.addTap(uplink_);
}

// ---- connection events ------------------------------------------------------------

void RoomService::onOpen(ConnectionId id, std::int64_t nowUs) {
    directory_.add(id, nowUs);
}

void RoomService::onText(ConnectionId id, std::string_view text, std::int64_t nowUs) {
    Participant* participant = directory_.find(id);
    if (!participant || participant->closing) return;
    participant->lastHeardUs = nowUs;
    ++metrics_.controlMessagesIn;
    // Server-clock times in the message are bounded here, against the server's own clock.
    auto parsed = parseClientMessage(text, monotonicMicros());
    if (!parsed) {
        const bool tooLarge = parsed.error().code == ErrorCode::MessageTooLarge;
        return sendError(*participant, parsed.error().code, parsed.error().detail, tooLarge,
                         tooLarge ? kCloseTooLarge : kClosePolicy);
    }
    std::visit([&](const auto& message) { dispatch(*participant, message, nowUs); }, *parsed);
}

template <typename Message>
void RoomService::dispatch(Participant& participant, const Message& message, std::int64_t nowUs) {
    if constexpr (std::is_same_v<Message, JoinRequest> || std::is_same_v<Message, StreamInfo> ||
                  std::is_same_v<Message, Admit> || std::is_same_v<Message, Mute> || std::is_same_v<Message, Remove> ||
                  std::is_same_v<Message, Lock> || std::is_same_v<Message, HandOver>)
        roster_.handle(participant, message, nowUs);
    else if constexpr (std::is_same_v<Message, ChatSend>)
        chat_.handle(participant, message, nowUs);
    else if constexpr (std::is_same_v<Message, TempoShare> || std::is_same_v<Message, MetronomeSet>)
        timing_.handle(participant, message, nowUs);
    else if constexpr (std::is_same_v<Message, Record>)
        recording_.handle(participant, message, nowUs);
    else if constexpr (std::is_same_v<Message, MediaTwin> || std::is_same_v<Message, VideoAttach>)
        paths_.handle(participant, message, nowUs);
    else if constexpr (std::is_same_v<Message, CameraSet> || std::is_same_v<Message, VideoSubscribe> ||
                       std::is_same_v<Message, KeyframeRequest> || std::is_same_v<Message, VideoReport> ||
                       std::is_same_v<Message, Pin> || std::is_same_v<Message, CameraBlock>)
        video_.handle(participant, message, nowUs);
    else if constexpr (std::is_same_v<Message, Ping>)
        send(participant.id, Pong{message.id, message.clientUs, WireTime::clamped(nowUs)});
    else if constexpr (std::is_same_v<Message, Leave>) {
        roster_.leave(participant);
        participant.closing = true;
        outbox_.closeAfterFlush(participant.id, kCloseNormal, "leave");
    } else
        static_assert(sizeof(Message) == 0, "every client message has a component");
}

void RoomService::onBinary(ConnectionId id, std::span<const std::uint8_t> bytes, std::int64_t nowUs) {
    Participant* participant = directory_.find(id);
    if (!participant || participant->closing) return;
    participant->lastHeardUs = nowUs;
    if (participant->stage == Stage::Twin) {  // a media twin's copy: the participant's own media, again
        if (const auto owner = paths_.twinOwner(id)) onBinary(*owner, bytes, nowUs);
        return;
    }
    if (participant->stage == Stage::VideoLink) {  // the participant's video, on its own WebSocket
        if (const auto owner = paths_.videoOwner(id)) onVideo(*owner, bytes, nowUs);
        return;
    }
    if (!participant->joined()) {
        ++metrics_.mediaDroppedNotJoined;
        // Waiting or being admitted: the client is right to send; it is just not heard yet.
        if (participant->stage == Stage::Connected && !participant->warnedNotJoined) {
            participant->warnedNotJoined = true;
            sendError(*participant, ErrorCode::NotJoined, "media before join is dropped", false);
        }
        return;
    }
    relay_.relay(*participant, bytes, nowUs);
}

void RoomService::onVideo(ConnectionId id, std::span<const std::uint8_t> frame, std::int64_t nowUs) {
    Participant* participant = directory_.find(id);
    if (!participant || participant->closing) return;
    participant->lastHeardUs = nowUs;
    if (!participant->joined()) {
        ++metrics_.videoDropped["not_joined"];
        return;
    }
    video_.relay(*participant, frame, nowUs);
}

void RoomService::onVideoDropped(ConnectionId, std::uint16_t senderStream, std::uint32_t frames) {
    video_.droppedToward(senderStream, frames);
}

void RoomService::onVideoRecovered(ConnectionId to, std::uint16_t senderStream, VideoLayer layer, std::int64_t nowUs) {
    // `to` may be a video WebSocket: its member is the receiver.
    const ConnectionId receiver = paths_.videoOwner(to).value_or(to);
    video_.recovered(receiver, senderStream, layer, nowUs);
}

void RoomService::onOversized(ConnectionId id, std::string_view what) {
    Participant* participant = directory_.find(id);
    if (!participant || participant->closing) return;
    sendError(*participant, ErrorCode::MessageTooLarge, what, true, kCloseTooLarge);
}

void RoomService::onClose(ConnectionId id) {
    Participant* participant = directory_.find(id);
    if (!participant) return;
    paths_.closed(*participant);
    roster_.leave(*participant);
    directory_.erase(id);
}

void RoomService::closeIdle(std::int64_t nowUs) {
    video_.tick(nowUs);
    for (auto& [id, participant] : directory_.participants()) {
        // A twin or a video WebSocket closes with its participant; an admission is waiting for the policy.
        if (participant.closing || participant.stage == Stage::Admitting || participant.stage == Stage::Twin ||
            participant.stage == Stage::VideoLink)
            continue;
        if (participant.stage == Stage::Connected && nowUs - participant.openedUs > limits_.joinTimeoutUs)
            sendError(participant, ErrorCode::IdleTimeout, "no join within 10 s", true);
        else if (nowUs - participant.lastHeardUs > limits_.idleTimeoutUs)
            sendError(participant, ErrorCode::IdleTimeout, "nothing heard for 15 s", true);
    }
}

void RoomService::shutdown() {
    recording_.endAll(monotonicMicros());
    for (auto& [id, participant] : directory_.participants())
        if (!participant.closing) sendError(participant, ErrorCode::ServerShuttingDown, {}, true, kCloseGoingAway);
}

std::size_t RoomService::sessionCount() const {
    return const_cast<RoomDirectory&>(directory_).participants().size();
}

// ---- what the roster's decisions set off -----------------------------------------------

void RoomService::opened(Room& room) {
    chat_.opened(room);
}

void RoomService::enter(Participant& participant, Room& room) {
    roster_.addMember(participant, room);
    relay_.entered(participant, participant.lastHeardUs);
    send(participant.id, Welcome{participant.participantId, participant.streamId, room.code,
                                 WireTime::clamped(monotonicMicros()), std::string(roomRoleName(participant.role)),
                                 participant.resumeToken, paths_.offer(participant.id), paths_.videoToken(participant.id)});
    roster_.broadcastPeers(room);
    if (room.schoolId != 0) roster_.broadcastRoomState(room);
    chat_.entered(participant, room);
    timing_.entered(participant, room);
    recording_.entered(participant, room);
}

void RoomService::leaving(Participant& participant, Room& room) {
    video_.left(participant, room);
    paths_.left(participant);
    relay_.left(participant.id);
    uplink_.left(participant.id);
    chat_.left(participant.id);
    timing_.left(participant.id);
    recording_.left(participant.id);
}

void RoomService::emptied(Room& room) {
    recording_.emptied(room, monotonicMicros());
}

void RoomService::closed(const Room& room) {
    chat_.closed(room);
    timing_.closed(room);
    recording_.closed(room);
}

void RoomService::streamAnnounced(Participant& participant) {
    recording_.streamAnnounced(participant);
}

std::optional<RecordingState> RoomService::recordingState(const Room& room) const {
    return recording_.recordingState(room);
}

void RoomService::onRelayed(const Room& room, const Participant& sender, const MediaHeader& header,
                            const SharedMedia& packet, std::int64_t nowUs) {
    recording_.recordPacket(room, sender, header.timestamp, header.streamStart(), packet, nowUs);
}

// ---- replies ----------------------------------------------------------------------------

void RoomService::send(ConnectionId to, const ServerMessage& message) {
    sendText(to, serialize(message));
}

void RoomService::sendText(ConnectionId to, const std::string& text) {
    ++metrics_.controlMessagesOut;
    outbox_.sendText(to, text);
}

void RoomService::sendToMembers(const Room& room, const ServerMessage& message) {
    const std::string text = serialize(message);
    for (ConnectionId member : room.members) sendText(member, text);
}

void RoomService::refuse(ConnectionId to, ErrorCode code, std::string_view detail, bool fatal) {
    if (Participant* participant = directory_.find(to)) sendError(*participant, code, detail, fatal);
}

void RoomService::refuseMoved(ConnectionId to, const std::string& url) {
    // 1000: a normal close — nothing went wrong, the client goes where it is told.
    if (Participant* participant = directory_.find(to)) sendError(*participant, ErrorCode::Moved, {}, true, 1000, url);
}

void RoomService::sendError(Participant& participant, ErrorCode code, std::string_view detail, bool fatal, int closeCode,
                            std::optional<std::string> url) {
    ++metrics_.errorsSent[code];
    ErrorMessage error = makeError(code, detail, fatal);
    error.url = std::move(url);
    send(participant.id, error);
    if (!fatal && ++participant.errors > limits_.maxErrorsPerConnection) {
        code = ErrorCode::TooManyErrors;
        fatal = true;
        ++metrics_.errorsSent[code];
        send(participant.id, makeError(code, {}, true));
    }
    if (fatal) {
        participant.closing = true;
        roster_.leave(participant);
        outbox_.closeAfterFlush(participant.id, closeCode, std::string(errorCodeName(code)));
    }
}

}  // namespace samspil::server
