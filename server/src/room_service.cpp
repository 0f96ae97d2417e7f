#include "room_service.h"

#include "samspil/core/clock.h"
#include "samspil/core/validation.h"

#include <algorithm>
#include <cstring>
#include <random>

namespace samspil::server {

using namespace samspil::protocol;

RoomService::RoomService(Outbox& outbox, ChatArchive& archive, JoinPolicy& policy, AuditSink& audit,
                         RelayMetrics& metrics, RoomLimits limits)
    : outbox_(outbox), archive_(archive), policy_(policy), audit_(audit), metrics_(metrics), limits_(limits) {
    std::random_device random;
    nextStreamId_ = static_cast<std::uint16_t>(1 + random() % 65535);
    nextParticipantId_ = 1 + random() % 0x7FFFFFFF;
}

// ---- connection events ------------------------------------------------------------

void RoomService::onOpen(ConnectionId id, std::int64_t nowUs) {
    Session& session = sessions_[id];
    session.id = id;
    session.openedUs = session.lastHeardUs = nowUs;
    session.chatTokens = limits_.chatBurst;
    session.chatTokensAtUs = nowUs;
}

void RoomService::onText(ConnectionId id, std::string_view text, std::int64_t nowUs) {
    auto it = sessions_.find(id);
    if (it == sessions_.end() || it->second.closing) return;
    Session& session = it->second;
    session.lastHeardUs = nowUs;
    ++metrics_.controlMessagesIn;
    auto parsed = parseClientMessage(text);
    if (!parsed) {
        const bool tooLarge = parsed.error().code == ErrorCode::MessageTooLarge;
        sendError(session, parsed.error().code, parsed.error().detail, tooLarge, tooLarge ? kCloseTooLarge : kClosePolicy);
        return;
    }
    std::visit([&](const auto& message) { handle(session, message, nowUs); }, *parsed);
}

void RoomService::onBinary(ConnectionId id, std::span<const std::uint8_t> bytes, std::int64_t nowUs) {
    auto it = sessions_.find(id);
    if (it == sessions_.end() || it->second.closing) return;
    if (it->second.stage == Stage::Twin) {  // a media twin's copy: the participant's own media, again
        it->second.lastHeardUs = nowUs;
        return onBinary(it->second.twinOf, bytes, nowUs);
    }
    Session& session = it->second;
    session.lastHeardUs = nowUs;
    if (!session.joined()) {
        ++metrics_.mediaDroppedNotJoined;
        // Waiting or being admitted: the client is right to send; it is just not heard yet.
        if (session.stage == Stage::Connected && !session.warnedNotJoined) {
            session.warnedNotJoined = true;
            sendError(session, ErrorCode::NotJoined, "media before join is dropped", false);
        }
        return;
    }
    auto valid = validateMediaMessage(bytes, limits_.maxPacketsPerMediaMessage);
    if (!valid) {
        ++metrics_.mediaDroppedMalformed;
        sendError(session, ErrorCode::BadMedia, describe(valid.error()), false);
        return;
    }
    if (session.muted) {
        metrics_.mediaDroppedMuted += *valid;  // the teacher muted them: nobody hears it
        return;
    }
    const Room& room = rooms_.at(session.room);
    MediaMessageReader reader(bytes);
    MediaPacketView packet;
    while (reader.next(packet)) {
        ++metrics_.mediaPacketsIn;
        metrics_.mediaBytesIn += packet.encodedBytes;
        if (room.members.size() < 2 && !room.recording) continue;  // nobody to hear it
        // One shared copy per packet, stamped with the sender's id: a client cannot speak for another.
        auto buffer = std::make_shared<MediaBuffer>();
        buffer->receivedUs = nowUs;
        buffer->length = static_cast<std::uint16_t>(packet.encodedBytes);
        std::memcpy(buffer->bytes, packet.payload.data() - kMediaHeaderBytes, packet.encodedBytes);
        stampStreamId({buffer->bytes, buffer->length}, session.streamId);
        buffer->repeat = !session.relayed.firstTime(packet.header.sequence, packet.header.streamStart());
        const SharedMedia shared = std::move(buffer);
        for (ConnectionId member : room.members)
            if (member != session.id) outbox_.sendMedia(member, shared);
        recordPacket(room, session, packet.header.timestamp, packet.header.streamStart(), shared, nowUs);
    }
}

void RoomService::onOversized(ConnectionId id, std::string_view what) {
    auto it = sessions_.find(id);
    if (it == sessions_.end() || it->second.closing) return;
    sendError(it->second, ErrorCode::MessageTooLarge, what, true, kCloseTooLarge);
}

void RoomService::onClose(ConnectionId id) {
    auto it = sessions_.find(id);
    if (it == sessions_.end()) return;
    if (it->second.stage == Stage::Twin) {
        if (auto main = sessions_.find(it->second.twinOf); main != sessions_.end() && main->second.twin == id) {
            main->second.twin = 0;
            outbox_.detachTwin(main->first);
        }
    }
    leaveRoom(it->second);
    sessions_.erase(it);
}

void RoomService::closeIdle(std::int64_t nowUs) {
    for (auto& [id, session] : sessions_) {
        if (session.closing || session.stage == Stage::Admitting || session.stage == Stage::Twin) continue;  // a twin closes with its participant
        if (session.stage == Stage::Connected && nowUs - session.openedUs > limits_.joinTimeoutUs)
            sendError(session, ErrorCode::IdleTimeout, "no join within 10 s", true);
        else if (nowUs - session.lastHeardUs > limits_.idleTimeoutUs)
            sendError(session, ErrorCode::IdleTimeout, "nothing heard for 15 s", true);
    }
}

void RoomService::shutdown() {
    for (auto& [code, room] : rooms_) endRecording(room, monotonicMicros());
    for (auto& [id, session] : sessions_)
        if (!session.closing) sendError(session, ErrorCode::ServerShuttingDown, {}, true, kCloseGoingAway);
}

// ---- joining ----------------------------------------------------------------------------

void RoomService::handle(Session& session, const JoinRequest& join, std::int64_t) {
    if (session.stage != Stage::Connected) return sendError(session, ErrorCode::AlreadyJoined, {}, false);
    if (!isValidRoomCode(join.room)) return sendError(session, ErrorCode::InvalidRoom, {}, true);
    if (!normalizeDisplayName(join.name)) return sendError(session, ErrorCode::InvalidName, {}, true);
    session.stage = Stage::Admitting;
    // The policy may look up accounts on another thread; the answer comes back here.
    policy_.admit(join, [this, id = session.id, room = join.room](Admission admission) {
        onAdmitted(id, room, std::move(admission));
    });
}

void RoomService::onAdmitted(ConnectionId id, const std::string& roomCode, Admission admission) {
    auto it = sessions_.find(id);
    if (it == sessions_.end() || it->second.closing || it->second.stage != Stage::Admitting) return;
    Session& session = it->second;
    session.stage = Stage::Connected;
    if (admission.refusal) return sendError(session, admission.refusal->code, admission.refusal->detail, true);

    Room& room = openRoom(roomCode);
    if (room.members.empty() && room.waiting.empty()) {  // a fresh room takes its settings from the admission
        room.schoolId = admission.schoolId;
        room.dropIn = admission.dropIn;
    }
    const bool teacher = admission.role == RoomRole::Teacher;
    if ((admission.personId && room.removedPeople.count(admission.personId)) ||
        (admission.inviteId && room.removedInvites.count(admission.inviteId)))
        return sendError(session, ErrorCode::Removed, {}, true);
    if (room.locked && !teacher) return sendError(session, ErrorCode::RoomLocked, {}, true);
    if (room.members.size() + room.waiting.size() >= limits_.maxParticipantsPerRoom)
        return sendError(session, ErrorCode::RoomFull, {}, true);

    session.room = roomCode;
    session.name = admission.displayName;
    session.role = admission.role;
    session.personId = admission.personId;
    session.inviteId = admission.inviteId;
    session.resumeToken = admission.resumeToken;
    session.mayBeRecorded = admission.mayBeRecorded;
    session.participantId = nextParticipantId_++;

    const bool mustWait = room.schoolId != 0 && !room.dropIn && !teacher;
    if (mustWait) {
        session.stage = Stage::Waiting;
        room.waiting.push_back(session.id);
        send(session.id, Waiting{room.code, session.participantId});
        broadcastRoomState(room);
        return;
    }
    enterRoom(session, room);
}

void RoomService::enterRoom(Session& session, Room& room) {
    session.stage = Stage::Joined;
    session.streamId = allocateStreamId();
    room.members.push_back(session.id);
    ++participants_;
    if (room.schoolId != 0 && room.teacher == 0 && session.role == RoomRole::Teacher) room.teacher = session.id;

    session.relayed = RelayedSequences{};
    send(session.id, Welcome{session.participantId, session.streamId, room.code, monotonicMicros(),
                             std::string(roomRoleName(session.role)), session.resumeToken,
                             outbox_.offerUdp(session.id)});
    broadcastPeers(room);
    if (room.schoolId != 0) broadcastRoomState(room);
    if (room.loaded)
        sendHistory(session.id, room);
    else
        room.awaitingHistory.push_back(session.id);
    if (room.tempo) send(session.id, *room.tempo);
    if (room.metronome && room.metronome->running) send(session.id, *room.metronome);
    notePresent(room, session);
}

// ---- messages -----------------------------------------------------------------------

void RoomService::handle(Session& session, const StreamInfo& stream, std::int64_t) {
    if (!session.joined()) return sendError(session, ErrorCode::NotJoined, {}, false);
    // A sender re-announces its epoch when its clock estimate improved: the recording
    // places its next packet by the new one (a track already going keeps its place).
    if (!session.stream || session.stream->epochServerUs != stream.epochServerUs) session.recordingRebase = true;
    session.stream = stream;
    broadcastPeers(rooms_.at(session.room));
}

void RoomService::handle(Session& session, const ChatSend& chat, std::int64_t nowUs) {
    if (!session.joined()) return sendError(session, ErrorCode::NotJoined, {}, false);
    if (!isValidChatText(chat.text)) return sendError(session, ErrorCode::InvalidChat, {}, false);
    if (!takeChatToken(session, nowUs)) return sendError(session, ErrorCode::RateLimited, "chat", false);
    Room& room = rooms_.at(session.room);
    if (!room.loaded) {
        room.pendingChats.push_back({session.id, chat.text});  // ids continue the stored history
        return;
    }
    postChat(room, session, chat.text);
}

void RoomService::handle(Session& session, const Ping& ping, std::int64_t nowUs) {
    send(session.id, Pong{ping.id, ping.clientUs, nowUs});
}

void RoomService::handle(Session& session, const Leave&, std::int64_t) {
    leaveRoom(session);
    session.closing = true;
    outbox_.closeAfterFlush(session.id, kCloseNormal, "leave");
}

// A second WebSocket of a joined participant, carrying the same media again (a browser's
// cover for a stalled TCP connection). It proves itself with its participant's offer.
void RoomService::handle(Session& session, const MediaTwin& twin, std::int64_t) {
    if (session.stage != Stage::Connected) return sendError(session, ErrorCode::AlreadyJoined, {}, false);
    const auto main = outbox_.mediaSessionOwner(twin.sessionId, twin.key);
    const auto owner = main ? sessions_.find(*main) : sessions_.end();
    if (owner == sessions_.end() || !owner->second.joined())
        return sendError(session, ErrorCode::NotAllowed, "no joined participant holds that media session", true);
    closeTwinOf(owner->second);  // one twin per participant: a newer one replaces the old
    owner->second.twin = session.id;
    outbox_.linkTwin(owner->first, session.id);
    session.stage = Stage::Twin;
    session.twinOf = owner->first;
}

void RoomService::closeTwinOf(Session& session) {
    if (session.twin == 0) return;
    if (auto twin = sessions_.find(session.twin); twin != sessions_.end() && !twin->second.closing) {
        twin->second.closing = true;
        outbox_.closeAfterFlush(twin->first, kCloseNormal, "leave");
    }
    outbox_.detachTwin(session.id);
    session.twin = 0;
}

// ---- rooms ----------------------------------------------------------------------------

RoomService::Room& RoomService::openRoom(const std::string& code) {
    auto [it, created] = rooms_.try_emplace(code);
    Room& room = it->second;
    if (created) {
        room.code = code;
        room.generation = nextRoomGeneration_++;
        archive_.loadRecent(code, limits_.chatHistoryLength,
                            [this, code, generation = room.generation](StoredChat stored) {
                                onHistoryLoaded(code, generation, std::move(stored));
                            });
    }
    return room;
}

void RoomService::onHistoryLoaded(const std::string& code, std::uint64_t generation, StoredChat stored) {
    auto it = rooms_.find(code);
    if (it == rooms_.end() || it->second.generation != generation) return;  // room closed meanwhile
    Room& room = it->second;
    room.loaded = true;
    room.lastChatId = stored.lastId;
    room.recent.assign(stored.messages.begin(), stored.messages.end());
    for (ConnectionId waiting : room.awaitingHistory)
        if (std::find(room.members.begin(), room.members.end(), waiting) != room.members.end())
            sendHistory(waiting, room);
    room.awaitingHistory.clear();
    auto pending = std::move(room.pendingChats);
    room.pendingChats.clear();
    for (auto& chat : pending) {
        auto from = sessions_.find(chat.from);
        if (from != sessions_.end() && from->second.joined()) postChat(room, from->second, std::move(chat.text));
    }
}

void RoomService::leaveRoom(Session& session) {
    const Stage stage = session.stage;
    if (stage != Stage::Joined && stage != Stage::Waiting) return;
    session.stage = Stage::Connected;
    closeTwinOf(session);
    outbox_.forgetUdp(session.id);
    auto it = rooms_.find(session.room);
    if (stage == Stage::Joined) {
        --participants_;
        streamIdsInUse_.erase(session.streamId);
    }
    if (it == rooms_.end()) return;
    Room& room = it->second;
    std::erase(room.members, session.id);
    std::erase(room.waiting, session.id);
    if (room.members.empty()) endRecording(room, monotonicMicros());  // nobody left to record
    if (room.members.empty() && room.waiting.empty()) {
        rooms_.erase(it);  // chat stays in the database; a later join reloads it
        return;
    }
    if (room.teacher == session.id) chooseTeacher(room);
    if (stage == Stage::Joined) broadcastPeers(room);
    if (room.schoolId != 0) broadcastRoomState(room);
}

void RoomService::broadcastPeers(const Room& room) {
    PeerList list;
    for (ConnectionId member : room.members) {
        const Session& s = sessions_.at(member);
        list.peers.push_back(
            PeerInfo{s.participantId, s.streamId, s.name, s.stream, std::string(roomRoleName(s.role)), s.muted});
    }
    const std::string text = serialize(ServerMessage{std::move(list)});
    for (ConnectionId member : room.members) {
        ++metrics_.controlMessagesOut;
        outbox_.sendText(member, text);
    }
}

void RoomService::sendHistory(ConnectionId to, const Room& room) {
    // Split so that no single frame passes the client's text limit.
    ChatHistory part;
    std::size_t bytes = 0;
    for (const ChatMessage& message : room.recent) {
        const std::size_t size = message.text.size() + message.name.size() + 128;
        if (!part.messages.empty() && bytes + size > limits_.maxHistoryMessageBytes) {
            send(to, part);
            part.messages.clear();
            bytes = 0;
        }
        part.messages.push_back(message);
        bytes += size;
    }
    send(to, part);  // always at least one, possibly empty: "history complete"
}

void RoomService::postChat(Room& room, const Session& from, std::string text) {
    ChatMessage message;
    message.id = ++room.lastChatId;
    message.participantId = from.participantId;
    message.name = from.name;
    message.text = std::move(text);
    message.sentAtMs = unixMillis();
    // Echoed only once committed: a chat line anyone saw is still there after a crash.
    // The store runs jobs in order, so lines are echoed in the order they were typed.
    archive_.append(room.code, message,
                    [this, code = room.code, generation = room.generation, sender = from.id, message](bool stored) {
                        onChatStored(code, generation, sender, message, stored);
                    });
}

void RoomService::onChatStored(const std::string& code, std::uint64_t generation, ConnectionId sender,
                               const ChatMessage& message, bool stored) {
    if (!stored) {
        auto from = sessions_.find(sender);
        if (from != sessions_.end()) sendError(from->second, ErrorCode::Internal, "chat not saved", false);
        return;
    }
    auto it = rooms_.find(code);
    if (it == rooms_.end() || it->second.generation != generation) return;  // everyone left meanwhile
    Room& room = it->second;
    room.recent.push_back(message);
    while (room.recent.size() > static_cast<std::size_t>(limits_.chatHistoryLength)) room.recent.pop_front();
    ++metrics_.chatMessages;
    const std::string wire = serialize(ServerMessage{message});
    for (ConnectionId member : room.members) {
        ++metrics_.controlMessagesOut;
        outbox_.sendText(member, wire);
    }
}

// ---- helpers -----------------------------------------------------------------------------

void RoomService::send(ConnectionId to, const ServerMessage& message) {
    ++metrics_.controlMessagesOut;
    outbox_.sendText(to, serialize(message));
}

void RoomService::sendError(Session& session, ErrorCode code, std::string_view detail, bool fatal, int closeCode) {
    ++metrics_.errorsSent[code];
    send(session.id, makeError(code, detail, fatal));
    if (!fatal && ++session.errors > limits_.maxErrorsPerConnection) {
        code = ErrorCode::TooManyErrors;
        fatal = true;
        ++metrics_.errorsSent[code];
        send(session.id, makeError(code, {}, true));
    }
    if (fatal) {
        session.closing = true;
        leaveRoom(session);
        outbox_.closeAfterFlush(session.id, closeCode, std::string(errorCodeName(code)));
    }
}

bool RoomService::takeChatToken(Session& session, std::int64_t nowUs) const {
    const double elapsed = static_cast<double>(nowUs - session.chatTokensAtUs) / 1e6;
    session.chatTokens = std::min(limits_.chatBurst, session.chatTokens + elapsed * limits_.chatPerSecond);
    session.chatTokensAtUs = nowUs;
    if (session.chatTokens < 1) return false;
    session.chatTokens -= 1;
    return true;
}

bool RoomService::RelayedSequences::firstTime(std::uint32_t sequence, bool streamStart) {
    if (streamStart && any) {
        // A second copy of a start already relayed (a media twin's, or a UDP repeat) is no new start.
        const std::uint32_t behind = highest - sequence;
        if (behind < 64 && (seen & (std::uint64_t{1} << behind))) return false;
    }
    if (streamStart || !any) {
        any = true;
        highest = sequence;
        seen = 1;
        return true;
    }
    const auto ahead = static_cast<std::int32_t>(sequence - highest);  // wraps like the sequence
    if (ahead > 0) {
        seen = ahead >= 64 ? 0 : seen << ahead;
        seen |= 1;
        highest = sequence;
        return true;
    }
    const std::uint32_t behind = highest - sequence;
    if (behind >= 64) return true;  // too old to remember: relay it, receivers drop what they played
    const std::uint64_t bit = std::uint64_t{1} << behind;
    if (seen & bit) return false;
    seen |= bit;
    return true;
}

std::uint16_t RoomService::allocateStreamId() {
    // 65535 ids, never 0; skip those in use (a room never holds anywhere near that many).
    while (nextStreamId_ == 0 || streamIdsInUse_.count(nextStreamId_)) ++nextStreamId_;
    const std::uint16_t id = nextStreamId_++;
    streamIdsInUse_.insert(id);
    return id;
}

}  // namespace samspil::server
