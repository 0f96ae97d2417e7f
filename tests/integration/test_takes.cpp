// Takes that line up: the teacher records a take on the room's metronome from samspil-cli;
// two players each play a click on every beat of the grid they receive, one of them beside
// the server and one behind 30 ms of delay each way (the network lab). They hear each other
// 30+ ms apart, yet in the take's files every click sits on its beat: the take starts on a
// bar line, and each track is placed by its capture timestamps on the server's clock.
// The take's tracks are then exported for a DAW (WAV files and a REAPER project) and the
// clicks checked again there.
#include "netlab_run.h"
#include "opus_tools.h"
#include "samspil/audio/wav_file.h"
#include "school_fixture.h"
#include "signal_analysis.h"
#include "store/database.h"
#include "take_export.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

using namespace samspil;
using namespace samspil::test;
using nlohmann::json;

namespace {

constexpr double kBeatSamples = 24000;  // 120 BPM

struct Take {
    std::int64_t id = 0;
    std::int64_t tempoMilliBpm = 0;
    std::int64_t beatsPerBar = 0;
    std::map<std::string, std::string> fileOf;  // by participant name
};

Take newestTake(const std::string& database) {
    Take take;
    std::string status;
    for (int attempt = 0; attempt < 100 && status != "complete"; ++attempt) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        auto dbConnection = server::openDatabase(database);
    auto& db = *dbConnection;
        auto row = db.prepare("SELECT id, status, take_tempo_millibpm, take_beats_per_bar FROM recordings ORDER BY id DESC LIMIT 1");
        if (!row.step()) continue;
        status = row.columnText(1);
        take = Take{row.columnInt(0), row.columnOptionalInt(2).value_or(0), row.columnOptionalInt(3).value_or(0), {}};
        auto tracks = db.prepare("SELECT participant_name, file FROM recording_tracks WHERE recording_id = ?1");
        tracks.bind(1, take.id);
        while (tracks.step()) take.fileOf[tracks.columnText(0)] = tracks.columnText(1);
    }
    REQUIRE(status == "complete");
    return take;
}

// Each click in a track, against its beat (sample 0 is the take's first bar line): beat →
// error in samples. Prints them; every one within ±limit samples.
std::map<long, double> clicksOnBeats(const std::string& who, const std::vector<float>& audio, double limit) {
    std::map<long, double> errors;
    std::cout << "take: " << who << "'s clicks off their beats (ms):";
    for (const std::size_t onset : sampleOnsets(audio, 0.25f, 4800)) {
        const long beat = std::lround(static_cast<double>(onset) / kBeatSamples);
        errors[beat] = static_cast<double>(onset) - static_cast<double>(beat) * kBeatSamples;
        std::cout << " " << errors[beat] / 48.0;
        CHECK(std::fabs(errors[beat]) <= limit);
    }
    std::cout << "\n";
    return errors;
}

}  // namespace

TEST_CASE("a take: two players on the click, one 30 ms away, line up on the beat in the take's files and in a DAW",
          "[integration][recording][take][netlab]") {
    SchoolInTheLab setup(30);
    SchoolFixture& f = setup.school;
    Lab& lab = setup.lab;
    const auto player = [&](const std::string& who, double seconds, std::vector<std::string> extra) {
        std::vector<std::string> args{"--server", f.server->url(), "--room", "klaver-1", "--name", who, "--token",
                                      f.token.at(who), "--play-on-click", "--duration", std::to_string(seconds), "--stats"};
        args.insert(args.end(), extra.begin(), extra.end());
        return args;
    };
    CliRun teacher(f.dir, "teacher", player("teacher", 9, {"--metronome", "120/4", "--record-take"}), lab.serverSide());
    CliRun student(f.dir, "student", player("student", 9, {}), lab.clientSide());
    REQUIRE(student.finish() == 0);
    REQUIRE(teacher.finish() == 0);
    const auto line = lab.stop();
    CHECK(line["client_to_server"]["forwarded"].get<int>() > 100);
    std::cout << "take: the far player's round trip to the server: " << student.stats()["rtt_ms"] << " ms\n";
    CHECK(student.stats()["rtt_ms"].get<double>() >= 60.0);

    // Everyone saw the take's bar lines: a bar of count-in, then the take.
    for (const CliRun* run : {&teacher, &student}) {
        const json& take = run->stats()["take"];
        REQUIRE(take.is_object());
        CHECK(take["start_server_us"].get<std::int64_t>() - take["count_in_server_us"].get<std::int64_t>() == 2'000'000);
        CHECK((take["count_in_server_us"].get<std::int64_t>() - teacher.stats()["metronome"]["start_server_us"].get<std::int64_t>()) %
                  2'000'000 == 0);
    }

    const Take take = newestTake(f.server->databasePath());
    CHECK(take.tempoMilliBpm == 120'000);
    CHECK(take.beatsPerBar == 4);
    REQUIRE(take.fileOf.size() == 2);
    const std::string folder = f.server->recordingsDir();
    std::map<std::string, std::map<long, double>> clicks;
    for (const auto& [who, file] : take.fileOf) {
        const auto audio = decodeOggOpus(f.dir, folder + "/" + file);
        REQUIRE(audio);
        clicks[who] = clicksOnBeats(who, *audio, 48.0);  // within 1 ms of the beat
        CHECK(clicks[who].size() >= 8);
        CHECK(clicks[who].count(0) == 1);  // the take's first downbeat is in it
    }
    // And with each other.
    double widest = 0;
    int both = 0;
    for (const auto& [beat, error] : clicks["teacher"])
        if (clicks["student"].count(beat)) {
            ++both;
            widest = std::max(widest, std::fabs(error - clicks["student"][beat]));
        }
    std::cout << "take: " << both << " beats played by both; widest gap between the two tracks " << widest / 48.0 << " ms\n";
    CHECK(both >= 8);
    CHECK(widest <= 48.0);

    // For a DAW: a WAV per person from sample 0, and a REAPER project at the take's tempo.
    const std::string daw = f.dir.file("daw");
    std::filesystem::create_directories(daw);
    DawExport request{"Klaverværelset take", {}, 120.0, 4, daw};
    for (const auto& [who, file] : take.fileOf) request.tracks.push_back({who, folder + "/" + file});
    auto exported = exportForDaw(request);
    REQUIRE(exported);
    REQUIRE(exported->wavFiles.size() == 2);
    for (std::size_t i = 0; i < 2; ++i) {
        const auto wav = readWavFile(exported->wavFiles[i]);
        REQUIRE(wav);
        CHECK(wav->sampleRate == 48000);
        const auto again = clicksOnBeats("the DAW's " + request.tracks[i].name, wav->channel(0), 48.0);
        CHECK(again.size() == clicks[request.tracks[i].name].size());
    }
    std::ifstream rpp(exported->reaperProject);
    std::stringstream project;
    project << rpp.rdbuf();
    CHECK(project.str().find("TEMPO 120 4 4") != std::string::npos);
    CHECK(project.str().find("FILE \"teacher.wav\"") != std::string::npos);
    CHECK(project.str().find("FILE \"student.wav\"") != std::string::npos);
    std::ifstream lof(exported->audacityList);
    std::string first;
    std::getline(lof, first);
    CHECK(first == "file \"student.wav\" offset 0");
}
