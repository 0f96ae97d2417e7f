#include "samspil/net/recordings_client.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <fstream>

namespace samspil::net {
namespace {

// The server's human sentence from an error answer, or the status when there is none.
std::string refusal(const HttpResult& result) {
    const auto answer = nlohmann::json::parse(result.body, nullptr, false);
    if (answer.is_object() && answer.contains("error") && answer["error"].is_object() &&
        answer["error"].value("message", "") != "")
        return answer["error"]["message"].get<std::string>();
    return "the server answered " + std::to_string(result.status);
}

RecordingSummary summaryFrom(const nlohmann::json& r) {
    RecordingSummary summary;
    summary.id = r.at("id").get<std::int64_t>();
    summary.title = r.at("title").get<std::string>();
    summary.room = r.value("room", "");
    summary.startedAtMs = r.at("started_at_ms").get<std::int64_t>();
    summary.lengthMs = r.at("length_ms").get<std::int64_t>();
    summary.status = r.at("status").get<std::string>();
    for (const auto& t : r.at("tracks"))
        summary.tracks.push_back({t.at("id").get<std::int64_t>(), t.at("name").get<std::string>(),
                                  t.at("length_ms").get<std::int64_t>(), t.at("download").get<std::string>()});
    if (r.contains("mix") && r["mix"].is_string()) summary.mixDownload = r["mix"].get<std::string>();
    if (r.contains("not_recorded"))
        for (const auto& name : r["not_recorded"]) summary.notRecorded.push_back(name.get<std::string>());
    summary.mayDelete = r.value("you_may_delete", false);
    if (r.contains("take") && r["take"].is_object()) {
        summary.takeBpm = r["take"].value("bpm", 0.0);
        summary.takeBeatsPerBar = r["take"].value("beats_per_bar", 4);
    }
    return summary;
}

}  // namespace

Expected<std::vector<RecordingSummary>, std::string> parseRecordingList(const std::string& json) {
    const auto answer = nlohmann::json::parse(json, nullptr, false);
    if (!answer.is_object() || !answer.contains("recordings") || !answer["recordings"].is_array())
        return Unexpected{std::string("the server's answer is not a list of recordings")};
    std::vector<RecordingSummary> list;
    try {
        for (const auto& r : answer["recordings"]) list.push_back(summaryFrom(r));
    } catch (const nlohmann::json::exception&) {
        return Unexpected{std::string("the server's answer is not a list of recordings")};
    }
    return list;
}

Expected<std::vector<RecordingSummary>, std::string> fetchRecordings(const std::string& serverUrl,
                                                                     const std::string& token, HttpOptions options) {
    options.bearerToken = token;
    auto result = httpRequest(serverUrl, "GET", "/api/v1/recordings", "", options);
    if (!result) return Unexpected{result.error()};
    if (result->status != 200) return Unexpected{refusal(*result)};
    return parseRecordingList(result->body);
}

Expected<std::uint64_t, std::string> downloadRecordingFile(const std::string& serverUrl, const std::string& token,
                                                           const std::string& apiPath, const std::string& file,
                                                           HttpOptions options) {
    options.bearerToken = token;
    options.timeoutMs = std::max(options.timeoutMs, 300'000);  // an hour's mix is ~60 MB
    auto result = httpRequest(serverUrl, "GET", apiPath, "", options);
    if (!result) return Unexpected{result.error()};
    if (result->status != 200) return Unexpected{refusal(*result)};
    const std::string partial = file + ".part";
    {
        std::ofstream out(partial, std::ios::binary | std::ios::trunc);
        out.write(result->body.data(), static_cast<std::streamsize>(result->body.size()));
        if (!out.flush()) return Unexpected{"could not write " + partial};
    }
    if (std::rename(partial.c_str(), file.c_str()) != 0) return Unexpected{"could not write " + file};
    return static_cast<std::uint64_t>(result->body.size());
}

Expected<bool, std::string> deleteRecording(const std::string& serverUrl, const std::string& token, std::int64_t id,
                                          HttpOptions options) {
    options.bearerToken = token;
    auto result = httpRequest(serverUrl, "DELETE", "/api/v1/recordings/" + std::to_string(id), "", options);
    if (!result) return Unexpected{result.error()};
    if (result->status != 204) return Unexpected{refusal(*result)};
    return true;
}

}  // namespace samspil::net
