#include "store/recording_store.h"

#include "store/database.h"

#include <cmath>

namespace samspil::server {

std::int64_t RecordingStore::begin(const RecordingSink::Start& start, std::int64_t startedAtMs, std::string_view node) {
    return db_.prepare(
           "INSERT INTO recordings (school_id, room_id, title, started_at_ms, status, started_by, "
           "take_tempo_millibpm, take_beats_per_bar, node) "
           "SELECT ?1, r.id, COALESCE(NULLIF(r.name, ''), c.code), ?3, 'recording', ?4, ?5, ?6, ?7 "
           "FROM (SELECT ?2 AS code) c LEFT JOIN rooms r ON r.code = c.code RETURNING id")
        .bind(1, start.schoolId)
        .bind(2, start.room)
        .bind(3, startedAtMs)
        .bindOptional(4, start.startedBy ? std::optional<std::int64_t>(start.startedBy) : std::nullopt)
        .bindOptional(5, start.takeBpm > 0 ? std::optional<std::int64_t>(std::llround(start.takeBpm * 1000)) : std::nullopt)
        .bindOptional(6, start.takeBpm > 0 ? std::optional<std::int64_t>(start.takeBeatsPerBar) : std::nullopt)
        .bind(7, node)
        .runReturningInt();  // titled after the room's name, or its code when it has none
}

void RecordingStore::addTrack(std::int64_t recording, const RecordingSink::Track& track, const std::string& file) {
    db_.prepare(
           "INSERT INTO recording_tracks (recording_id, participant_name, person_id, channels, file) "
           "VALUES (?1, ?2, ?3, ?4, ?5)")
        .bind(1, recording)
        .bind(2, track.name)
        .bindOptional(3, track.personId ? std::optional<std::int64_t>(track.personId) : std::nullopt)
        .bind(4, std::int64_t{track.channels})
        .bind(5, file)
        .run();
}

void RecordingStore::notePresent(std::int64_t recording, std::int64_t personId, bool recorded) {
    // Left out once means left out: consent is judged for the whole recording.
    db_.prepare(
           "INSERT INTO recording_people (recording_id, person_id, recorded) VALUES (?1, ?2, ?3) "
           "ON CONFLICT (recording_id, person_id) "
           "DO UPDATE SET recorded = CASE WHEN excluded.recorded < recording_people.recorded THEN excluded.recorded "
           "ELSE recording_people.recorded END")
        .bind(1, recording)
        .bind(2, personId)
        .bind(3, std::int64_t{recorded})
        .run();
}

void RecordingStore::finish(std::int64_t recording, std::int64_t endedAtMs, std::int64_t lengthMs,
                            const std::vector<std::pair<std::string, std::int64_t>>& trackLengthsMs) {
    Transaction transaction(db_);
    db_.prepare("UPDATE recordings SET ended_at_ms = ?2, length_ms = ?3, status = 'complete' WHERE id = ?1")
        .bind(1, recording)
        .bind(2, endedAtMs)
        .bind(3, lengthMs)
        .run();
    for (const auto& [file, length] : trackLengthsMs)
        db_.prepare("UPDATE recording_tracks SET length_ms = ?3 WHERE recording_id = ?1 AND file = ?2")
            .bind(1, recording)
            .bind(2, file)
            .bind(3, length)
            .run();
    transaction.commit();
}

std::vector<std::string> RecordingStore::markInterrupted(std::string_view node, std::int64_t staleBeforeMs,
                                                         bool ownToo) {
    Transaction transaction(db_);
    std::vector<std::int64_t> taken;
    auto take = db_.prepare(
        "UPDATE recordings SET status = 'interrupted', node = ?1 WHERE status = 'recording' AND "
        "((?3 = 1 AND (node IS NULL OR node = ?1)) OR "
        "(node <> ?1 AND node NOT IN (SELECT name FROM nodes WHERE seen_at_ms >= ?2))) RETURNING id");
    take.bind(1, node).bind(2, staleBeforeMs).bind(3, std::int64_t{ownToo});
    while (take.step()) taken.push_back(take.columnInt(0));
    std::vector<std::string> files;
    auto tracks = db_.prepare("SELECT file FROM recording_tracks WHERE recording_id = ?1 ORDER BY id");
    for (const std::int64_t recording : taken) {
        tracks.bind(1, recording);
        while (tracks.step()) files.push_back(tracks.columnText(0));
        tracks.reset();
    }
    transaction.commit();
    return files;
}

std::map<std::int64_t, std::vector<std::string>> RecordingStore::endedTrackFiles(std::string_view node) {
    std::map<std::int64_t, std::vector<std::string>> files;
    auto statement = db_.prepare(
        "SELECT t.recording_id, t.file FROM recording_tracks t JOIN recordings r ON r.id = t.recording_id "
        "WHERE r.status != 'recording' AND (r.node IS NULL OR r.node = ?1) ORDER BY t.recording_id, t.id");
    statement.bind(1, node);
    while (statement.step()) files[statement.columnInt(0)].push_back(statement.columnText(1));
    return files;
}

namespace {
RecordingInfo readRecording(Statement& row) {
    RecordingInfo info;
    info.id = row.columnInt(0);
    info.schoolId = row.columnInt(1);
    info.title = row.columnText(2);
    info.room = row.columnText(3);
    info.startedAtMs = row.columnInt(4);
    info.lengthMs = row.columnInt(5);
    info.status = row.columnText(6);
    if (const auto tempo = row.columnOptionalInt(7)) {
        info.takeBpm = static_cast<double>(*tempo) / 1000.0;
        info.takeBeatsPerBar = static_cast<int>(row.columnOptionalInt(8).value_or(4));
    }
    return info;
}
}  // namespace

std::optional<RecordingInfo> RecordingStore::find(std::int64_t recording) {
    auto row = db_.prepare(
        "SELECT r.id, r.school_id, r.title, COALESCE(rm.code, ''), r.started_at_ms, r.length_ms, r.status, "
        "r.take_tempo_millibpm, r.take_beats_per_bar FROM recordings r LEFT JOIN rooms rm ON rm.id = r.room_id WHERE r.id = ?1");
    row.bind(1, recording);
    if (!row.step()) return std::nullopt;
    RecordingInfo info = readRecording(row);
    auto tracks = db_.prepare("SELECT id, participant_name, file, length_ms FROM recording_tracks WHERE recording_id = ?1 ORDER BY id");
    tracks.bind(1, recording);
    while (tracks.step())
        info.tracks.push_back({tracks.columnInt(0), tracks.columnText(1), tracks.columnText(2), tracks.columnInt(3)});
    auto leftOut = db_.prepare(
        "SELECT p.display_name FROM recording_people rp JOIN people p ON p.id = rp.person_id "
        "WHERE rp.recording_id = ?1 AND rp.recorded = 0 ORDER BY p.display_name");
    leftOut.bind(1, recording);
    while (leftOut.step()) info.leftOut.push_back(leftOut.columnText(0));
    return info;
}

namespace {
// Who may open a recording, the one rule (the person is ?1, a recording is r): the admins of
// its school, and the people who were in the room while it recorded. Nobody else — not even
// another teacher of the school.
constexpr const char* kVisibleTo =
    "(r.school_id IN (SELECT school_id FROM memberships WHERE person_id = ?1 AND role = 'admin') "
    "OR r.id IN (SELECT recording_id FROM recording_people WHERE person_id = ?1))";
}  // namespace

std::vector<RecordingInfo> RecordingStore::visibleTo(std::int64_t personId) {
    std::vector<std::int64_t> ids;
    auto rows = db_.prepare(std::string("SELECT r.id FROM recordings r WHERE ") + kVisibleTo +
                            " ORDER BY r.started_at_ms DESC, r.id DESC LIMIT 500");
    rows.bind(1, personId);
    while (rows.step()) ids.push_back(rows.columnInt(0));
    std::vector<RecordingInfo> out;
    for (const std::int64_t id : ids)
        if (auto info = find(id)) out.push_back(std::move(*info));
    return out;
}

bool RecordingStore::mayOpen(std::int64_t recording, std::int64_t personId) {
    auto row = db_.prepare(std::string("SELECT 1 FROM recordings r WHERE r.id = ?2 AND ") + kVisibleTo);
    row.bind(1, personId).bind(2, recording);
    return row.step();
}

std::vector<std::string> RecordingStore::remove(std::int64_t recording) {
    std::vector<std::string> files;
    auto rows = db_.prepare("SELECT file FROM recording_tracks WHERE recording_id = ?1");
    rows.bind(1, recording);
    while (rows.step()) files.push_back(rows.columnText(0));
    db_.prepare("DELETE FROM recordings WHERE id = ?1").bind(1, recording).run();  // tracks and people cascade
    return files;
}

}  // namespace samspil::server
