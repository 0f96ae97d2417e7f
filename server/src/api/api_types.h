// An HTTP API request as the handlers see it, and their answer.
#pragma once

#include "samspil/protocol/error_code.h"

#include <nlohmann/json.hpp>

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace samspil::server {

struct ApiRequest {
    std::string method;                       ///< GET, POST, PATCH, DELETE
    std::vector<std::string> path;            ///< segments after /api/v1/, e.g. {"schools", "3", "members"}
    std::map<std::string, std::string> query;
    nlohmann::json body;                      ///< parsed JSON body (null when there was none)
    bool bodyMalformed = false;               ///< a body was sent but is not a JSON object
    std::optional<std::string> bearerToken;   ///< from "Authorization: Bearer ..."
    std::string clientAddress;
    std::string host;                         ///< the Host header, for links in answers
    bool secure = false;                      ///< asked over TLS (links in answers use https)
    std::string range;                        ///< the Range header ("" when absent)
};

/// A file to send instead of a JSON body (a recording's track), with Range support.
struct FileAnswer {
    std::string path;          ///< never a path from the client: built from ids
    std::string contentType;   ///< e.g. audio/ogg
    std::string downloadName;  ///< for Content-Disposition (ASCII, made of ids)
};

struct ApiResponse {
    ApiResponse() = default;
    ApiResponse(int statusCode, nlohmann::json json) : status(statusCode), body(std::move(json)) {}

    int status = 200;
    nlohmann::json body;  ///< null: no body (204)
    std::optional<FileAnswer> file;  ///< set: status 200, the file instead of body
};

/// A JSON error answer: {"error": {"code": ..., "message": ...}}.
ApiResponse apiError(int status, protocol::ErrorCode code, std::string_view detail = {});

}  // namespace samspil::server
