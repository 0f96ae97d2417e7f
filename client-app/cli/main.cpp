// samspil-cli: join a room headless, send a tone or a file, record what is heard,
// print the figures. See --help.
#include "audio_source.h"
#include "cli_video.h"
#include "cli_options.h"
#include "media_loop.h"
#include "room_view.h"
#include "samspil/time/clock.h"
#include "samspil/net/http_client.h"
#include "samspil/net/line_check.h"

#include <nlohmann/json.hpp>

#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>

using namespace samspil;
using namespace samspil::cli;

namespace {

std::atomic<bool> stopRequested{false};

void onStopSignal(int) {
    stopRequested.store(true);
}

// --line-check: one JSON object on stdout; exit 4 when the server cannot be reached.
int runLineCheck(const CliOptions& options) {
    net::LineCheckOptions check;
    check.allowSelfSignedTls = options.allowSelfSigned;
    check.caFile = options.caFile;
    auto result = net::runLineCheck(options.server, check);
    if (!result) {
        std::cerr << "samspil-cli: " << result.error() << "\n";
        return 4;
    }
    const nlohmann::json json{{"sent", result->sent},
                              {"answered", result->answered},
                              {"rtt_min_ms", result->minRoundTripMs},
                              {"rtt_median_ms", result->medianRoundTripMs},
                              {"rtt_max_ms", result->maxRoundTripMs},
                              {"jitter_ms", result->jitterMs},
                              {"loss_percent", result->lossPercent},
                              {"summary", net::describeLineCheck(*result)}};
    std::cout << json.dump() << "\n";
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    auto options = parseCliOptions(std::vector<std::string>(argv + 1, argv + argc));
    if (!options) {
        std::cerr << "samspil-cli: " << options.error() << "\n";
        return 2;
    }
    if (options->showHelp) {
        std::cout << cliHelpText();
        return 0;
    }
    if (options->lineCheck) return runLineCheck(*options);

    std::unique_ptr<AudioSource> source;
    if (options->toneHz) source = std::make_unique<ToneSource>(*options->toneHz, options->toneLevel);
    if (options->sendFile) {
        auto wav = WavSource::load(*options->sendFile);
        if (!wav) {
            std::cerr << "samspil-cli: " << wav.error() << "\n";
            return 2;
        }
        source = std::move(*wav);
    }
    if (options->playOnClick && !source) source = std::make_unique<SilenceSource>();
    if (options->recordDir) {
        std::error_code error;
        std::filesystem::create_directories(*options->recordDir, error);
        if (error) {
            std::cerr << "samspil-cli: cannot create " << *options->recordDir << ": " << error.message() << "\n";
            return 2;
        }
    }

    if (options->signInLogin) {
        std::string password;
        if (options->passwordFile) {
            std::ifstream in(*options->passwordFile);
            std::getline(in, password);
        } else if (const char* fromEnvironment = std::getenv("SAMSPIL_PASSWORD")) {
            password = fromEnvironment;
        }
        net::HttpOptions http;
        http.allowSelfSignedTls = options->allowSelfSigned;
        http.caFile = options->caFile;
        auto token = net::signIn(options->server, *options->signInLogin, password, http);
        if (!token) {
            std::cerr << "samspil-cli: sign-in failed: " << token.error() << "\n";
            return 3;
        }
        options->token = *token;
    }

    net::SessionConfig config;
    config.serverUrl = options->server;
    config.room = options->room;
    config.name = options->name;
    config.token = options->token;
    config.invite = options->invite;
    config.channels = options->channels;
    config.frameSamples = options->frameSamples;
    config.allowSelfSignedTls = options->allowSelfSigned;
    config.caFile = options->caFile;
    config.useUdp = options->useUdp;
    config.udpRedundancy = options->udpRedundancy;
    config.video = options->camera.has_value() || options->watchLayer.has_value();

    net::SessionClient* sessionForChat = nullptr;
    std::function<void(std::uint32_t)> admit;
    if (options->admitAll)
        admit = [&](std::uint32_t participant) { sessionForChat->sendControl(protocol::Admit{participant}); };
    // The room's metronome: in a school's room once we hold the controls, in an open room at once.
    std::atomic<bool> metronomeAsked{false};
    auto startMetronome = [&] {
        if (!options->metronomeBpm || metronomeAsked.exchange(true)) return;
        sessionForChat->sendControl(
            protocol::MetronomeSet{true, *options->metronomeBpm, options->metronomeBeats, true, options->intervalBars});
    };
    RoomView* roomView = nullptr;
    RoomView room([&] {
        for (const auto& line : options->chat) sessionForChat->sendChat(line);
        if (roomView->role() == "participant") startMetronome();  // an open room: no controls to wait for
    }, admit);
    roomView = &room;
    net::SessionClient session(config, room);
    sessionForChat = &session;
    // Video (before start: its hooks run from the first welcome on).
    std::optional<CliVideo> video;
    if (config.video) {
        video.emplace(*options, session);
        room.onVideo(video->hooks());
    }
    if (options->recordLesson) room.onControls([&] { session.sendControl(protocol::Record{true}); });
    // A take needs the room's metronome: asked for once it runs (we hold the controls by then).
    std::atomic<bool> takeAsked{false};
    if (options->recordTake)
        room.onMetronomeRunning([&] {
            if (!takeAsked.exchange(true)) session.sendControl(protocol::Record{true, true});
        });
    if (options->metronomeBpm) room.onControls(startMetronome);

    // The engine is made before connecting, so the loop ticks as soon as media can come.
    MediaLoop loop(*options, session, room, std::move(source));

    std::signal(SIGINT, onStopSignal);
    std::signal(SIGTERM, onStopSignal);
    if (auto started = session.start(); !started) {
        std::cerr << "samspil-cli: " << started.error() << "\n";
        return 2;
    }

    std::optional<std::int64_t> deadline;
    if (options->durationSeconds)
        deadline = monotonicMicros() + static_cast<std::int64_t>(*options->durationSeconds * 1e6);
    loop.run(stopRequested, deadline);
    if ((options->recordLesson || options->recordTake) && room.recordingNow()) session.sendControl(protocol::Record{false});
    session.leave();
    loop.finish();

    if (options->stats) {
        nlohmann::json report = loop.report();
        if (video) report["video"] = video->report(report["peers"]);
        report["name"] = options->name;
        report["room"] = options->room;
        report["frame_ms"] = options->frameSamples / 48.0;
        report["channels"] = options->channels;
        const net::SessionCounters counters = session.counters();
        report["reconnects"] = counters.reconnects;
        report["media_received"] = counters.mediaReceived;
        report["media_receive_dropped"] = counters.mediaReceiveDropped;
        report["send_dropped"] = counters.mediaSendDropped;
        report["udp"] = {{"state", std::string(net::toString(counters.udpState))},
                         {"media_sent", counters.mediaSentUdp},
                         {"media_received", counters.mediaReceivedUdp},
                         {"fallbacks", counters.udpFallbacks},
                         {"returns", counters.udpReturns},
                         {"rejected", counters.udpRejected}};
        report["media_sent"] = counters.mediaSent;
        if (auto rtt = session.roundTripUs()) report["rtt_ms"] = static_cast<double>(*rtt) / 1000.0;
        if (auto offset = session.serverClockOffsetUs()) report["clock_offset_us"] = *offset;
        report["chat"] = nlohmann::json::array();
        for (const auto& chat : room.chat())
            report["chat"].push_back({{"id", chat.id}, {"name", chat.name}, {"text", chat.text}});
        report["errors"] = nlohmann::json::array();
        for (const auto& error : room.errors())
            report["errors"].push_back({{"code", protocol::errorCodeName(error.code)}, {"message", error.message}});
        report["joined"] = room.everJoined();
        report["role"] = room.role();
        report["waited"] = room.waited();
        report["welcome_server_us"] = room.welcomeServerUs();
        if (auto seen = room.recordingSeenUs()) report["recording_seen_local_us"] = *seen;
        report["notices"] = nlohmann::json::array();
        for (const auto& notice : room.notices()) report["notices"].push_back({{"code", notice.code}, {"message", notice.message}});
        std::cout << report.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << std::endl;
    }
    if (room.refused()) return 3;
    if (!room.everJoined()) return 4;
    return 0;
}
