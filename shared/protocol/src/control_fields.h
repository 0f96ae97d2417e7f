// The JSON side of the control messages, shared by both directions (internal to shared/core):
// a reader of typed fields that remembers the first problem, the envelope, and the fields
// several messages have. Runs on whatever thread parses or serialises; no I/O.
#pragma once

#include "samspil/protocol/control_message.h"

#include <nlohmann/json.hpp>

#include <limits>
#include <optional>
#include <string>
#include <string_view>

namespace samspil::protocol::detail {

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

    /// A clock time in µs, bounded once here (WireTime).
    WireTime time(const char* key) {
        return WireTime::bounded(integer(key, -WireTime::kLimitUs, WireTime::kLimitUs)).value_or(WireTime{});
    }

    std::optional<WireTime> optionalTime(const char* key) {
        const auto value = optionalInteger(key, -WireTime::kLimitUs, WireTime::kLimitUs);
        return value ? WireTime::bounded(*value) : std::nullopt;
    }

    /// A server-clock time a client sent: within WireTime::kServerReachUs of the server's clock.
    std::optional<WireTime> optionalServerTime(const char* key, std::int64_t serverNowUs) {
        const auto value = optionalTime(key);
        if (value && !WireTime::nearServer(*value, serverNowUs)) {
            fail(key, "is more than an hour from the server's clock");
            return std::nullopt;
        }
        return value;
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

inline constexpr std::int64_t kI64Max = std::numeric_limits<std::int64_t>::max();
inline constexpr std::int64_t kI64Min = std::numeric_limits<std::int64_t>::min();
inline constexpr std::int64_t kU32Max = std::numeric_limits<std::uint32_t>::max();
inline constexpr std::int64_t kU16Max = std::numeric_limits<std::uint16_t>::max();

Unexpected<ControlParseError> parseError(ErrorCode code, std::string detail);
/// The envelope both directions share: a JSON object with "v" and "type" (type set).
Expected<Json, ControlParseError> parseEnvelope(std::string_view text, std::string& type);
bool isFrameSize(std::int64_t samples);

// Fields that more than one message has, read and written.
/// A stream description; serverNowUs: on the server, where its epoch must lie near.
StreamInfo readStreamInfo(FieldReader& fields, std::optional<std::int64_t> serverNowUs = std::nullopt);
std::uint32_t participant(FieldReader& fields);
ChatMessage readChat(FieldReader& fields);
Json streamJson(const StreamInfo& info);
Json metronomeJson(bool running, double bpm, int beatsPerBar, bool accent, int intervalBars);
Json tempoJson(const TempoShare& tempo);
MetronomeSet readMetronome(FieldReader& fields);
MetronomeSet readMetronomeSet(FieldReader& fields, std::int64_t serverNowUs);
TempoShare readTempo(FieldReader& fields);
Json chatJson(const ChatMessage& chat);
/// {"v": 1, "type": type}, to which a message adds its fields.
Json envelope(const char* type);
/// The message as sent (invalid UTF-8 replaced, never an exception).
std::string dump(const Json& json);

/// The parsed message, or bad_message with the first field's problem.

template <typename Result, typename Message>
Expected<Result, ControlParseError> finish(FieldReader& fields, Message message) {
    if (!fields.ok()) return parseError(ErrorCode::BadMessage, fields.error());
    return Result{std::move(message)};
}

}  // namespace samspil::protocol::detail
