// SessionStatus: what a SessionClient's network thread publishes for other threads — the
// session's state, the clock estimate and the protocol's and UDP path's counts — as
// atomics, refreshed after every event (publish()) and read by any thread.
#pragma once

#include "samspil/net/session_client.h"
#include "samspil/net/session_machine.h"

#include <atomic>
#include <cstdint>
#include <optional>

namespace samspil::net {

class ClientMediaQueues;

class SessionStatus {
public:
    /// Network thread: the machine's and the UDP path's view now (the path's state only while
    /// in a room: after leaving, where media went last stays).
    void publish(const SessionMachine& machine, const UdpPathCounters& udp, UdpPathState udpState,
                 std::uint64_t malformedBinary);
    /// Network thread: media that came by UDP.
    void countReceivedByUdp(std::uint64_t packets) { mediaReceivedUdp_.fetch_add(packets, std::memory_order_relaxed); }
    void countWakeUp() { wakeUps_.fetch_add(1, std::memory_order_relaxed); }
    void setState(SessionState state) { state_.store(state); }

    // Any thread.
    SessionState state() const { return state_.load(); }
    std::optional<std::int64_t> clockOffsetUs() const;
    std::optional<std::int64_t> roundTripUs() const;
    SessionCounters counters(const ClientMediaQueues& media) const;

private:
    std::atomic<SessionState> state_{SessionState::Idle};
    std::atomic<std::int64_t> clockOffsetUs_{0};
    std::atomic<bool> clockSynced_{false};
    std::atomic<std::int64_t> lastRoundTripUs_{-1};
    std::atomic<std::uint64_t> wakeUps_{0}, reconnects_{0}, malformed_{0}, pingsSent_{0}, pongsReceived_{0},
        mediaReceivedUdp_{0}, udpFallbacks_{0}, udpReturns_{0}, udpRejected_{0}, udpDatagramsReceived_{0},
        udpHighestCounter_{0};
    std::atomic<UdpPathState> udpState_{UdpPathState::Off};
};

}  // namespace samspil::net
