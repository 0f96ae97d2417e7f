// The limits a server enforces per participant and room. Plain values; the server's own
// defaults below, the tests' own where they need them.
#pragma once

#include "samspil/protocol/media_packet.h"

#include <cstddef>
#include <cstdint>

namespace samspil::server {

/// What one participant may send, at most: a few times what the heaviest legitimate
/// sender needs — 2.5 ms stereo frames (400 a second) at Opus's highest bitrate (510
/// kbit/s, 160 bytes a frame), each frame carried up to three times (UDP redundancy) or
/// twice (a browser's media twin). Beyond it packets are dropped and counted.
struct MediaBudget {
    double packetsPerSecond = 2400;
    double packetsBurst = 2400;      ///< a second's worth at once (a backlog after a stall)
    double bytesPerSecond = 480'000;  ///< 1,200 packets of 160 bytes + header, twice over
    double bytesBurst = 480'000;
};

/// What one participant may send of video, at most: about four times the heaviest legitimate
/// sender — 720p30 at 1.5 Mbit/s with the small layer beside it, a keyframe now and then.
/// Beyond it frames are dropped and counted (and the receivers ask for a keyframe).
struct VideoBudget {
    double framesPerSecond = 150;     ///< two layers at up to 60 frames a second, and more
    double framesBurst = 150;
    double bytesPerSecond = 800'000;  ///< 6.4 Mbit/s
    double bytesBurst = 1'000'000;    ///< two of the largest frames at once
};

struct RoomLimits {
    std::size_t maxParticipantsPerRoom = 128;
    int maxErrorsPerConnection = 20;         ///< bad messages before the connection is closed
    std::int64_t idleTimeoutUs = 15'000'000; ///< silence from a client before it is dropped
    std::int64_t joinTimeoutUs = 10'000'000; ///< time to send join after connecting
    int chatHistoryLength = 50;              ///< messages replayed on join
    std::size_t maxPacketsPerMediaMessage = protocol::kMaxClientMediaMessagePackets;
    std::size_t maxHistoryMessageBytes = 48 * 1024;  ///< chat_history is split to stay under this
    double chatBurst = 10;                   ///< chat lines a participant may send at once
    double chatPerSecond = 2;                ///< and then this many per second
    double streamBurst = 5;                  ///< stream announcements at once (each re-sends the peer list)
    double streamPerSecond = 2;              ///< and then this many per second
    MediaBudget media;
    VideoBudget video;
};

}  // namespace samspil::server
