#include "samspil/net/udp_path_machine.h"

#include <algorithm>

namespace samspil::net {

std::string_view toString(UdpPathState state) {
    switch (state) {
        case UdpPathState::Off: return "off";
        case UdpPathState::Probing: return "probing";
        case UdpPathState::Up: return "up";
        case UdpPathState::Down: return "down";
    }
    return "off";
}

bool UdpPathMachine::offer(const protocol::UdpOffer& offer, std::int64_t nowUs) {
    const auto key = udp::keyFromBase64(offer.key);
    if (!key || offer.port == 0) {
        withdraw();
        return false;
    }
    offer_ = offer;
    key_ = *key;
    replay_ = udp::ReplayWindow{};
    sendCounter_ = 0;  // a new key: counters start again
    state_ = UdpPathState::Probing;
    probeStartedUs_ = nowUs;
    nextSendUs_ = nowUs;
    return true;
}

void UdpPathMachine::withdraw() {
    state_ = UdpPathState::Off;
    nextSendUs_ = kNever;
}

std::optional<udp::Kind> UdpPathMachine::due(std::int64_t nowUs) {
    tick(nowUs);
    if (nowUs < nextSendUs_) return std::nullopt;
    switch (state_) {
        case UdpPathState::Probing:
            nextSendUs_ = nowUs + udp::kHelloEveryUs;
            return udp::Kind::Hello;
        case UdpPathState::Up:
            nextSendUs_ = nowUs + udp::kKeepAliveEveryUs;
            return udp::Kind::KeepAlive;
        case UdpPathState::Down:
            state_ = UdpPathState::Probing;  // time for a probe
            probeStartedUs_ = nowUs;
            nextSendUs_ = nowUs + udp::kHelloEveryUs;
            return udp::Kind::Hello;
        case UdpPathState::Off:
            break;
    }
    return std::nullopt;
}

std::int64_t UdpPathMachine::nextDeadlineUs() const {
    switch (state_) {
        case UdpPathState::Probing: return std::min(nextSendUs_, probeStartedUs_ + udp::kProbeGiveUpUs);
        case UdpPathState::Up: return std::min(nextSendUs_, lastHeardUs_ + udp::kSilenceUs);
        case UdpPathState::Down: return nextSendUs_;
        case UdpPathState::Off: break;
    }
    return kNever;
}

void UdpPathMachine::tick(std::int64_t nowUs) {
    if (state_ == UdpPathState::Up && nowUs - lastHeardUs_ >= udp::kSilenceUs) {
        // A hello at once: it tells the server (if our datagrams still reach it) that we no
        // longer hear it, so it stops sending media into a path that loses it.
        lostAtUs_ = nowUs;
        fallBack(nowUs, 0);
    } else if (state_ == UdpPathState::Probing && nowUs - probeStartedUs_ >= udp::kProbeGiveUpUs) {
        // Soon after a working path was lost, keep probing quickly (the line is likely back
        // in a moment); a path that never answered is probably blocked: every 10 s.
        const bool quick = lostAtUs_ >= 0 && nowUs - lostAtUs_ < udp::kQuickProbeForUs;
        if (!everUp_ && counters_.fallbacks == 0) ++counters_.fallbacks;  // the offer was never answered
        state_ = UdpPathState::Down;
        nextSendUs_ = nowUs + (quick ? udp::kQuickProbeEveryUs : udp::kProbeEveryUs);
    }
}

void UdpPathMachine::fallBack(std::int64_t nowUs, std::int64_t retryInUs) {
    ++counters_.fallbacks;
    state_ = UdpPathState::Down;
    nextSendUs_ = nowUs + retryInUs;
}

std::size_t UdpPathMachine::seal(udp::Kind kind, std::span<const std::uint8_t> body, std::span<std::uint8_t> out) {
    if (state_ == UdpPathState::Off) return 0;
    const auto length = udp::seal(key_, udp::Direction::ClientToServer, {kind, offer_.sessionId, sendCounter_}, body, out);
    if (!length) return 0;
    ++sendCounter_;
    ++counters_.datagramsSent;
    return *length;
}

std::size_t UdpPathMachine::onDatagram(std::span<const std::uint8_t> datagram, std::span<std::uint8_t> out,
                                       std::int64_t nowUs, udp::Kind* kind) {
    if (state_ == UdpPathState::Off) return 0;
    const auto header = udp::peekHeader(datagram);
    if (!header || header->sessionId != offer_.sessionId) {
        ++counters_.rejected;
        return 0;
    }
    const auto opened = udp::open(key_, udp::Direction::ServerToClient, datagram, out);
    if (!opened || !replay_.accept(opened->header.counter) || opened->header.kind == udp::Kind::Hello) {
        ++counters_.rejected;
        return 0;
    }
    ++counters_.datagramsReceived;
    counters_.highestCounter = std::max<std::uint64_t>(counters_.highestCounter, opened->header.counter);
    // Media is played whenever it comes, but only an answer (the ack of a hello, the echo
    // of a keep-alive) proves that our own datagrams still reach the server: the path is
    // judged by those alone, so a one-way path (ours lost, the server's arriving) is left
    // within kSilenceUs instead of being kept up by the server's media.
    if (kind) *kind = opened->header.kind;
    if (opened->header.kind == udp::Kind::Media || opened->header.kind == udp::Kind::Video) return opened->bodyBytes;
    lastHeardUs_ = nowUs;
    if (state_ != UdpPathState::Up) {
        if (everUp_ || counters_.fallbacks > 0) ++counters_.returns;
        everUp_ = true;
        state_ = UdpPathState::Up;
        nextSendUs_ = nowUs + udp::kKeepAliveEveryUs;
    }
    return 0;
}

}  // namespace samspil::net
