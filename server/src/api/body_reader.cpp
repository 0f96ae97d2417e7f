#include "api/body_reader.h"

#include "samspil/protocol/validation.h"

namespace samspil::server {
namespace {
const nlohmann::json kEmpty = nlohmann::json::object();
}

BodyReader::BodyReader(const ApiRequest& request) : body_(request.body.is_object() ? request.body : kEmpty) {
    if (request.bodyMalformed) error_ = "the body must be a JSON object";
}

const nlohmann::json* BodyReader::field(const char* key, bool required) {
    auto it = body_.find(key);
    if (it == body_.end() || it->is_null()) {
        if (required) fail(std::string("\"") + key + "\" is missing");
        return nullptr;
    }
    return &*it;
}

void BodyReader::fail(const std::string& why) {
    if (error_.empty()) error_ = why;
}

std::optional<std::string> BodyReader::optionalText(const char* key, std::size_t maxLength) {
    const auto* value = field(key, false);
    if (!value) return std::nullopt;
    if (!value->is_string()) return fail(std::string("\"") + key + "\" must be a string"), std::nullopt;
    const std::string text = value->get<std::string>();
    const auto length = protocol::utf8Length(text);
    if (!length || *length > maxLength)
        return fail(std::string("\"") + key + "\" is at most " + std::to_string(maxLength) + " characters"),
               std::nullopt;
    return text;
}

std::string BodyReader::text(const char* key, std::size_t maxLength) {
    if (!field(key, true)) return {};
    return optionalText(key, maxLength).value_or("");
}

std::optional<std::int64_t> BodyReader::optionalInteger(const char* key) {
    const auto* value = field(key, false);
    if (!value) return std::nullopt;
    if (!value->is_number_integer()) return fail(std::string("\"") + key + "\" must be an integer"), std::nullopt;
    return value->get<std::int64_t>();
}

std::int64_t BodyReader::integer(const char* key) {
    if (!field(key, true)) return 0;
    return optionalInteger(key).value_or(0);
}

bool BodyReader::flag(const char* key, bool fallback) {
    return optionalFlag(key).value_or(fallback);
}

std::optional<bool> BodyReader::optionalFlag(const char* key) {
    const auto* value = field(key, false);
    if (!value) return std::nullopt;
    if (!value->is_boolean()) return fail(std::string("\"") + key + "\" must be true or false"), std::nullopt;
    return value->get<bool>();
}

std::vector<std::int64_t> BodyReader::integers(const char* key) {
    std::vector<std::int64_t> out;
    const auto* value = field(key, false);
    if (!value) return out;
    if (!value->is_array()) return fail(std::string("\"") + key + "\" must be an array of ids"), out;
    for (const auto& item : *value) {
        if (!item.is_number_integer()) return fail(std::string("\"") + key + "\" must be an array of ids"), out;
        out.push_back(item.get<std::int64_t>());
    }
    return out;
}

ApiResponse BodyReader::problem() const {
    return apiError(400, protocol::ErrorCode::BadMessage, error_);
}

}  // namespace samspil::server
