#include "samspil/net/invite_request.h"

#include <nlohmann/json.hpp>

namespace samspil::net {
namespace {

using nlohmann::json;

// The server's sentence from an error answer, or a plain one with the status.
std::string why(const HttpResult& result, const std::string& what) {
    const auto answer = json::parse(result.body, nullptr, false);
    if (answer.is_object() && answer.contains("error") && answer["error"].is_object() &&
        answer["error"].contains("message") && answer["error"]["message"].is_string())
        return what + ": " + answer["error"]["message"].get<std::string>();
    return what + " (HTTP " + std::to_string(result.status) + ")";
}

Expected<json, std::string> getJson(const std::string& serverUrl, const std::string& path, const HttpOptions& options,
                                    const std::string& what) {
    auto result = httpRequest(serverUrl, "GET", path, "", options);
    if (!result) return Unexpected{result.error()};
    if (result->status != 200) return Unexpected{why(*result, what)};
    auto answer = json::parse(result->body, nullptr, false);
    if (!answer.is_object()) return Unexpected{what + ": the server's answer is not JSON"};
    return answer;
}

}  // namespace

Expected<CreatedInvite, std::string> createInvite(const std::string& serverUrl, const std::string& token,
                                                const std::string& roomCode, const std::string& guestName,
                                                int validMinutes, const HttpOptions& baseOptions) {
    HttpOptions options = baseOptions;
    options.bearerToken = token;
    auto me = getJson(serverUrl, "/api/v1/me", options, "Could not read who you are");
    if (!me) return Unexpected{me.error()};
    std::optional<std::int64_t> roomId;
    for (const auto& membership : (*me).value("memberships", json::array())) {
        if (!membership.is_object() || !membership.contains("school_id") || !membership["school_id"].is_number_integer())
            continue;
        const auto schoolId = membership["school_id"].get<std::int64_t>();
        auto rooms = getJson(serverUrl, "/api/v1/schools/" + std::to_string(schoolId) + "/rooms", options,
                             "Could not list the school's rooms");
        if (!rooms) return Unexpected{rooms.error()};
        for (const auto& room : (*rooms).value("rooms", json::array()))
            if (room.is_object() && room.value("code", std::string()) == roomCode && room.contains("id") &&
                room["id"].is_number_integer())
                roomId = room["id"].get<std::int64_t>();
        if (roomId) break;
    }
    if (!roomId) return Unexpected{std::string("Room ") + roomCode + " is not one of your school's rooms."};

    json body{{"expires_in_minutes", validMinutes}};
    if (!guestName.empty()) body["guest_name"] = guestName;
    auto created = httpRequest(serverUrl, "POST", "/api/v1/rooms/" + std::to_string(*roomId) + "/invites", body.dump(),
                               options);
    if (!created) return Unexpected{created.error()};
    if (created->status != 201) return Unexpected{why(*created, "The server made no invite")};
    const auto answer = json::parse(created->body, nullptr, false);
    if (!answer.is_object() || !answer.contains("web_link") || !answer["web_link"].is_string() ||
        !answer.contains("code") || !answer["code"].is_string())
        return Unexpected{std::string("The server's invite has no link in it.")};
    return CreatedInvite{answer["code"].get<std::string>(), answer["web_link"].get<std::string>(),
                         answer.value("link", std::string())};
}

}  // namespace samspil::net
