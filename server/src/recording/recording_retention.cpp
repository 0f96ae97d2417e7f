#include "recording/recording_retention.h"

#include "accounts/audit_log.h"
#include "recording/recording_deletion.h"
#include "store/database.h"

#include <vector>

namespace samspil::server {

int expireRecordings(Database& db, const std::string& recordingsFolder, std::int64_t nowMs) {
    struct Expired {
        std::int64_t id = 0;
        std::int64_t schoolId = 0;
        std::string title;
        std::int64_t days = 0;
    };
    std::vector<Expired> expired;
    // Still being recorded is never expired; interrupted ones are, like complete ones.
    auto rows = db.prepare(
        "SELECT r.id, r.school_id, r.title, s.recording_retention_days FROM recordings r JOIN schools s ON s.id = r.school_id "
        "WHERE r.status <> 'recording' AND r.started_at_ms < ?1 - s.recording_retention_days * 86400000");
    rows.bind(1, nowMs);
    while (rows.step()) expired.push_back({rows.columnInt(0), rows.columnInt(1), rows.columnText(2), rows.columnInt(3)});
    for (const Expired& recording : expired) {
        AuditEntry entry;
        entry.atMs = nowMs;
        entry.schoolId = recording.schoolId;
        entry.actorName = "samspil-server";
        entry.action = "recording.expire";
        entry.target = "recording:" + std::to_string(recording.id);
        entry.detail = recording.title + " (kept " + std::to_string(recording.days) + " days)";
        deleteRecording(db, recordingsFolder, recording.id, entry);
    }
    return static_cast<int>(expired.size());
}

}  // namespace samspil::server
