// Control messages from the server to a client: JSON in and out (docs/protocol.md).
#include "control_fields.h"
#include "control_video.h"
#include "samspil/protocol/server_url.h"

namespace samspil::protocol {

using namespace detail;

namespace {

struct ServerEncoder {
    Json operator()(const Welcome& m) const {
        Json json = envelope("welcome");
        json["participant_id"] = m.participantId;
        json["stream_id"] = m.streamId;
        json["room"] = m.room;
        json["server_us"] = m.serverUs.us();
        json["role"] = m.role;
        if (m.resumeToken) json["resume_token"] = *m.resumeToken;
        if (m.udp) json["udp"] = Json{{"port", m.udp->port}, {"session", m.udp->sessionId}, {"key", m.udp->key}};
        if (m.videoToken) json["video_token"] = *m.videoToken;
        return json;
    }
    Json operator()(const Waiting& m) const {
        Json json = envelope("waiting");
        json["room"] = m.room;
        json["participant_id"] = m.participantId;
        return json;
    }
    Json operator()(const RoomState& m) const {
        Json waiting = Json::array();
        for (const auto& w : m.waiting)
            waiting.push_back({{"participant_id", w.participantId}, {"name", w.name}, {"role", w.role}});
        Json json = envelope("room_state");
        json["locked"] = m.locked;
        json["teacher_participant_id"] = m.teacherParticipantId;
        json["pinned_participant_id"] = m.pinnedParticipantId;
        json["waiting"] = std::move(waiting);
        json["recording"] = nullptr;
        if (m.recording) {
            json["recording"] = Json{{"started_at_ms", m.recording->startedAtMs}, {"not_recorded", m.recording->notRecorded}};
            if (const auto& take = m.recording->take)
                json["recording"]["take"] = Json{{"count_in_server_us", take->countInServerUs.us()},
                                                 {"start_server_us", take->startServerUs.us()},
                                                 {"bpm", take->bpm},
                                                 {"beats_per_bar", take->beatsPerBar}};
        }
        return json;
    }
    Json operator()(const Notice& m) const {
        Json json = envelope("notice");
        json["code"] = m.code;
        json["message"] = m.message;
        return json;
    }
    Json operator()(const PeerList& m) const {
        Json peers = Json::array();
        for (const auto& peer : m.peers) {
            Json entry{{"participant_id", peer.participantId}, {"stream_id", peer.streamId}, {"name", peer.name},
                       {"role", peer.role}, {"muted", peer.muted}, {"camera", cameraStateName(peer.camera)},
                       {"camera_blocked", peer.cameraBlocked}};
            entry["stream"] = peer.stream ? streamJson(*peer.stream) : Json(nullptr);
            peers.push_back(std::move(entry));
        }
        Json json = envelope("peers");
        json["peers"] = std::move(peers);
        return json;
    }
    Json operator()(const ChatMessage& m) const {
        Json json = envelope("chat");
        json.update(chatJson(m));
        return json;
    }
    Json operator()(const ChatHistory& m) const {
        Json messages = Json::array();
        for (const auto& chat : m.messages) messages.push_back(chatJson(chat));
        Json json = envelope("chat_history");
        json["messages"] = std::move(messages);
        return json;
    }
    Json operator()(const RoomMetronome& m) const {
        Json json = envelope("metronome");
        json.update(metronomeJson(m.running, m.bpm, m.beatsPerBar, m.accent, m.intervalBars));
        json["start_server_us"] = m.startServerUs.us();
        json["participant_id"] = m.participantId;
        json["name"] = m.name;
        return json;
    }
    Json operator()(const RoomTempo& m) const {
        Json json = envelope("tempo");
        json["participant_id"] = m.participantId;
        json["name"] = m.name;
        json.update(tempoJson(m.tempo));
        return json;
    }
    Json operator()(const VideoDemand& m) const { return videoJson(m); }
    Json operator()(const Pong& m) const {
        Json json = envelope("pong");
        json["id"] = m.id;
        json["client_us"] = m.clientUs.us();
        json["server_us"] = m.serverUs.us();
        return json;
    }
    Json operator()(const ErrorMessage& m) const {
        Json json = envelope("error");
        json["code"] = errorCodeName(m.code);
        json["message"] = m.message;
        json["fatal"] = m.fatal;
        if (m.url) json["url"] = *m.url;
        return json;
    }
};

}  // namespace

Expected<ServerMessage, ControlParseError> parseServerMessage(std::string_view text) {
    std::string type;
    auto json = parseEnvelope(text, type);
    if (!json) return Unexpected{json.error()};
    FieldReader fields(*json);

    if (type == "welcome") {
        Welcome welcome;
        welcome.participantId = static_cast<std::uint32_t>(fields.integer("participant_id", 0, kU32Max));
        welcome.streamId = static_cast<std::uint16_t>(fields.integer("stream_id", 0, kU16Max));
        welcome.room = fields.string("room");
        welcome.serverUs = fields.time("server_us");
        welcome.role = fields.optionalString("role").value_or("participant");
        welcome.resumeToken = fields.optionalString("resume_token");
        welcome.videoToken = fields.optionalString("video_token");
        if (auto udp = json->find("udp"); udp != json->end() && !udp->is_null()) {
            if (!udp->is_object()) {
                fields.fail("udp", "must be an object");
            } else {
                FieldReader udpFields(*udp);
                UdpOffer offer;
                offer.port = static_cast<std::uint16_t>(udpFields.integer("port", 1, kU16Max));
                offer.sessionId = static_cast<std::uint32_t>(udpFields.integer("session", 0, kU32Max));
                offer.key = udpFields.string("key");
                if (udpFields.ok())
                    welcome.udp = std::move(offer);
                else
                    fields.fail("udp", "is malformed");
            }
        }
        return finish<ServerMessage>(fields, std::move(welcome));
    }
    if (type == "peers") {
        PeerList list;
        if (const Json* peers = fields.array("peers")) {
            for (const Json& entry : *peers) {
                if (!entry.is_object()) {
                    fields.fail("peers", "must hold objects");
                    break;
                }
                FieldReader peerFields(entry);
                PeerInfo peer;
                peer.participantId = static_cast<std::uint32_t>(peerFields.integer("participant_id", 0, kU32Max));
                peer.streamId = static_cast<std::uint16_t>(peerFields.integer("stream_id", 0, kU16Max));
                peer.name = peerFields.string("name");
                peer.role = peerFields.optionalString("role").value_or("participant");
                peer.muted = peerFields.optionalBoolean("muted", false);
                peer.camera = cameraStateFromName(peerFields.optionalString("camera").value_or("off")).value_or(CameraState::Off);
                peer.cameraBlocked = peerFields.optionalBoolean("camera_blocked", false);
                auto stream = entry.find("stream");
                if (stream != entry.end() && stream->is_object()) {
                    FieldReader streamFields(*stream);
                    peer.stream = readStreamInfo(streamFields);
                    if (!streamFields.ok()) peerFields.fail("stream", "is malformed");
                }
                if (!peerFields.ok()) {
                    fields.fail("peers", "has a malformed entry");
                    break;
                }
                list.peers.push_back(std::move(peer));
            }
        }
        return finish<ServerMessage>(fields, std::move(list));
    }
    if (type == "chat") return finish<ServerMessage>(fields, readChat(fields));
    if (type == "waiting") {
        Waiting waiting;
        waiting.room = fields.string("room");
        waiting.participantId = participant(fields);
        return finish<ServerMessage>(fields, std::move(waiting));
    }
    if (type == "room_state") {
        RoomState state;
        state.locked = fields.boolean("locked");
        state.teacherParticipantId = static_cast<std::uint32_t>(fields.integer("teacher_participant_id", 0, kU32Max));
        state.pinnedParticipantId =
            static_cast<std::uint32_t>(fields.optionalInteger("pinned_participant_id", 0, kU32Max).value_or(0));
        if (const Json* waiting = fields.array("waiting")) {
            for (const Json& entry : *waiting) {
                if (!entry.is_object()) {
                    fields.fail("waiting", "must hold objects");
                    break;
                }
                FieldReader peerFields(entry);
                WaitingPeer peer{participant(peerFields), peerFields.string("name"), peerFields.string("role")};
                if (!peerFields.ok()) {
                    fields.fail("waiting", "has a malformed entry");
                    break;
                }
                state.waiting.push_back(std::move(peer));
            }
        }
        if (auto recording = json->find("recording"); recording != json->end() && !recording->is_null()) {
            static const Json kNoFields = Json::object();
            FieldReader recordingFields(recording->is_object() ? *recording : kNoFields);
            if (!recording->is_object()) fields.fail("recording", "must be an object or null");
            RecordingState recordingState;
            recordingState.startedAtMs = recordingFields.integer("started_at_ms", 0, kI64Max);
            if (const Json* left = recordingFields.array("not_recorded"))
                for (const Json& id : *left) {
                    if (!id.is_number_unsigned() || id.get<std::uint64_t>() > kU32Max) {
                        fields.fail("not_recorded", "must hold participant ids");
                        break;
                    }
                    recordingState.notRecorded.push_back(id.get<std::uint32_t>());
                }
            if (auto take = recording->is_object() ? recording->find("take") : recording->end();
                take != recording->end() && !take->is_null()) {
                FieldReader takeFields(take->is_object() ? *take : kNoFields);
                if (!take->is_object()) fields.fail("take", "must be an object or null");
                TakeTiming timing;
                timing.countInServerUs = takeFields.time("count_in_server_us");
                timing.startServerUs = takeFields.time("start_server_us");
                timing.bpm = takeFields.number("bpm", 20, 400);
                timing.beatsPerBar = static_cast<int>(takeFields.integer("beats_per_bar", 1, 16));
                if (!takeFields.ok()) fields.fail("take", "is malformed");
                recordingState.take = timing;
            }
            if (!recordingFields.ok()) fields.fail("recording", "is malformed");
            state.recording = std::move(recordingState);
        }
        return finish<ServerMessage>(fields, std::move(state));
    }
    if (type == "notice") return finish<ServerMessage>(fields, Notice{fields.string("code"), fields.string("message")});
    if (type == "metronome") {
        const MetronomeSet set = readMetronome(fields);
        RoomMetronome metronome{set.running, set.bpm, set.beatsPerBar, set.accent, {}, 0, {}, set.intervalBars};
        metronome.startServerUs = fields.time("start_server_us");
        metronome.participantId = participant(fields);
        metronome.name = fields.string("name");
        return finish<ServerMessage>(fields, std::move(metronome));
    }
    if (type == "tempo") {
        RoomTempo tempo;
        tempo.participantId = participant(fields);
        tempo.name = fields.string("name");
        tempo.tempo = readTempo(fields);
        return finish<ServerMessage>(fields, std::move(tempo));
    }
    if (type == "chat_history") {
        ChatHistory history;
        if (const Json* messages = fields.array("messages")) {
            for (const Json& entry : *messages) {
                if (!entry.is_object()) {
                    fields.fail("messages", "must hold objects");
                    break;
                }
                FieldReader chatFields(entry);
                history.messages.push_back(readChat(chatFields));
                if (!chatFields.ok()) {
                    fields.fail("messages", "has a malformed entry");
                    break;
                }
            }
        }
        return finish<ServerMessage>(fields, std::move(history));
    }
    if (type == "video_demand") return finish<ServerMessage>(fields, readVideoDemand(fields, *json));
    if (type == "pong") {
        Pong pong;
        pong.id = static_cast<std::uint32_t>(fields.integer("id", 0, kU32Max));
        pong.clientUs = fields.time("client_us");
        pong.serverUs = fields.time("server_us");
        return finish<ServerMessage>(fields, pong);
    }
    if (type == "error") {
        ErrorMessage error;
        const std::string code = fields.string("code");
        error.message = fields.string("message");
        error.fatal = fields.boolean("fatal");
        // An error code this version does not know is still an error: keep the sentence.
        error.code = errorCodeFromName(code).value_or(ErrorCode::Internal);
        // A node's address, followed by the client: bounded and a WebSocket URL, or refused.
        if (auto url = fields.optionalString("url")) {
            if (url->size() > kMaxNodeUrlBytes || !parseServerUrl(*url))
                return parseError(ErrorCode::BadMessage, "\"url\" is not a ws:// or wss:// address");
            error.url = std::move(*url);
        }
        return finish<ServerMessage>(fields, std::move(error));
    }
    return parseError(ErrorCode::UnknownType, "unknown message type \"" + type.substr(0, 40) + "\"");
}

std::string serialize(const ServerMessage& message) {
    return dump(std::visit(ServerEncoder{}, message));
}

ErrorMessage makeError(ErrorCode code, std::string_view detail, bool fatal) {
    ErrorMessage error;
    error.code = code;
    error.message = std::string(errorCodeSentence(code));
    if (!detail.empty()) error.message += std::string(" (") + std::string(detail) + ")";
    error.fatal = fatal;
    return error;
}

}  // namespace samspil::protocol
