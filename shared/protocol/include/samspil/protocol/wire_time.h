// WireTime: a clock time in µs as it travels in a control message (a stream's epoch, a bar
// line, a grid's start, a ping's stamps). Bounded where it is parsed, once: within
// ±kLimitUs (2^52 µs, about 142 years), so that sums and differences of a few of them never
// overflow an int64 in any handler or audio callback; a server additionally refuses
// server-clock times more than kServerReachUs from its own clock (parseClientMessage).
// Any int64 becomes one held to the limit (only a broken clock reaches it); it reads
// freely as an int64.
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>

namespace samspil::protocol {

class WireTime {
public:
    /// The furthest any time on the wire may lie from zero.
    static constexpr std::int64_t kLimitUs = std::int64_t{1} << 52;
    /// The furthest a server-clock time a client sends may lie from the server's clock when
    /// it arrives: a stream's epoch, a DAW's bar line (a clock that is off, not a song).
    static constexpr std::int64_t kServerReachUs = 3'600'000'000;

    constexpr WireTime() = default;
    /// One's own clock reading, held to the limit.
    constexpr WireTime(std::int64_t us) : us_(std::clamp(us, -kLimitUs, kLimitUs)) {}  // NOLINT: implicit on purpose

    /// The value if it is within kLimitUs (the parsers' way in).
    static constexpr std::optional<WireTime> bounded(std::int64_t us) {
        if (us < -kLimitUs || us > kLimitUs) return std::nullopt;
        return WireTime(us);
    }
    /// One's own clock reading, held to the limit (only a broken clock reaches it).
    static constexpr WireTime clamped(std::int64_t us) { return WireTime(std::clamp(us, -kLimitUs, kLimitUs)); }
    /// Whether a server-clock time lies within kServerReachUs of the server's clock now.
    static constexpr bool nearServer(WireTime time, std::int64_t serverNowUs) {
        const std::int64_t now = std::clamp(serverNowUs, -kLimitUs, kLimitUs);
        return time.us_ - now <= kServerReachUs && now - time.us_ <= kServerReachUs;
    }

    constexpr std::int64_t us() const { return us_; }
    constexpr operator std::int64_t() const { return us_; }  // NOLINT: a bounded int64 reads as one

private:
    std::int64_t us_ = 0;
};

/// For nlohmann::json (found by argument-dependent lookup): a WireTime is its µs.
template <typename Json>
void to_json(Json& json, WireTime time) {
    json = time.us();
}

}  // namespace samspil::protocol
