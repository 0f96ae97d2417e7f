// SessionClient: one participant's connection to a Samspil server over libwebsockets —
// connect, join, send and receive media and control, reconnect with backoff, leave.
// Used as is by samspil-cli, the desktop app and the plugin.
//
// Threads: the client runs its own network thread. Listener callbacks run on it.
// Audio crosses threads only through the two preallocated SPSC queues; the
// *FromAudioThread / *OnAudioThread methods never lock, wait or allocate.
#pragma once

#include "samspil/protocol/control_message.h"
#include "samspil/base/expected.h"
#include "samspil/protocol/media_slot.h"
#include "samspil/net/session_types.h"
#include "samspil/net/video_link_counters.h"
#include "samspil/net/udp_path_machine.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace samspil::net {

/// Counters any thread may read.
struct SessionCounters {
    std::uint64_t mediaSent = 0;             ///< packets written to the socket
    std::uint64_t mediaSendDropped = 0;      ///< outgoing queue full, or not joined yet
    std::uint64_t mediaReceived = 0;         ///< packets read from the socket
    std::uint64_t mediaReceiveDropped = 0;   ///< incoming queue full (the audio side stalled)
    std::uint64_t reconnects = 0;            ///< successful joins after the first
    std::uint64_t malformedFromServer = 0;   ///< frames from the server that did not parse
    std::uint64_t pingsSent = 0;             ///< clock probes sent, over all connections
    std::uint64_t pongsReceived = 0;         ///< and answered
    std::uint64_t wakeUps = 0;               ///< times another thread woke the network thread
    std::uint64_t mediaSentUdp = 0;          ///< of mediaSent, those that went by UDP
    std::uint64_t mediaReceivedUdp = 0;      ///< of mediaReceived, those that came by UDP (copies included)
    std::uint64_t udpFallbacks = 0;          ///< times media moved back to the WebSocket
    std::uint64_t udpReturns = 0;            ///< times it moved to UDP again after a fallback
    std::uint64_t udpRejected = 0;           ///< datagrams that failed authentication or replayed
    std::uint64_t udpDatagramsReceived = 0;  ///< from the server, authentic and fresh
    std::uint64_t udpHighestCounter = 0;     ///< the server's highest datagram counter: what it sent, for the line's loss
    UdpPathState udpState = UdpPathState::Off;  ///< the path's state while last in the room
};

class SessionClient {
public:
    /// The listener must outlive the client.
    SessionClient(SessionConfig config, SessionListener& listener);
    ~SessionClient();  ///< leaves if still running

    SessionClient(const SessionClient&) = delete;
    SessionClient& operator=(const SessionClient&) = delete;

    /// Starts the network thread and connects. Fails at once on a malformed address.
    [[nodiscard]] Expected<bool, std::string> start();

    /// Says goodbye, closes the connection and stops the network thread (waits ≤ ~1 s).
    /// Any thread but the network thread. Idempotent.
    void leave();

    /// Queues a chat line. Any thread but the audio thread.
    void sendChat(std::string text);

    /// Queues any control message (the teacher's admit, mute, remove, lock, hand over).
    /// Any thread but the audio thread.
    void sendControl(const protocol::ClientMessage& message);

    /// Tells receivers where media timestamp 0 lies: the local monotonic µs at which the
    /// first sample of the stream was captured. Calling it again with a new estimate
    /// announces the stream again (the room sees it in the next peers list). Any thread; lock-free.
    void setStreamEpoch(std::int64_t localMonotonicUs);

    /// Changes the stream description the room sees (mono/stereo, frame size) after the join;
    /// announced again like a new epoch. Any thread; lock-free.
    void setStreamFormat(int channels, int frameSamples);

    /// Audio thread: queues one encoded packet for sending. False when the queue is full
    /// (the packet is dropped and counted). Never blocks.
    bool sendMediaFromAudioThread(std::uint32_t sequence, std::uint32_t timestamp, bool stereo,
                                  std::span<const std::uint8_t> opusPacket);

    /// Queues one whole video frame (docs/protocol.md, "Video": the header, then VP8) for
    /// sending: by UDP while the fast path carries media (its datagrams spread over most of a
    /// frame interval, never one burst), else on the video WebSocket. A
    /// frame still waiting when newer ones fill the short queue is dropped (counted). False
    /// when it is not a valid frame. Any thread but an audio thread (it takes a lock).
    bool sendVideoFrame(std::span<const std::uint8_t> frame);
    /// The video's counts. Any thread but an audio thread.
    VideoLinkCounters videoCounters() const;

    /// Audio thread: takes the oldest received packet. False when none is waiting.
    bool popIncomingOnAudioThread(MediaSlot& packet);

    SessionState state() const;
    SessionCounters counters() const;
    /// Server clock minus local clock, once a ping has come back.
    std::optional<std::int64_t> serverClockOffsetUs() const;
    /// Most recent ping round trip to the server.
    std::optional<std::int64_t> roundTripUs() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace samspil::net
