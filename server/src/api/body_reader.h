// Reads typed fields out of a request body; the first problem becomes a 400 answer.
#pragma once

#include "api/api_types.h"

#include <cstdint>
#include <optional>
#include <string>

namespace samspil::server {

class BodyReader {
public:
    explicit BodyReader(const ApiRequest& request);

    std::string text(const char* key, std::size_t maxLength);
    std::optional<std::string> optionalText(const char* key, std::size_t maxLength);
    std::int64_t integer(const char* key);
    std::optional<std::int64_t> optionalInteger(const char* key);
    bool flag(const char* key, bool fallback);
    std::optional<bool> optionalFlag(const char* key);
    std::vector<std::int64_t> integers(const char* key);

    bool ok() const { return error_.empty(); }
    /// The 400 answer naming the first problem.
    ApiResponse problem() const;
    void fail(const std::string& why);

private:
    const nlohmann::json* field(const char* key, bool required);

    const nlohmann::json& body_;
    std::string error_;
};

}  // namespace samspil::server
