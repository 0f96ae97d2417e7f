// What a session's video link counts (SessionClient::videoCounters()): a plain copy any
// thread may hold.
#pragma once

#include <cstddef>
#include <cstdint>

namespace samspil::net {

struct VideoLinkCounters {
    std::uint64_t framesSent = 0;        ///< written to the UDP socket or the video WebSocket
    std::uint64_t framesSentUdp = 0;     ///< of those, by UDP
    std::uint64_t framesDropped = 0;     ///< replaced by newer ones before they could go
    std::uint64_t framesReceived = 0;    ///< whole frames from the server, either way
    std::uint64_t framesMalformed = 0;   ///< from the server, not a video frame
    std::uint64_t linkOpens = 0;         ///< times the video WebSocket was attached
    std::size_t queuedBytes = 0;         ///< waiting to be sent now
};

}  // namespace samspil::net
