#include "accounts/audit_log.h"

#include "samspil/time/clock.h"
#include "store/database.h"

namespace samspil::server {

void AuditLog::record(const AuditEntry& entry) {
    db_.prepare(
           "INSERT INTO audit_log (at_ms, school_id, actor_person_id, actor_name, action, target, detail) "
           "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)")
        .bind(1, entry.atMs ? entry.atMs : unixMillis())
        .bindOptional(2, entry.schoolId)
        .bindOptional(3, entry.actorPersonId)
        .bind(4, entry.actorName)
        .bind(5, entry.action)
        .bind(6, entry.target)
        .bind(7, entry.detail)
        .run();
}

std::vector<AuditEntry> AuditLog::ofSchool(std::int64_t schoolId, int limit) {
    std::vector<AuditEntry> out;
    auto statement = db_.prepare(
        "SELECT id, at_ms, school_id, actor_person_id, actor_name, action, target, detail FROM audit_log "
        "WHERE school_id = ?1 ORDER BY id DESC LIMIT ?2");
    statement.bind(1, schoolId).bind(2, std::int64_t{limit});
    while (statement.step())
        out.push_back({statement.columnInt(0), statement.columnInt(1), statement.columnOptionalInt(2),
                       statement.columnOptionalInt(3), statement.columnText(4), statement.columnText(5),
                       statement.columnText(6), statement.columnText(7)});
    return out;
}

}  // namespace samspil::server
