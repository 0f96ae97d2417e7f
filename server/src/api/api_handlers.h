// The HTTP API's handlers. Each runs on the store thread with the caller already
// authenticated, checks permissions, and returns the answer. Routes: api_service.cpp;
// the API itself: docs/api.md.
#pragma once

#include "accounts/account_types.h"
#include "accounts/audit_log.h"
#include "api/api_types.h"

#include <cstdint>
#include <vector>

namespace samspil::server {

class ListenLinks;
class Database;

struct ApiContext {
    Database& db;
    const ApiRequest& request;
    const Caller& caller;
    std::vector<std::int64_t> ids;  ///< the numeric path segments, in order
    std::int64_t nowMs = 0;
    std::string recordingsDir;  ///< where lesson recordings are kept
    const ListenLinks* listenLinks = nullptr;  ///< signs the recordings' listen links
};

// Who is calling (auth_api.cpp).
ApiResponse getMe(ApiContext& context);
ApiResponse getMyLessons(ApiContext& context);
ApiResponse signOut(ApiContext& context);

// Schools and people (school_api.cpp).
ApiResponse getSchool(ApiContext& context);
ApiResponse changeSchool(ApiContext& context);
ApiResponse listMembers(ApiContext& context);
/// Checks and validates a new member; the password is hashed elsewhere, then addMember runs.
ApiResponse checkNewMember(ApiContext& context);
ApiResponse addMember(ApiContext& context, const std::string& passwordHash);
ApiResponse changeMember(ApiContext& context);
ApiResponse removeMember(ApiContext& context);
ApiResponse listAudit(ApiContext& context);

// Rooms, lessons, invites (room_api.cpp).
ApiResponse listRooms(ApiContext& context);
ApiResponse createRoom(ApiContext& context);
ApiResponse changeRoom(ApiContext& context);
ApiResponse listLessons(ApiContext& context);
ApiResponse createLesson(ApiContext& context);
ApiResponse deleteLesson(ApiContext& context);
ApiResponse listInvites(ApiContext& context);
ApiResponse createInvite(ApiContext& context);
ApiResponse revokeInvite(ApiContext& context);

// Lesson recordings (recording_api.cpp).
ApiResponse listRecordings(ApiContext& context);
ApiResponse getRecording(ApiContext& context);
ApiResponse downloadTrack(ApiContext& context);
ApiResponse downloadMix(ApiContext& context);
ApiResponse deleteRecording(ApiContext& context);

// Shared helpers (api_json.cpp).
/// An integer query parameter (?from=...), or fallback when absent or not a number.
std::int64_t queryInteger(const ApiRequest& request, const char* key, std::int64_t fallback);
nlohmann::json personJson(const Person& person);
nlohmann::json lessonJson(const Lesson& lesson);
/// An admin's or teacher's action as the audit log has it.
AuditEntry auditEntry(const ApiContext& context, std::int64_t schoolId, std::string action, std::string target,
                      std::string detail = {});
/// Records an admin or teacher action in the audit log.
void auditAction(ApiContext& context, std::int64_t schoolId, std::string action, std::string target,
                 std::string detail = {});

}  // namespace samspil::server
