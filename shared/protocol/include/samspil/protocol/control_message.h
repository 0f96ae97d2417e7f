// JSON control messages (text frames). Parsing is pure and total: any text gives
// a typed message or a typed error. Field names and shapes: docs/protocol.md.
#pragma once

#include "samspil/protocol/error_code.h"
#include "samspil/protocol/video_control.h"
#include "samspil/protocol/wire_time.h"
#include "samspil/base/expected.h"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace samspil::protocol {

/// The protocol version in every control message ("v").
inline constexpr int kProtocolVersion = 1;
/// The WebSocket subprotocol both sides must name.
inline constexpr std::string_view kSubprotocol = "samspil.v1";
/// The largest text frame either side accepts.
inline constexpr std::size_t kMaxControlMessageBytes = 64 * 1024;
/// The longest node address a `moved` error may carry.
inline constexpr std::size_t kMaxNodeUrlBytes = 512;

// ---- client → server -------------------------------------------------------

/// Enter a room. token / invite are carried for the accounts layer.
struct JoinRequest {
    std::string room;
    std::string name;
    std::optional<std::string> token;
    std::optional<std::string> invite;
};

/// Describes the sender's audio stream so receivers can set up and measure it.
struct StreamInfo {
    int channels = 1;                          ///< 1 or 2
    int frameSamples = 240;                    ///< 120, 240, 480 or 960 (2.5 / 5 / 10 / 20 ms)
    std::optional<WireTime> epochServerUs;     ///< server-clock time of media timestamp 0
};

/// A chat line typed by the user.
struct ChatSend {
    std::string text;
};

/// Clock probe; the server answers with Pong.
struct Ping {
    std::uint32_t id = 0;
    WireTime clientUs;  ///< sender's monotonic clock when sent
};

/// Leave the room on purpose (the connection then closes normally).
struct Leave {};

/// The first message on a second WebSocket that carries a participant's media again (the
/// browser's "media twin", docs/protocol.md): the session id and key of its welcome's offer.
struct MediaTwin {
    std::uint32_t sessionId = 0;
    std::string key;
};

// The teacher's controls. Only the room's teacher may send them (else not_allowed).

/// Let a participant in from the waiting room.
struct Admit {
    std::uint32_t participantId = 0;
};

/// Mute or unmute a participant: the server stops (or resumes) forwarding their audio.
struct Mute {
    std::uint32_t participantId = 0;
    bool muted = true;
};

/// Send a participant out of the room (they cannot come back while the room is open).
struct Remove {
    std::uint32_t participantId = 0;
};

/// Lock or unlock the room: while locked, only teachers may join.
struct Lock {
    bool locked = true;
};

/// Make another teacher or mentor in the room its teacher.
struct HandOver {
    std::uint32_t participantId = 0;
};

/// Share a tempo and time signature with the room (a songwriter's DAW through the plugin).
/// Any participant in the room; the latest one is what the room has.
struct TempoShare {
    double bpm = 120.0;        ///< 20 .. 400
    int numerator = 4;         ///< 1 .. 32 beats per bar
    int denominator = 4;       ///< 1, 2, 4, 8, 16 or 32
};

/// Start or stop recording the lesson (the participant holding the room's controls, in a
/// school's room). Everyone in the room is told before anything is stored.
struct Record {
    bool on = true;
    bool take = false;  ///< a take: one bar's count-in on the room's metronome, then from a bar line
};

/// Start, change or stop the room's metronome (the teacher in a school's room, anyone in
/// an open room). The server answers everyone with the grid (RoomMetronome).
struct MetronomeSet {
    bool running = true;
    double bpm = 90.0;     ///< 20 .. 400
    int beatsPerBar = 4;   ///< 1 .. 16
    bool accent = true;    ///< beat one higher and louder
    int intervalBars = 0;  ///< interval mode: hear everyone this many bars late (1 .. 16); 0 live
    /// A bar line of the sender's own timeline (a DAW's transport) on the server's clock:
    /// the grid's bar lines fall on it and every bar before and after (the DAW as the source).
    std::optional<WireTime> barServerUs = std::nullopt;
};

using ClientMessage =
    std::variant<JoinRequest, StreamInfo, ChatSend, Ping, Leave, Admit, Mute, Remove, Lock, HandOver, TempoShare,
                 MediaTwin, Record, MetronomeSet, VideoAttach, CameraSet, VideoSubscribe, KeyframeRequest, VideoReport,
                 Pin, CameraBlock>;

// ---- server → client -------------------------------------------------------

/// Join accepted: who you are in this room.
/// The server's offer of the UDP fast path (docs/protocol.md, "The UDP path").
struct UdpOffer {
    std::uint16_t port = 0;        ///< on the same host as the WebSocket
    std::uint32_t sessionId = 0;   ///< goes in every datagram's header
    std::string key;               ///< 32 bytes, standard base64 with padding
};

struct Welcome {
    std::uint32_t participantId = 0;
    std::uint16_t streamId = 0;   ///< the stream id the server stamps on your media
    std::string room;
    WireTime serverUs;            ///< server clock when sent
    std::string role = "participant";       ///< teacher, student, mentor, guest; participant in open rooms
    std::optional<std::string> resumeToken; ///< for invite guests: use it as token when reconnecting
    std::optional<UdpOffer> udp;            ///< absent when the server offers no UDP path
    std::optional<std::string> videoToken;  ///< attaches a video WebSocket to this participant
};

/// One participant as everybody in the room sees them.
struct PeerInfo {
    std::uint32_t participantId = 0;
    std::uint16_t streamId = 0;
    std::string name;
    std::optional<StreamInfo> stream;  ///< absent until the participant announced one
    std::string role = "participant";
    bool muted = false;                ///< muted by the teacher
    CameraState camera = CameraState::Off;
    bool cameraBlocked = false;        ///< the teacher turned their camera off
};

/// You are in the waiting room; the teacher will let you in (then welcome follows).
struct Waiting {
    std::string room;
    std::uint32_t participantId = 0;
};

/// Someone waiting to be let in.
struct WaitingPeer {
    std::uint32_t participantId = 0;
    std::string name;
    std::string role;
};

/// A take's place on the room's metronome grid: the count-in bar, then the take from the
/// next bar line (both on the server's clock).
struct TakeTiming {
    WireTime countInServerUs;  ///< the count-in bar's first beat
    WireTime startServerUs;    ///< the take's sample 0: a bar line
    double bpm = 90.0;
    int beatsPerBar = 4;
};

/// The room is being recorded: since when, and who is left out of it (no consent).
struct RecordingState {
    std::int64_t startedAtMs = 0;                 ///< Unix time in milliseconds
    std::vector<std::uint32_t> notRecorded;      ///< participants in the room left out of the recording
    std::optional<TakeTiming> take;              ///< absent for a lesson recording
};

/// The room's controls, sent to everyone in the room on every change. Only teachers and
/// mentors see who is waiting.
struct RoomState {
    bool locked = false;
    std::uint32_t teacherParticipantId = 0;  ///< 0 when no teacher is in the room
    std::vector<WaitingPeer> waiting;
    std::optional<RecordingState> recording; ///< absent (null) when the room is not being recorded
    std::uint32_t pinnedParticipantId = 0;   ///< shown large to everyone; 0 when nobody is pinned
};

/// Something happened to you: code is stable ("muted", "unmuted", "now_teacher"), message is for people.
struct Notice {
    std::string code;
    std::string message;
};

/// The whole participant list, sent to everyone on every change.
struct PeerList {
    std::vector<PeerInfo> peers;
};

/// A chat line as stored and relayed by the server.
struct ChatMessage {
    std::uint64_t id = 0;            ///< increases by one per message in a room
    std::uint32_t participantId = 0; ///< 0 when replayed from before this server run
    std::string name;
    std::string text;
    std::int64_t sentAtMs = 0;       ///< Unix time in milliseconds
};

/// The last messages of a room, oldest first, sent after join.
struct ChatHistory {
    std::vector<ChatMessage> messages;
};

/// The room's shared tempo: sent to everyone when someone shares one, and to newcomers.
struct RoomTempo {
    std::uint32_t participantId = 0;  ///< who shared it
    std::string name;
    TempoShare tempo;
};

/// The room's metronome as a grid on the server's clock: beat k sounds at
/// startServerUs + k × 60/bpm seconds (k ≥ 0; bar lines every beatsPerBar beats). Every
/// client plays its clicks so they leave its sound card at those instants. Sent to everyone
/// when it changes, and to newcomers while it runs.
struct RoomMetronome {
    bool running = false;
    double bpm = 90.0;
    int beatsPerBar = 4;
    bool accent = true;
    WireTime startServerUs;           ///< beat 0, bar 1 (server clock, µs)
    std::uint32_t participantId = 0;  ///< who set it
    std::string name;
    int intervalBars = 0;  ///< interval mode from startServerUs on: everyone heard this many bars late; 0 live

    /// The interval's length in µs (0 when live).
    std::int64_t intervalUs() const {
        return running && intervalBars > 0 ? static_cast<std::int64_t>(intervalBars * beatsPerBar * 60e6 / bpm + 0.5) : 0;
    }
};

/// Answer to Ping.
struct Pong {
    std::uint32_t id = 0;
    WireTime clientUs;
    WireTime serverUs;
};

/// Something went wrong; fatal means the server closes the connection after it.
struct ErrorMessage {
    ErrorCode code = ErrorCode::Internal;
    std::string message;
    bool fatal = false;
    /// With `moved`: the WebSocket URL of the node that holds the room (ws:// or wss://,
    /// at most 512 bytes; checked when parsed).
    std::optional<std::string> url;
};

using ServerMessage =
    std::variant<Welcome, PeerList, ChatMessage, ChatHistory, Pong, ErrorMessage, Waiting, RoomState, Notice, RoomTempo,
                 RoomMetronome, VideoDemand>;

/// Why a text frame could not be turned into a message.
struct ControlParseError {
    ErrorCode code;      ///< BadJson, BadMessage, UnknownType, UnsupportedVersion or MessageTooLarge
    std::string detail;  ///< which field or what was wrong, for the error sentence
};

/// Parses a text frame sent by a client, on a server whose clock reads serverNowUs: the
/// server-clock times in it (a stream's epoch, a bar line) must lie within
/// WireTime::kServerReachUs of it.
[[nodiscard]] Expected<ClientMessage, ControlParseError> parseClientMessage(std::string_view text,
                                                                            std::int64_t serverNowUs);
/// Parses a text frame sent by the server.
[[nodiscard]] Expected<ServerMessage, ControlParseError> parseServerMessage(std::string_view text);

/// Encodes a message as compact JSON (invalid UTF-8 in strings is replaced, never thrown).
std::string serialize(const ClientMessage& message);
std::string serialize(const ServerMessage& message);

/// An ErrorMessage with the code's standard sentence, plus detail when given.
ErrorMessage makeError(ErrorCode code, std::string_view detail = {}, bool fatal = false);

}  // namespace samspil::protocol
