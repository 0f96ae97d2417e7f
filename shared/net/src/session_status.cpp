#include "session_status.h"

#include "client_media_queues.h"

namespace samspil::net {

void SessionStatus::publish(const SessionMachine& machine, const UdpPathCounters& udp, UdpPathState udpState,
                            std::uint64_t malformedBinary) {
    state_.store(machine.state());
    if (const auto offset = machine.clock().offsetUs()) {
        clockOffsetUs_.store(*offset);
        clockSynced_.store(true);
    }
    lastRoundTripUs_.store(machine.clock().lastRoundTripUs().value_or(-1));
    reconnects_.store(machine.reconnects());
    pingsSent_.store(machine.pingsSent());
    pongsReceived_.store(machine.pongsReceived());
    malformed_.store(machine.malformed() + malformedBinary);
    udpFallbacks_.store(udp.fallbacks);
    udpReturns_.store(udp.returns);
    udpRejected_.store(udp.rejected);
    udpDatagramsReceived_.store(udp.datagramsReceived);
    udpHighestCounter_.store(udp.highestCounter);
    if (machine.joined()) udpState_.store(udpState);
}

std::optional<std::int64_t> SessionStatus::clockOffsetUs() const {
    if (!clockSynced_.load()) return std::nullopt;
    return clockOffsetUs_.load();
}

std::optional<std::int64_t> SessionStatus::roundTripUs() const {
    const std::int64_t rtt = lastRoundTripUs_.load();
    if (rtt < 0) return std::nullopt;
    return rtt;
}

SessionCounters SessionStatus::counters(const ClientMediaQueues& media) const {
    SessionCounters c;
    c.mediaSent = media.sent();
    c.mediaSendDropped = media.sendDropped();
    c.mediaReceived = media.received();
    c.mediaReceiveDropped = media.receiveDropped();
    c.reconnects = reconnects_.load();
    c.malformedFromServer = malformed_.load();
    c.pingsSent = pingsSent_.load();
    c.pongsReceived = pongsReceived_.load();
    c.wakeUps = wakeUps_.load();
    c.mediaSentUdp = media.sentByUdp();
    c.mediaReceivedUdp = mediaReceivedUdp_.load();
    c.udpFallbacks = udpFallbacks_.load();
    c.udpReturns = udpReturns_.load();
    c.udpRejected = udpRejected_.load();
    c.udpDatagramsReceived = udpDatagramsReceived_.load();
    c.udpHighestCounter = udpHighestCounter_.load();
    c.udpState = udpState_.load();
    return c;
}

}  // namespace samspil::net
