#include "recording/recording_deletion.h"

#include "store/recording_store.h"
#include "store/database.h"

#include <filesystem>

namespace samspil::server {

void deleteRecording(Database& db, const std::string& recordingsFolder, std::int64_t recording,
                     const AuditEntry& audit) {
    Transaction transaction(db);
    const auto files = RecordingStore(db).remove(recording);
    AuditLog(db).record(audit);
    transaction.commit();
    // The rows are gone first: a crash in between leaves files nobody can reach, never a
    // listed recording without its sound.
    std::error_code ignored;
    for (const std::string& file : files) std::filesystem::remove(recordingsFolder + "/" + file, ignored);
    std::filesystem::remove_all(recordingsFolder + "/" + std::to_string(recording), ignored);  // the mix and the folder
}

}  // namespace samspil::server
