// The audit log: every admin and teacher action, with who, what and when. Store thread only.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace samspil::server {

class Database;

struct AuditEntry {
    std::int64_t id = 0;
    std::int64_t atMs = 0;
    std::optional<std::int64_t> schoolId;
    std::optional<std::int64_t> actorPersonId;
    std::string actorName;
    std::string action;  ///< e.g. "member.create", "room.mute"
    std::string target;  ///< what it was done to, e.g. "person:12", "room:klaver-1"
    std::string detail;
};

class AuditLog {
public:
    explicit AuditLog(Database& db) : db_(db) {}
    void record(const AuditEntry& entry);
    /// Newest first.
    std::vector<AuditEntry> ofSchool(std::int64_t schoolId, int limit);

private:
    Database& db_;
};

}  // namespace samspil::server
