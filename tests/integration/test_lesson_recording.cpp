// Lesson recordings end to end: a teacher records a lesson from samspil-cli; the server
// writes one Ogg Opus file per participant from the packets as received. Checked with
// Opus's own tools and ffprobe, by decoding each track and comparing it with what that
// participant sent, and by the tracks lining up with each other on the server's clock.
// A person the school marked "may not be recorded" is left out, and everyone's client
// was told of the recording.
#include "http_get.h"
#include "opus_tools.h"
#include "samspil/audio/wav_file.h"
#include "school_fixture.h"
#include "signal_analysis.h"
#include "store/database.h"

#include <catch2/catch.hpp>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <thread>

using namespace samspil;
using namespace samspil::test;
using nlohmann::json;

namespace {

constexpr double kLeadSeconds = 2.0;  // silence before each participant's click

// What a participant sends: silence, a 10 ms click at kLeadSeconds, 0.5 s of silence,
// then a tone of their own for 5 s.
std::vector<float> clickThenTone(double hz) {
    std::vector<float> audio(static_cast<std::size_t>((kLeadSeconds + 6.0) * 48000), 0.0f);
    const auto click = static_cast<std::size_t>(kLeadSeconds * 48000);
    for (std::size_t i = 0; i < 480; ++i) audio[click + i] = (i / 24) % 2 ? 0.6f : -0.6f;
    const auto tone = makeTone(hz, 0.5, 5 * 48000);
    std::copy(tone.begin(), tone.end(), audio.begin() + static_cast<std::ptrdiff_t>(click + 480 + 24000));
    return audio;
}

std::vector<std::string> cliArgs(SchoolFixture& f, const std::string& who, const std::string& wav, double seconds,
                                 std::vector<std::string> extra = {}) {
    const std::string passwordFile = f.dir.file("pw-" + who);
    std::ofstream(passwordFile) << "password-" << who << "\n";
    std::vector<std::string> args{"--server", f.server->url(), "--room", "klaver-1", "--name", who,
                                  "--sign-in", who + "@school", "--password-file", passwordFile,
                                  "--send", wav, "--duration", std::to_string(seconds)};
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
}

struct StoredTrack {
    std::string name;
    std::string file;
};

// Waits until the newest recording is complete; its status and tracks.
std::pair<std::string, std::vector<StoredTrack>> newestRecording(const std::string& database) {
    std::string status;
    std::vector<StoredTrack> tracks;
    for (int attempt = 0; attempt < 100 && status != "complete"; ++attempt) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        auto dbConnection = server::openDatabase(database);
    auto& db = *dbConnection;
        auto recording = db.prepare("SELECT id, status FROM recordings ORDER BY id DESC LIMIT 1");
        if (!recording.step()) continue;
        status = recording.columnText(1);
        tracks.clear();
        auto rows = db.prepare("SELECT participant_name, file FROM recording_tracks WHERE recording_id = ?1 ORDER BY id");
        rows.bind(1, recording.columnInt(0));
        while (rows.step()) tracks.push_back({rows.columnText(0), rows.columnText(1)});
    }
    return {status, tracks};
}

}  // namespace

TEST_CASE("a recorded lesson: a file per participant that plays what they sent, the tracks lined up, nobody left out unasked",
          "[integration][recording][audio]") {
    SchoolFixture f;
    REQUIRE(f.call("PATCH", "rooms/" + std::to_string(f.roomId), {{"drop_in", true}}, f.token["teacher"]).status == 200);
    // The mentor's guardian has not consented (the school's admin says so).
    const auto consent = f.call("PATCH", "schools/1/members/" + std::to_string(f.personId["mentor"]),
                                {{"may_be_recorded", false}}, f.token["admin"]);
    REQUIRE(consent.status == 200);
    CHECK(consent.body["may_be_recorded"] == false);
    CHECK(consent.body["role"] == "mentor");
    // Only the school's admin decides it, and a change must say what changes.
    const std::string mentorPath = "schools/1/members/" + std::to_string(f.personId["mentor"]);
    CHECK(f.call("PATCH", mentorPath, {{"may_be_recorded", true}}, f.token["teacher"]).status == 403);
    CHECK(f.call("PATCH", mentorPath, json::object(), f.token["admin"]).status == 400);
    CHECK(f.call("PATCH", mentorPath, {{"may_be_recorded", "yes"}}, f.token["admin"]).status == 400);

    const std::map<std::string, double> toneOf{{"teacher", 440}, {"student", 660}, {"student2", 550}, {"mentor", 770}};
    for (const auto& [who, hz] : toneOf) REQUIRE(writeWavFile(f.dir.file(who + ".wav"), AudioBuffer{1, 48000, clickThenTone(hz)}));

    CliRun teacher(f.dir, "teacher", cliArgs(f, "teacher", f.dir.file("teacher.wav"), 13, {"--record-lesson", "--stats"}));
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));  // the recording has begun
    std::vector<std::unique_ptr<CliRun>> others;
    for (const std::string who : {"student", "student2", "mentor"})
        others.push_back(std::make_unique<CliRun>(f.dir, who, cliArgs(f, who, f.dir.file(who + ".wav"), 10, {"--stats"})));
    for (auto& other : others) REQUIRE(other->finish() == 0);
    REQUIRE(teacher.finish() == 0);

    // Everyone's client was told, the teacher's included.
    CHECK(teacher.stats().contains("recording_seen_local_us"));
    for (auto& other : others) CHECK(other->stats().contains("recording_seen_local_us"));

    const auto [status, tracks] = newestRecording(f.server->databasePath());
    REQUIRE(status == "complete");
    // One track each, and none for the mentor.
    std::map<std::string, std::string> fileOf;
    for (const auto& track : tracks) fileOf[track.name] = track.file;
    CHECK(fileOf.size() == 3);
    CHECK(fileOf.count("mentor") == 0);
    const std::string folder = f.server->recordingsDir();

    std::map<std::string, double> clickAtMs;  // in the track, on the recording's timeline
    std::map<std::string, double> sentClickServerMs;  // when it was played, on the server's clock
    auto statsOf = [&](const std::string& who) -> const json& {
        if (who == "teacher") return teacher.stats();
        for (auto& other : others)
            if (other->stats()["name"] == who) return other->stats();
        FAIL("no stats for " + who);
        return teacher.stats();
    };
    for (const auto& [who, file] : fileOf) {
        INFO(who);
        const std::string path = folder + "/" + file;
        REQUIRE(std::filesystem::exists(path));
        CHECK(runTool(f.dir, "opusinfo", {path}) == 0);
        CHECK(runTool(f.dir, "ffprobe", {"-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", path}) == 0);
        const auto decoded = decodeOggOpus(f.dir, path);
        REQUIRE(decoded);
        const auto& audio = *decoded;
        const auto click = findOnset(audio, 0.3f);
        REQUIRE(click);
        clickAtMs[who] = static_cast<double>(*click) / 48.0;
        sentClickServerMs[who] = statsOf(who)["stream_epoch_server_us"].get<double>() / 1000.0 + kLeadSeconds * 1000.0;
        // What they sent, where they sent it: the tone after the click.
        const auto sent = clickThenTone(toneOf.at(who));
        const auto sentClick = static_cast<std::size_t>(kLeadSeconds * 48000);
        const std::size_t toneFrom = 480 + 24000 + 4800;  // after the click, into the tone
        REQUIRE(audio.size() > *click + toneFrom + 4 * 48000);
        // (The click's detected onset is within a few samples of it; the tone is compared at
        // its best alignment within 10 ms of there.)
        const long clickLag = static_cast<long>(*click) - static_cast<long>(sentClick);
        const auto aligned = align(sent, sentClick + toneFrom, 48000, audio, clickLag - 480, clickLag + 480);
        const double match = correlation(sent, sentClick + toneFrom, audio,
                                         static_cast<std::size_t>(static_cast<long>(sentClick + toneFrom) + aligned.lag), 4 * 48000);
        std::cout << "recording: " << who << "'s track: click at " << clickAtMs[who] << " ms, tone correlation " << match << "\n";
        CHECK(match > 0.95);
    }
    // The mix, made seconds after the end: everyone recorded is in it, the mentor is not.
    const std::string mixFile = (std::filesystem::path(folder) / std::filesystem::path(fileOf.begin()->second).parent_path() / "mix.opus").string();
    for (int attempt = 0; attempt < 100 && !std::filesystem::exists(mixFile); ++attempt)
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    const auto mix = decodeOggOpus(f.dir, mixFile);
    REQUIRE(mix);
    double allFrom = 0, allTo = 1e9;  // when every recorded tone plays, on the timeline (s)
    for (const auto& [who, atMs] : clickAtMs) {
        allFrom = std::max(allFrom, atMs / 1000.0 + 0.6);
        allTo = std::min(allTo, atMs / 1000.0 + 5.4);
    }
    REQUIRE(allTo - allFrom > 1.0);
    const auto from = static_cast<std::size_t>(allFrom * 48000), n = static_cast<std::size_t>((allTo - allFrom) * 48000);
    for (const auto& [who, hz] : toneOf) {
        const double level = toneAmplitude(*mix, from, n, hz);
        std::cout << "recording: in the mix, " << who << "'s tone at " << level << "\n";
        if (who == "mentor") CHECK(level < 0.02);
        else CHECK(level > 0.2);  // 0.5 sent; three at once, kept under full scale
    }

    // An operator sees it in /metrics: the bytes written (all but each file's last page),
    // no packets dropped, nothing being recorded any more, and the database's job times.
    {
        std::uintmax_t fileBytes = 0;
        for (const auto& [who, file] : fileOf) fileBytes += std::filesystem::file_size(folder + "/" + file);
        const std::string metrics = httpRequest(f.server->port(), "GET", "/metrics", "", "").body;
        const auto value = [&](const std::string& name) {
            const auto at = metrics.find("\n" + name + " ");
            REQUIRE(at != std::string::npos);
            return std::stod(metrics.substr(at + name.size() + 2));
        };
        std::cout << "recording: /metrics counts " << value("samspil_recording_bytes_written_total") << " bytes written, the files hold "
                  << fileBytes << "\n";
        CHECK(value("samspil_recording_bytes_written_total") > 0.9 * static_cast<double>(fileBytes));
        CHECK(value("samspil_recording_bytes_written_total") <= static_cast<double>(fileBytes));
        CHECK(value("samspil_recording_packets_dropped_total") == 0);
        CHECK(value("samspil_recordings_active") == 0);
        CHECK(value("samspil_database_job_seconds_count") > 10);
    }

    // The tracks line up: each click sits where the server's clock says it was played,
    // relative to the others, within 5 ms.
    for (const auto& [a, atA] : clickAtMs)
        for (const auto& [b, atB] : clickAtMs) {
            if (a >= b) continue;
            const double offByMs = (atA - atB) - (sentClickServerMs[a] - sentClickServerMs[b]);
            std::cout << "recording: " << a << " against " << b << ": " << offByMs << " ms off\n";
            CHECK(std::abs(offByMs) < 5.0);
        }
}

TEST_CASE("kill -9 while a lesson is recorded: the track plays to within a second of the kill, and is marked interrupted",
          "[integration][recording][crash]") {
    SchoolFixture f;
    REQUIRE(writeWavFile(f.dir.file("teacher.wav"), AudioBuffer{1, 48000, clickThenTone(440)}));
    CliRun teacher(f.dir, "teacher", cliArgs(f, "teacher", f.dir.file("teacher.wav"), 20, {"--record-lesson"}));
    std::this_thread::sleep_for(std::chrono::seconds(6));  // the click at 2 s and a few seconds of tone are recorded
    f.server->process().signal(SIGKILL);
    REQUIRE(f.server->process().wait(std::chrono::seconds(10)) == 128 + SIGKILL);
    teacher.process().signal();
    teacher.finish();

    // The next start marks it interrupted and cuts its file back to whole pages.
    const int port = f.server->port();
    f.server = std::make_unique<TestServer>(f.dir, std::vector<std::string>{}, port, false);
    std::string status;
    std::string file;
    for (int attempt = 0; attempt < 50 && status != "interrupted"; ++attempt) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        auto dbConnection = server::openDatabase(f.server->databasePath());
    auto& db = *dbConnection;
        auto row = db.prepare(
            "SELECT r.status, t.file FROM recordings r JOIN recording_tracks t ON t.recording_id = r.id ORDER BY r.id DESC");
        if (row.step()) status = row.columnText(0), file = row.columnText(1);
    }
    REQUIRE(status == "interrupted");
    const std::string path =
        (std::filesystem::path(f.server->recordingsDir()) / file).string();
    const auto decoded = decodeOggOpus(f.dir, path);
    REQUIRE(decoded);
    const auto& audio = *decoded;
    const auto click = findOnset(audio, 0.3f);
    REQUIRE(click);
    // The teacher joined and started recording within the first second; the kill came 6 s
    // after the start: at least the click and 2 s of tone after it are there.
    std::cout << "recording: after kill -9, the track holds " << static_cast<double>(audio.size()) / 48000.0 << " s\n";
    CHECK(audio.size() >= *click + 2 * 48000);

    // It is still there to listen to: listed as interrupted, and its mix is made after the
    // restart (the lesson's end never came), downloadable.
    nlohmann::json listed;
    for (int attempt = 0; attempt < 100 && !(listed.is_object() && listed["mix"].is_string()); ++attempt) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        const auto list = f.call("GET", "recordings", nullptr, f.token["teacher"]);
        if (list.status == 200 && !list.body["recordings"].empty()) listed = list.body["recordings"][0];
    }
    REQUIRE(listed.is_object());
    CHECK(listed["status"] == "interrupted");
    REQUIRE(listed["mix"].is_string());
    const auto mix = httpRequest(f.server->port(), "GET", listed["mix"].get<std::string>(), "", f.token["teacher"]);
    CHECK(mix.status == 200);
    CHECK(mix.body.size() > 1000);
}

TEST_CASE("recordings in the API: who may list, open, download (whole or a range) and delete them",
          "[integration][recording][untimed]") {
    SchoolFixture f;
    REQUIRE(f.call("PATCH", "rooms/" + std::to_string(f.roomId), {{"drop_in", true}}, f.token["teacher"]).status == 200);
    REQUIRE(writeWavFile(f.dir.file("teacher.wav"), AudioBuffer{1, 48000, clickThenTone(440)}));
    REQUIRE(writeWavFile(f.dir.file("student.wav"), AudioBuffer{1, 48000, clickThenTone(660)}));
    {
        CliRun teacher(f.dir, "teacher", cliArgs(f, "teacher", f.dir.file("teacher.wav"), 4, {"--record-lesson"}));
        std::this_thread::sleep_for(std::chrono::milliseconds(500));
        CliRun student(f.dir, "student", cliArgs(f, "student", f.dir.file("student.wav"), 3));
        REQUIRE(student.finish() == 0);
        REQUIRE(teacher.finish() == 0);
    }
    const auto [status, tracks] = newestRecording(f.server->databasePath());
    REQUIRE(status == "complete");

    // Who sees it: the teacher and the student who were in it, and the school's admin.
    const std::map<std::string, std::size_t> sees{{"teacher", 1}, {"student", 1}, {"admin", 1}, {"student2", 0},
                                                  {"teacherB", 0}, {"adminB", 0}};
    for (const auto& [who, count] : sees) {
        INFO(who);
        const auto list = f.call("GET", "recordings", nullptr, f.token[who]);
        REQUIRE(list.status == 200);
        CHECK(list.body["recordings"].size() == count);
    }
    CHECK(f.call("GET", "recordings").status == 401);
    const auto listed = f.call("GET", "recordings", nullptr, f.token["student"]).body["recordings"][0];
    const std::int64_t id = listed["id"];
    CHECK(listed["title"] == "Klaverværelset");
    CHECK(listed["status"] == "complete");
    CHECK(listed["length_ms"].get<std::int64_t>() > 2000);
    REQUIRE(listed["tracks"].size() == 2);
    for (const std::string who : {"student2", "teacherB", "adminB"})
        CHECK(f.call("GET", "recordings/" + std::to_string(id), nullptr, f.token[who]).status == 404);
    CHECK(f.call("GET", "recordings/" + std::to_string(id), nullptr, f.token["admin"]).status == 200);

    // The download: the file as stored, whole or the range asked for.
    const std::string download = listed["tracks"][0]["download"];
    const std::string folder = f.server->recordingsDir();
    const std::string file = folder + "/" + tracks[0].file;
    std::ifstream in(file, std::ios::binary);
    const std::string stored((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    REQUIRE(stored.size() > 1000);
    const auto whole = httpRequest(f.server->port(), "GET", download, "", f.token["student"]);
    CHECK(whole.status == 200);
    CHECK(whole.headers.find("content-type: audio/ogg") != std::string::npos);
    CHECK(whole.headers.find("accept-ranges: bytes") != std::string::npos);
    CHECK(whole.body == stored);
    const auto part = httpRequest(f.server->port(), "GET", download, "", f.token["student"], "Range: bytes=100-199\r\n");
    CHECK(part.status == 206);
    CHECK(part.headers.find("content-range: bytes 100-199/" + std::to_string(stored.size())) != std::string::npos);
    CHECK(part.body == stored.substr(100, 100));
    const auto tail = httpRequest(f.server->port(), "GET", download, "", f.token["teacher"], "Range: bytes=-10\r\n");
    CHECK(tail.body == stored.substr(stored.size() - 10));
    const auto beyond = httpRequest(f.server->port(), "GET", download, "", f.token["teacher"],
                                    "Range: bytes=" + std::to_string(stored.size()) + "-\r\n");
    CHECK(beyond.status == 416);
    CHECK(httpRequest(f.server->port(), "GET", download, "", f.token["student2"]).status == 404);
    CHECK(httpRequest(f.server->port(), "GET", download).status == 401);
    CHECK(httpRequest(f.server->port(), "GET", "/api/v1/recordings/" + std::to_string(id) + "/tracks/999999", "", f.token["teacher"]).status == 404);
    CHECK(httpRequest(f.server->port(), "GET", "/api/v1/recordings/" + std::to_string(id) + "/tracks/../../samspil.db", "",
                      f.token["admin"]).status == 404);

    // The listen link (for the page's <audio> element, which sends no Authorization header):
    // the same file, whole or a range, for this recording only, and not once tampered with.
    const std::string listen = listed["tracks"][0]["listen"];
    REQUIRE(listen.rfind(download + "?ticket=", 0) == 0);
    CHECK(httpRequest(f.server->port(), "GET", listen).body == stored);
    const auto seek = httpRequest(f.server->port(), "GET", listen, "", "", "Range: bytes=500-\r\n");
    CHECK(seek.status == 206);
    CHECK(seek.body == stored.substr(500));
    std::string tampered = listen;
    tampered.back() = tampered.back() == '0' ? '1' : '0';
    CHECK(httpRequest(f.server->port(), "GET", tampered).status == 401);
    const std::string ticket = listen.substr(listen.find("?ticket="));
    CHECK(httpRequest(f.server->port(), "GET", "/api/v1/recordings/" + std::to_string(id + 1) + "/mix" + ticket).status == 401);
    CHECK(httpRequest(f.server->port(), "GET", "/api/v1/recordings/" + std::to_string(id) + "/tracks/999999" + ticket).status == 404);
    CHECK(httpRequest(f.server->port(), "GET", "/api/v1/recordings" + ticket).status == 401);  // opens files, nothing else
    CHECK(listed["you_may_delete"] == false);
    CHECK(f.call("GET", "recordings/" + std::to_string(id), nullptr, f.token["teacher"]).body["you_may_delete"] == true);

    // Deleting: not by a student; the teacher may, and it is gone from the API and the disk,
    // with an audit row.
    CHECK(f.call("DELETE", "recordings/" + std::to_string(id), nullptr, f.token["student"]).status == 403);
    CHECK(f.call("DELETE", "recordings/" + std::to_string(id), nullptr, f.token["teacher"]).status == 204);
    CHECK_FALSE(std::filesystem::exists(file));
    CHECK(f.call("GET", "recordings", nullptr, f.token["admin"]).body["recordings"].empty());
    CHECK(httpRequest(f.server->port(), "GET", download, "", f.token["teacher"]).status == 404);
    CHECK(httpRequest(f.server->port(), "GET", listen).status == 404);
    const auto audit = f.call("GET", "schools/1/audit", nullptr, f.token["admin"]);
    bool deletionAudited = false;
    for (const auto& entry : audit.body["entries"]) deletionAudited = deletionAudited || entry["action"] == "recording.delete";
    CHECK(deletionAudited);
}

TEST_CASE("a school's retention: a recording older than it is deleted from the API and the disk, with an audit row",
          "[integration][recording][untimed]") {
    SchoolFixture f;
    REQUIRE(writeWavFile(f.dir.file("teacher.wav"), AudioBuffer{1, 48000, clickThenTone(440)}));
    {
        CliRun teacher(f.dir, "teacher", cliArgs(f, "teacher", f.dir.file("teacher.wav"), 3, {"--record-lesson"}));
        REQUIRE(teacher.finish() == 0);
    }
    const auto [status, tracks] = newestRecording(f.server->databasePath());
    REQUIRE(status == "complete");
    REQUIRE(tracks.size() == 1);
    const std::string file = (std::filesystem::path(f.server->recordingsDir()) / tracks[0].file).string();
    REQUIRE(std::filesystem::exists(file));

    // The admin keeps recordings for a week; a teacher may not change that.
    CHECK(f.call("PATCH", "schools/1", {{"recording_retention_days", 7}}, f.token["teacher"]).status == 403);
    CHECK(f.call("PATCH", "schools/1", {{"recording_retention_days", 0}}, f.token["admin"]).status == 400);
    const auto set = f.call("PATCH", "schools/1", {{"recording_retention_days", 7}}, f.token["admin"]);
    REQUIRE(set.status == 200);
    CHECK(set.body["recording_retention_days"] == 7);

    // The clock is the command's --as-of: six days on, it stays; eight days on, it goes.
    auto expireAsOf = [&](int days) {
        const std::int64_t asOfMs =
            std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count() +
            std::int64_t{days} * 86'400'000;
        ChildProcess command(serverBinary(), {"admin", "expire-recordings", "--db", f.server->databasePath(),
                                              "--recordings-dir", f.dir.file("var/recordings"), "--as-of",
                                              std::to_string(asOfMs)},
                             f.dir.path(), f.dir.file("expire-" + std::to_string(days)));
        REQUIRE(command.wait(std::chrono::seconds(20)) == 0);
        return command.stdoutText();
    };
    CHECK(expireAsOf(6).find("deleted 0 recordings") != std::string::npos);
    CHECK(f.call("GET", "recordings", nullptr, f.token["teacher"]).body["recordings"].size() == 1);
    CHECK(expireAsOf(8).find("deleted 1 recording ") != std::string::npos);
    CHECK(f.call("GET", "recordings", nullptr, f.token["teacher"]).body["recordings"].empty());
    CHECK_FALSE(std::filesystem::exists(file));
    bool audited = false;
    const auto auditLog = f.call("GET", "schools/1/audit", nullptr, f.token["admin"]);
    INFO(auditLog.body.dump().substr(0, 600));
    for (const auto& entry : auditLog.body["entries"])
        audited = audited || (entry["action"] == "recording.expire" && entry["actor_name"] == "samspil-server");
    CHECK(audited);
}
