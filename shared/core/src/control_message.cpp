#include "samspil/core/control_message.h"

#include "samspil/core/opus_codec.h"

#include <cmath>

#include <nlohmann/json.hpp>

#include <limits>

namespace samspil::protocol {
namespace {

using Json = nlohmann::json;

// Reads typed fields out of a JSON object, remembering the first problem.
// Runs on whatever thread parses; no I/O.
class FieldReader {
public:
    explicit FieldReader(const Json& object) : object_(object) {}

    std::string string(const char* key) {
        const Json* field = find(key, true);
        if (!field) return {};
        if (!field->is_string()) return fail(key, "must be a string"), std::string{};
        return field->get<std::string>();
    }

    std::optional<std::string> optionalString(const char* key) {
        const Json* field = find(key, false);
        if (!field || field->is_null()) return std::nullopt;
        if (!field->is_string()) return fail(key, "must be a string"), std::nullopt;
        return field->get<std::string>();
    }

    std::int64_t integer(const char* key, std::int64_t min, std::int64_t max) {
        const Json* field = find(key, true);
        return field ? checkedInteger(key, *field, min, max) : 0;
    }

    std::optional<std::int64_t> optionalInteger(const char* key, std::int64_t min, std::int64_t max) {
        const Json* field = find(key, false);
        if (!field || field->is_null()) return std::nullopt;
        return checkedInteger(key, *field, min, max);
    }

    /// A finite number in [min, max] (integers are numbers too).
    double number(const char* key, double min, double max) {
        const Json* field = find(key, true);
        if (!field) return 0;
        if (!field->is_number()) return fail(key, "must be a number"), 0;
        const double value = field->get<double>();
        if (!std::isfinite(value) || value < min || value > max) return fail(key, "is out of range"), 0;
        return value;
    }

    bool boolean(const char* key) {
        const Json* field = find(key, true);
        if (!field) return false;
        if (!field->is_boolean()) return fail(key, "must be true or false"), false;
        return field->get<bool>();
    }

    bool optionalBoolean(const char* key, bool fallback) {
        const Json* field = find(key, false);
        if (!field || field->is_null()) return fallback;
        if (!field->is_boolean()) return fail(key, "must be true or false"), fallback;
        return field->get<bool>();
    }

    const Json* array(const char* key) {
        const Json* field = find(key, true);
        if (field && !field->is_array()) return fail(key, "must be an array"), nullptr;
        return field;
    }

    bool ok() const { return error_.empty(); }
    const std::string& error() const { return error_; }
    void fail(const char* key, const char* why) {
        if (error_.empty()) error_ = std::string("\"") + key + "\" " + why;
    }

private:
    const Json* find(const char* key, bool required) {
        auto it = object_.find(key);
        if (it == object_.end()) {
            if (required) fail(key, "is missing");
            return nullptr;
        }
        return &*it;
    }

    std::int64_t checkedInteger(const char* key, const Json& field, std::int64_t min, std::int64_t max) {
        if (field.is_number_unsigned()) {
            const auto value = field.get<std::uint64_t>();
            // JSON reads every non-negative integer as unsigned: check both ends here too.
            if (value > static_cast<std::uint64_t>(max) || (min > 0 && value < static_cast<std::uint64_t>(min)))
                return fail(key, "is out of range"), 0;
            return static_cast<std::int64_t>(value);
        }
        if (!field.is_number_integer()) return fail(key, "must be an integer"), 0;
        const auto value = field.get<std::int64_t>();
        if (value < min || value > max) return fail(key, "is out of range"), 0;
        return value;
    }

    const Json& object_;
    std::string error_;
};

constexpr std::int64_t kI64Max = std::numeric_limits<std::int64_t>::max();
constexpr std::int64_t kI64Min = std::numeric_limits<std::int64_t>::min();
constexpr std::int64_t kU32Max = std::numeric_limits<std::uint32_t>::max();
constexpr std::int64_t kU16Max = std::numeric_limits<std::uint16_t>::max();

Unexpected<ControlParseError> parseError(ErrorCode code, std::string detail) {
    return Unexpected{ControlParseError{code, std::move(detail)}};
}

// Parses the envelope shared by both directions: JSON object, "v", "type".
Expected<Json, ControlParseError> parseEnvelope(std::string_view text, std::string& type) {
    if (text.size() > kMaxControlMessageBytes)
        return parseError(ErrorCode::MessageTooLarge, "control messages are at most 65536 bytes");
    Json json = Json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
    if (json.is_discarded()) return parseError(ErrorCode::BadJson, "not valid UTF-8 JSON");
    if (!json.is_object()) return parseError(ErrorCode::BadMessage, "the message must be a JSON object");
    auto version = json.find("v");
    if (version == json.end() || !version->is_number_integer())
        return parseError(ErrorCode::BadMessage, "\"v\" (protocol version) is missing");
    if (version->get<std::int64_t>() != kProtocolVersion)
        return parseError(ErrorCode::UnsupportedVersion, "this server speaks version 1");
    auto typeField = json.find("type");
    if (typeField == json.end() || !typeField->is_string())
        return parseError(ErrorCode::BadMessage, "\"type\" is missing");
    type = typeField->get<std::string>();
    return json;
}

bool isFrameSize(std::int64_t samples) {
    return samples > 0 && samples <= 960 && isSupportedFrameSize(static_cast<int>(samples));
}

StreamInfo readStreamInfo(FieldReader& fields) {
    StreamInfo info;
    info.channels = static_cast<int>(fields.integer("channels", 1, 2));
    info.frameSamples = static_cast<int>(fields.integer("frame_samples", 0, 960));
    if (fields.ok() && !isFrameSize(info.frameSamples)) fields.fail("frame_samples", "must be 120, 240, 480 or 960");
    info.epochServerUs = fields.optionalInteger("epoch_server_us", kI64Min, kI64Max);
    return info;
}

std::uint32_t participant(FieldReader& fields) {
    return static_cast<std::uint32_t>(fields.integer("participant_id", 0, kU32Max));
}

ChatMessage readChat(FieldReader& fields) {
    ChatMessage chat;
    chat.id = static_cast<std::uint64_t>(fields.integer("id", 0, kI64Max));
    chat.participantId = static_cast<std::uint32_t>(fields.integer("participant_id", 0, kU32Max));
    chat.name = fields.string("name");
    chat.text = fields.string("text");
    chat.sentAtMs = fields.integer("sent_at_ms", kI64Min, kI64Max);
    return chat;
}

template <typename Result, typename Message>
Expected<Result, ControlParseError> finish(FieldReader& fields, Message message) {
    if (!fields.ok()) return parseError(ErrorCode::BadMessage, fields.error());
    return Result{std::move(message)};
}

Json streamJson(const StreamInfo& info) {
    Json json{{"channels", info.channels}, {"frame_samples", info.frameSamples}};
    if (info.epochServerUs) json["epoch_server_us"] = *info.epochServerUs;
    return json;
}

Json metronomeJson(bool running, double bpm, int beatsPerBar, bool accent, int intervalBars) {
    return Json{{"running", running}, {"bpm", bpm}, {"beats_per_bar", beatsPerBar}, {"accent", accent},
                {"interval_bars", intervalBars}};
}

Json tempoJson(const TempoShare& tempo) {
    return Json{{"bpm", tempo.bpm}, {"numerator", tempo.numerator}, {"denominator", tempo.denominator}};
}

// The fields a metronome message has both ways; accent may be left out (beat one accented),
// and interval_bars (live).
MetronomeSet readMetronome(FieldReader& fields) {
    MetronomeSet set;
    set.running = fields.boolean("running");
    set.bpm = fields.number("bpm", 20.0, 400.0);
    set.beatsPerBar = static_cast<int>(fields.integer("beats_per_bar", 1, 16));
    set.accent = fields.optionalBoolean("accent", true);
    set.intervalBars = static_cast<int>(fields.optionalInteger("interval_bars", 0, 16).value_or(0));
    return set;
}

// The client's metronome: the shared fields, and a bar line to fall on (a DAW's).
MetronomeSet readMetronomeSet(FieldReader& fields) {
    MetronomeSet set = readMetronome(fields);
    set.barServerUs = fields.optionalInteger("bar_server_us", kI64Min, kI64Max);
    return set;
}

TempoShare readTempo(FieldReader& fields) {
    TempoShare tempo;
    tempo.bpm = fields.number("bpm", 20.0, 400.0);
    tempo.numerator = static_cast<int>(fields.integer("numerator", 1, 32));
    tempo.denominator = static_cast<int>(fields.integer("denominator", 1, 32));
    if (fields.ok() && (tempo.denominator & (tempo.denominator - 1)) != 0) fields.fail("denominator", "must be 1, 2, 4, 8, 16 or 32");
    return tempo;
}

Json chatJson(const ChatMessage& chat) {
    return Json{{"id", chat.id},     {"participant_id", chat.participantId}, {"name", chat.name},
                {"text", chat.text}, {"sent_at_ms", chat.sentAtMs}};
}

Json envelope(const char* type) {
    return Json{{"v", kProtocolVersion}, {"type", type}};
}

std::string dump(const Json& json) {
    return json.dump(-1, ' ', false, Json::error_handler_t::replace);
}

struct ClientEncoder {
    Json operator()(const JoinRequest& m) const {
        Json json = envelope("join");
        json["room"] = m.room;
        json["name"] = m.name;
        if (m.token) json["token"] = *m.token;
        if (m.invite) json["invite"] = *m.invite;
        return json;
    }
    Json operator()(const StreamInfo& m) const {
        Json json = envelope("stream");
        json.update(streamJson(m));
        return json;
    }
    Json operator()(const ChatSend& m) const {
        Json json = envelope("chat");
        json["text"] = m.text;
        return json;
    }
    Json operator()(const Ping& m) const {
        Json json = envelope("ping");
        json["id"] = m.id;
        json["client_us"] = m.clientUs;
        return json;
    }
    Json operator()(const Leave&) const { return envelope("leave"); }
    Json operator()(const MediaTwin& m) const {
        Json json = envelope("media_twin");
        json["session"] = m.sessionId;
        json["key"] = m.key;
        return json;
    }
    Json operator()(const Admit& m) const { return withParticipant("admit", m.participantId); }
    Json operator()(const Mute& m) const {
        Json json = withParticipant("mute", m.participantId);
        json["muted"] = m.muted;
        return json;
    }
    Json operator()(const Remove& m) const { return withParticipant("remove", m.participantId); }
    Json operator()(const Lock& m) const {
        Json json = envelope("lock");
        json["locked"] = m.locked;
        return json;
    }
    Json operator()(const HandOver& m) const { return withParticipant("hand_over", m.participantId); }
    Json operator()(const Record& m) const {
        Json json = envelope("record");
        json["on"] = m.on;
        if (m.take) json["take"] = true;
        return json;
    }
    Json operator()(const TempoShare& m) const {
        Json json = envelope("tempo");
        json.update(tempoJson(m));
        return json;
    }
    Json operator()(const MetronomeSet& m) const {
        Json json = envelope("metronome");
        json.update(metronomeJson(m.running, m.bpm, m.beatsPerBar, m.accent, m.intervalBars));
        if (m.barServerUs) json["bar_server_us"] = *m.barServerUs;
        return json;
    }

private:
    static Json withParticipant(const char* type, std::uint32_t id) {
        Json json = envelope(type);
        json["participant_id"] = id;
        return json;
    }
};

struct ServerEncoder {
    Json operator()(const Welcome& m) const {
        Json json = envelope("welcome");
        json["participant_id"] = m.participantId;
        json["stream_id"] = m.streamId;
        json["room"] = m.room;
        json["server_us"] = m.serverUs;
        json["role"] = m.role;
        if (m.resumeToken) json["resume_token"] = *m.resumeToken;
        if (m.udp) json["udp"] = Json{{"port", m.udp->port}, {"session", m.udp->sessionId}, {"key", m.udp->key}};
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
        json["waiting"] = std::move(waiting);
        json["recording"] = nullptr;
        if (m.recording) {
            json["recording"] = Json{{"started_at_ms", m.recording->startedAtMs}, {"not_recorded", m.recording->notRecorded}};
            if (const auto& take = m.recording->take)
                json["recording"]["take"] = Json{{"count_in_server_us", take->countInServerUs},
                                                 {"start_server_us", take->startServerUs},
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
                       {"role", peer.role}, {"muted", peer.muted}};
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
        json["start_server_us"] = m.startServerUs;
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
    Json operator()(const Pong& m) const {
        Json json = envelope("pong");
        json["id"] = m.id;
        json["client_us"] = m.clientUs;
        json["server_us"] = m.serverUs;
        return json;
    }
    Json operator()(const ErrorMessage& m) const {
        Json json = envelope("error");
        json["code"] = errorCodeName(m.code);
        json["message"] = m.message;
        json["fatal"] = m.fatal;
        return json;
    }
};

}  // namespace

Expected<ClientMessage, ControlParseError> parseClientMessage(std::string_view text) {
    std::string type;
    auto json = parseEnvelope(text, type);
    if (!json) return Unexpected{json.error()};
    FieldReader fields(*json);

    if (type == "join") {
        JoinRequest join;
        join.room = fields.string("room");
        join.name = fields.string("name");
        join.token = fields.optionalString("token");
        join.invite = fields.optionalString("invite");
        return finish<ClientMessage>(fields, std::move(join));
    }
    if (type == "stream") return finish<ClientMessage>(fields, readStreamInfo(fields));
    if (type == "chat") return finish<ClientMessage>(fields, ChatSend{fields.string("text")});
    if (type == "ping") {
        Ping ping;
        ping.id = static_cast<std::uint32_t>(fields.integer("id", 0, kU32Max));
        ping.clientUs = fields.integer("client_us", kI64Min, kI64Max);
        return finish<ClientMessage>(fields, ping);
    }
    if (type == "leave") return ClientMessage{Leave{}};
    if (type == "media_twin") {
        MediaTwin twin;
        twin.sessionId = static_cast<std::uint32_t>(fields.integer("session", 0, kU32Max));
        twin.key = fields.string("key");
        return finish<ClientMessage>(fields, std::move(twin));
    }
    if (type == "admit") return finish<ClientMessage>(fields, Admit{participant(fields)});
    if (type == "mute") {
        Mute mute{participant(fields), true};
        mute.muted = fields.boolean("muted");
        return finish<ClientMessage>(fields, mute);
    }
    if (type == "remove") return finish<ClientMessage>(fields, Remove{participant(fields)});
    if (type == "lock") return finish<ClientMessage>(fields, Lock{fields.boolean("locked")});
    if (type == "record") {
        Record record{fields.boolean("on")};
        record.take = fields.optionalBoolean("take", false);
        return finish<ClientMessage>(fields, record);
    }
    if (type == "hand_over") return finish<ClientMessage>(fields, HandOver{participant(fields)});
    if (type == "tempo") return finish<ClientMessage>(fields, readTempo(fields));
    if (type == "metronome") {
        return finish<ClientMessage>(fields, readMetronomeSet(fields));
    }
    return parseError(ErrorCode::UnknownType, "unknown message type \"" + type.substr(0, 40) + "\"");
}

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
        welcome.serverUs = fields.integer("server_us", kI64Min, kI64Max);
        welcome.role = fields.optionalString("role").value_or("participant");
        welcome.resumeToken = fields.optionalString("resume_token");
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
                timing.countInServerUs = takeFields.integer("count_in_server_us", kI64Min, kI64Max);
                timing.startServerUs = takeFields.integer("start_server_us", kI64Min, kI64Max);
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
        RoomMetronome metronome{set.running, set.bpm, set.beatsPerBar, set.accent, 0, 0, {}, set.intervalBars};
        metronome.startServerUs = fields.integer("start_server_us", std::numeric_limits<std::int64_t>::min(),
                                                 std::numeric_limits<std::int64_t>::max());
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
    if (type == "pong") {
        Pong pong;
        pong.id = static_cast<std::uint32_t>(fields.integer("id", 0, kU32Max));
        pong.clientUs = fields.integer("client_us", kI64Min, kI64Max);
        pong.serverUs = fields.integer("server_us", kI64Min, kI64Max);
        return finish<ServerMessage>(fields, pong);
    }
    if (type == "error") {
        ErrorMessage error;
        const std::string code = fields.string("code");
        error.message = fields.string("message");
        error.fatal = fields.boolean("fatal");
        // An error code this version does not know is still an error: keep the sentence.
        error.code = errorCodeFromName(code).value_or(ErrorCode::Internal);
        return finish<ServerMessage>(fields, std::move(error));
    }
    return parseError(ErrorCode::UnknownType, "unknown message type \"" + type.substr(0, 40) + "\"");
}

std::string serialize(const ClientMessage& message) {
    return dump(std::visit(ClientEncoder{}, message));
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
