#include "accounts/audit_log.h"
#include "api/api_handlers.h"

#include <cstdlib>

namespace samspil::server {

ApiResponse apiError(int status, protocol::ErrorCode code, std::string_view detail) {
    std::string message(protocol::errorCodeSentence(code));
    if (!detail.empty()) message += " (" + std::string(detail) + ")";
    return ApiResponse{status, {{"error", {{"code", protocol::errorCodeName(code)}, {"message", message}}}}};
}

std::int64_t queryInteger(const ApiRequest& request, const char* key, std::int64_t fallback) {
    auto it = request.query.find(key);
    if (it == request.query.end()) return fallback;
    char* end = nullptr;
    const long long value = std::strtoll(it->second.c_str(), &end, 10);
    return end && *end == '\0' && !it->second.empty() ? value : fallback;
}

nlohmann::json personJson(const Person& person) {
    return {{"id", person.id}, {"login", person.login}, {"display_name", person.displayName}};
}

nlohmann::json lessonJson(const Lesson& lesson) {
    return {{"id", lesson.id},
            {"school_id", lesson.schoolId},
            {"room_id", lesson.roomId},
            {"room_code", lesson.roomCode},
            {"title", lesson.title},
            {"starts_at_ms", lesson.startsAtMs},
            {"ends_at_ms", lesson.endsAtMs},
            {"participant_ids", lesson.participantIds}};
}

AuditEntry auditEntry(const ApiContext& context, std::int64_t schoolId, std::string action, std::string target,
                      std::string detail) {
    AuditEntry entry;
    entry.atMs = context.nowMs;
    entry.schoolId = schoolId;
    entry.actorPersonId = context.caller.person.id;
    entry.actorName = context.caller.person.displayName;
    entry.action = std::move(action);
    entry.target = std::move(target);
    entry.detail = std::move(detail);
    return entry;
}

void auditAction(ApiContext& context, std::int64_t schoolId, std::string action, std::string target,
                 std::string detail) {
    AuditLog(context.db).record(auditEntry(context, schoolId, std::move(action), std::move(target), std::move(detail)));
}

}  // namespace samspil::server
