// Each school keeps its lesson recordings for as many days as it chose (90 by default);
// older ones are deleted — rows, files and folder — with an audit row each. The server
// runs this at startup and every hour; `samspil-server admin expire-recordings` runs it
// by hand. Runs on the store thread (or the admin command's own).
#pragma once

#include <cstdint>
#include <string>

namespace samspil::server {

class Database;

/// Deletes the recordings whose school's retention has passed at nowMs; how many.
int expireRecordings(Database& db, const std::string& recordingsFolder, std::int64_t nowMs);

}  // namespace samspil::server
