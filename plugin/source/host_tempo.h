// The host's tempo and time signature, handed from the audio thread (which alone may read
// the play head) to the message thread without a lock: one 64-bit atomic word.
#pragma once

#include <atomic>
#include <cmath>
#include <cstdint>
#include <optional>

namespace samspil::plugin {

struct HostTempo {
    double bpm = 0;
    int numerator = 4;
    int denominator = 4;
    bool operator==(const HostTempo&) const = default;
};

class HostTempoHandoff {
public:
    /// Audio thread.
    void publish(double bpm, int numerator, int denominator) {
        if (!(bpm >= 1.0 && bpm < 1000.0) || numerator < 1 || numerator > 255 || denominator < 1 || denominator > 255) return;
        const auto milliBpm = static_cast<std::uint64_t>(std::lround(bpm * 1000.0));
        word_.store((milliBpm << 16) | (static_cast<std::uint64_t>(numerator) << 8) | static_cast<std::uint64_t>(denominator),
                    std::memory_order_relaxed);
    }
    /// Any thread: the latest values, if the host ever gave any.
    std::optional<HostTempo> latest() const {
        const std::uint64_t word = word_.load(std::memory_order_relaxed);
        if (word == 0) return std::nullopt;
        return HostTempo{static_cast<double>(word >> 16) / 1000.0, static_cast<int>((word >> 8) & 0xff),
                         static_cast<int>(word & 0xff)};
    }

private:
    std::atomic<std::uint64_t> word_{0};
};

}  // namespace samspil::plugin
