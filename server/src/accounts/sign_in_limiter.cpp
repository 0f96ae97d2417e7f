#include "accounts/sign_in_limiter.h"

#include <algorithm>
#include <cctype>

namespace samspil::server {
namespace {

std::string lower(std::string text) {
    std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
    return text;
}

}  // namespace

int SignInLimiter::recent(Failures& failures, const std::string& key, std::int64_t nowMs) {
    auto it = failures.find(key);
    if (it == failures.end()) return 0;
    auto& times = it->second;
    while (!times.empty() && times.front() <= nowMs - limits_.windowMs) times.pop_front();
    if (times.empty()) {
        failures.erase(it);
        return 0;
    }
    return static_cast<int>(times.size());
}

bool SignInLimiter::allowed(const std::string& login, const std::string& address, std::int64_t nowMs) {
    return recent(byLogin_, lower(login), nowMs) < limits_.failuresPerLogin &&
           recent(byAddress_, address, nowMs) < limits_.failuresPerAddress;
}

void SignInLimiter::recordFailure(const std::string& login, const std::string& address, std::int64_t nowMs) {
    byLogin_[lower(login)].push_back(nowMs);
    byAddress_[address].push_back(nowMs);
}

void SignInLimiter::recordSuccess(const std::string& login) {
    byLogin_.erase(lower(login));
}

}  // namespace samspil::server
