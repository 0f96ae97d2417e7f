// SignInLimiter: slows down password guessing. Failed sign-ins are counted per login and
// per client address over a window; past the limit, sign-in is refused (rate_limited)
// until the window moves on. Service thread only.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <unordered_map>

namespace samspil::server {

struct SignInLimits {
    int failuresPerLogin = 5;
    int failuresPerAddress = 20;
    std::int64_t windowMs = 15 * 60'000;
};

class SignInLimiter {
public:
    explicit SignInLimiter(SignInLimits limits = {}) : limits_(limits) {}

    /// Whether a sign-in for this login from this address may be tried now.
    bool allowed(const std::string& login, const std::string& address, std::int64_t nowMs);
    void recordFailure(const std::string& login, const std::string& address, std::int64_t nowMs);
    /// A correct password clears the login's failures (not the address's).
    void recordSuccess(const std::string& login);

private:
    using Failures = std::unordered_map<std::string, std::deque<std::int64_t>>;
    int recent(Failures& failures, const std::string& key, std::int64_t nowMs);

    SignInLimits limits_;
    Failures byLogin_;
    Failures byAddress_;
};

}  // namespace samspil::server
