// Command-line options of samspil-cli.
#pragma once

#include "samspil/protocol/video_control.h"

#include "samspil/base/expected.h"

#include <optional>
#include <string>
#include <vector>

namespace samspil::cli {

struct CliOptions {
    std::string server;                 ///< ws://host:port[/ws]
    std::string room;
    std::string name;
    std::optional<std::string> sendFile;  ///< WAV to send (48 kHz)
    std::optional<double> toneHz;         ///< sine to send instead
    double toneLevel = 0.5;               ///< peak amplitude of the tone
    std::optional<std::string> recordDir; ///< write DIR/<peer>.wav
    std::optional<double> durationSeconds;///< stop after this long (else at SIGINT/SIGTERM)
    int frameSamples = 240;               ///< from --frame-ms
    int channels = 1;
    int bitrate = 64000;
    bool stats = false;
    bool allowSelfSigned = false;
    bool useUdp = true;             ///< take the UDP fast path when offered
    int udpRedundancy = 1;          ///< previous frames repeated in each UDP datagram
    std::string caFile;
    std::optional<std::string> token;
    std::optional<std::string> invite;
    std::optional<std::string> signInLogin;  ///< sign in first; password from passwordFile or $SAMSPIL_PASSWORD
    std::optional<std::string> passwordFile;
    bool admitAll = false;                ///< as the room's teacher, let everyone in who waits
    bool recordLesson = false;            ///< as the room's teacher, record the lesson while in it
    bool recordTake = false;              ///< as the room's teacher, record a take on the room's metronome
    bool playOnClick = false;             ///< play a click on every beat of the room's metronome (a musician on the click)
    std::optional<double> metronomeBpm;   ///< start the room's metronome at this tempo once joined
    int metronomeBeats = 4;               ///< its beats per bar
    int intervalBars = 0;                 ///< start it in interval mode: everyone heard this many bars late
    std::optional<double> liveAfterSeconds;  ///< then switch the room back to live this long after starting
    std::optional<std::string> recordOutput;  ///< write what this client plays (room mix + clicks) to a WAV
    std::vector<std::string> chat;        ///< lines to send once joined
    bool lineCheck = false;               ///< only measure the line to the server, then exit
    std::optional<std::string> camera;    ///< --video: "test-pattern" or a V4L2 device; the camera on once joined
    int videoHighestStep = 4;             ///< --video-max: the best step of the ladder (0 180p15 … 4 720p30)
    std::optional<protocol::VideoLayer> watchLayer;  ///< --watch (large with --video unless said); nullopt: none
    bool showHelp = false;
};

[[nodiscard]] Expected<CliOptions, std::string> parseCliOptions(const std::vector<std::string>& args);

std::string cliHelpText();

}  // namespace samspil::cli
