// TokenBucket: the one rate rule for what a participant may send — chat lines, stream
// announcements, media packets and bytes. Holds up to `burst` tokens, refills at `perSecond`;
// each thing sent takes its cost or is refused. Time is passed in (tests are exact).
// Not thread-safe: one owner (the service thread).
#pragma once

#include <algorithm>
#include <cstdint>

namespace samspil::server {

class TokenBucket {
public:
    TokenBucket() = default;
    /// Starts full.
    TokenBucket(double burst, double perSecond, std::int64_t nowUs)
        : burst_(burst), perSecond_(perSecond), tokens_(burst), atUs_(nowUs) {}

    /// Takes `cost` tokens if there are that many now; false (nothing taken) otherwise.
    bool take(double cost, std::int64_t nowUs) {
        refill(nowUs);
        if (tokens_ < cost) return false;
        tokens_ -= cost;
        return true;
    }

    double tokens(std::int64_t nowUs) {
        refill(nowUs);
        return tokens_;
    }

private:
    void refill(std::int64_t nowUs) {
        if (nowUs > atUs_) tokens_ = std::min(burst_, tokens_ + static_cast<double>(nowUs - atUs_) / 1e6 * perSecond_);
        atUs_ = std::max(atUs_, nowUs);
    }

    double burst_ = 0;
    double perSecond_ = 0;
    double tokens_ = 0;
    std::int64_t atUs_ = 0;
};

}  // namespace samspil::server
