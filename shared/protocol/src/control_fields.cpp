#include "control_fields.h"

#include "samspil/protocol/media_format.h"

namespace samspil::protocol::detail {

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

StreamInfo readStreamInfo(FieldReader& fields, std::optional<std::int64_t> serverNowUs) {
    StreamInfo info;
    info.channels = static_cast<int>(fields.integer("channels", 1, 2));
    info.frameSamples = static_cast<int>(fields.integer("frame_samples", 0, 960));
    if (fields.ok() && !isFrameSize(info.frameSamples)) fields.fail("frame_samples", "must be 120, 240, 480 or 960");
    info.epochServerUs = serverNowUs ? fields.optionalServerTime("epoch_server_us", *serverNowUs)
                                     : fields.optionalTime("epoch_server_us");
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


Json streamJson(const StreamInfo& info) {
    Json json{{"channels", info.channels}, {"frame_samples", info.frameSamples}};
    if (info.epochServerUs) json["epoch_server_us"] = info.epochServerUs->us();
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
MetronomeSet readMetronomeSet(FieldReader& fields, std::int64_t serverNowUs) {
    MetronomeSet set = readMetronome(fields);
    set.barServerUs = fields.optionalServerTime("bar_server_us", serverNowUs);
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

}  // namespace samspil::protocol::detail
