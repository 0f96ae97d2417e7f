// RecentMinimum: the lowest of a delay's recent values (the last 30 s, the lowest of each second
// kept), so that how far a fresh value rises above it — a queue filling in a modem before
// anything is lost — can be told from the line's own delay. Pure: time passed in; one thread.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>

namespace samspil {

class RecentMinimum {
public:
    static constexpr std::int64_t kWindowUs = 30'000'000;

    /// A fresh value at `nowUs`; returns how far it is above the lowest of the last 30 s.
    double excess(double value, std::int64_t nowUs) {
        pendingMin_ = std::min(pendingMin_, value);
        if (nowUs - lastKeptUs_ >= 1'000'000) {  // one value a second: that second's lowest
            samples_[next_] = {nowUs, pendingMin_};
            next_ = (next_ + 1) % samples_.size();
            count_ = std::min(count_ + 1, samples_.size());
            lastKeptUs_ = nowUs;
            pendingMin_ = kNone;
        }
        double lowest = value;
        for (std::size_t i = 0; i < count_; ++i)
            if (nowUs - samples_[i].atUs <= kWindowUs) lowest = std::min(lowest, samples_[i].value);
        return std::max(0.0, value - lowest);
    }
    void reset() { *this = RecentMinimum{}; }

private:
    static constexpr double kNone = 1e300;
    struct Sample {
        std::int64_t atUs = 0;
        double value = kNone;
    };
    std::array<Sample, 32> samples_{};
    std::size_t count_ = 0;
    std::size_t next_ = 0;
    std::int64_t lastKeptUs_ = -kWindowUs;
    double pendingMin_ = kNone;
};

}  // namespace samspil
