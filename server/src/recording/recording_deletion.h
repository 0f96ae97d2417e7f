// Deleting a lesson recording for good — by a school's admin or teacher through the API, or
// when the school's retention has passed — is one thing: its rows and an audit row in one
// transaction, then its files and its folder (the tracks, the mix). Store thread (or an
// admin command's own).
#pragma once

#include "accounts/audit_log.h"

#include <cstdint>
#include <string>

namespace samspil::server {

class Database;

/// Deletes recording `recording` (whose rows must exist) and writes `audit`.
void deleteRecording(Database& db, const std::string& recordingsFolder, std::int64_t recording,
                     const AuditEntry& audit);

}  // namespace samspil::server
