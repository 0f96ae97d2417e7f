// Control messages from a client to the server: JSON in and out (docs/protocol.md).
#include "control_fields.h"
#include "control_video.h"

namespace samspil::protocol {

using namespace detail;

namespace {

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
        json["client_us"] = m.clientUs.us();
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
        if (m.barServerUs) json["bar_server_us"] = m.barServerUs->us();
        return json;
    }

    template <typename Video>
    Json operator()(const Video& m) const {
        return videoJson(m);
    }

private:
    static Json withParticipant(const char* type, std::uint32_t id) {
        Json json = envelope(type);
        json["participant_id"] = id;
        return json;
    }
};

}  // namespace

Expected<ClientMessage, ControlParseError> parseClientMessage(std::string_view text, std::int64_t serverNowUs) {
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
    if (type == "stream") return finish<ClientMessage>(fields, readStreamInfo(fields, serverNowUs));
    if (type == "chat") return finish<ClientMessage>(fields, ChatSend{fields.string("text")});
    if (type == "ping") {
        Ping ping;
        ping.id = static_cast<std::uint32_t>(fields.integer("id", 0, kU32Max));
        ping.clientUs = fields.time("client_us");
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
        return finish<ClientMessage>(fields, readMetronomeSet(fields, serverNowUs));
    }
    if (auto video = parseVideoClientMessage(type, fields)) return std::move(*video);
    return parseError(ErrorCode::UnknownType, "unknown message type \"" + type.substr(0, 40) + "\"");
}

std::string serialize(const ClientMessage& message) {
    return dump(std::visit(ClientEncoder{}, message));
}

}  // namespace samspil::protocol
