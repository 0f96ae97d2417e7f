// UdpPathMachine: the client's side of the UDP fast path (docs/protocol.md, "The UDP
// path") with no socket and no clock of its own: after an offer it proves the path with
// hellos, carries media while the server answers, falls back to the WebSocket when the
// path goes quiet, and probes again later. SessionClient runs it on its network thread;
// the unit tests drive it with fake time.
//
// Threads: the network thread only.
#pragma once

#include "samspil/protocol/control_message.h"
#include "samspil/udp/udp_datagram.h"
#include "samspil/udp/udp_timing.h"

#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <string_view>

namespace samspil::net {

enum class UdpPathState {
    Off,      ///< no offer (or the fast path is switched off): media on the WebSocket
    Probing,  ///< hellos sent, no answer yet: media stays on the WebSocket
    Up,       ///< the server answers: media goes by UDP
    Down,     ///< it stopped answering (or never did): media on the WebSocket until a probe succeeds
};

/// "off", "probing", "up", "down".
std::string_view toString(UdpPathState state);

struct UdpPathCounters {
    std::uint64_t datagramsSent = 0;
    std::uint64_t datagramsReceived = 0;  ///< authentic and fresh
    std::uint64_t highestCounter = 0;     ///< the server's highest datagram counter seen: with datagramsReceived, the line's loss
    std::uint64_t rejected = 0;           ///< forged, replayed, for another session, malformed
    std::uint64_t fallbacks = 0;          ///< Up → Down, or an offer never answered
    std::uint64_t returns = 0;            ///< Down/Probing → Up after a fallback
};

class UdpPathMachine {
public:
    static constexpr std::int64_t kNever = std::numeric_limits<std::int64_t>::max();
    /// A welcome's offer. False (and Off) when its key is unusable.
    bool offer(const protocol::UdpOffer& offer, std::int64_t nowUs);
    /// The WebSocket is gone: the offer with it.
    void withdraw();

    /// What to send now, if anything (a hello or a keep-alive); call at nextDeadlineUs().
    std::optional<udp::Kind> due(std::int64_t nowUs);
    std::int64_t nextDeadlineUs() const;

    /// Seals a datagram of this kind; returns its length (0 if the body does not fit).
    std::size_t seal(udp::Kind kind, std::span<const std::uint8_t> body, std::span<std::uint8_t> out);

    /// A datagram from the server. Returns the body's length in `out` when it carried media
    /// or a video fragment (which of the two in `kind`), 0 otherwise (answers and rejects).
    std::size_t onDatagram(std::span<const std::uint8_t> datagram, std::span<std::uint8_t> out, std::int64_t nowUs,
                           udp::Kind* kind = nullptr);

    /// Time passed: falls back if the path went quiet. Call before deciding where media goes.
    void tick(std::int64_t nowUs);
    bool carriesMedia() const { return state_ == UdpPathState::Up; }
    UdpPathState state() const { return state_; }
    const UdpPathCounters& counters() const { return counters_; }
    std::uint16_t port() const { return offer_.port; }

private:
    void fallBack(std::int64_t nowUs, std::int64_t retryInUs);

    UdpPathState state_ = UdpPathState::Off;
    protocol::UdpOffer offer_;
    udp::Key key_{};
    udp::ReplayWindow replay_;
    std::uint64_t sendCounter_ = 0;
    std::int64_t probeStartedUs_ = 0;
    std::int64_t nextSendUs_ = kNever;
    std::int64_t lastHeardUs_ = 0;
    std::int64_t lostAtUs_ = -1;       // when a working path was last lost (-1: never)
    bool everUp_ = false;
    UdpPathCounters counters_;
};

}  // namespace samspil::net
