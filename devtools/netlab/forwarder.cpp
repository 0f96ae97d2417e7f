#include "forwarder.h"

#include "samspil/base/percentile.h"

#include <algorithm>
#include <cerrno>
#include <ctime>
#include <span>

#include <poll.h>
#include <sched.h>
#include <sys/prctl.h>
#include <unistd.h>

namespace samspil::netlab {
namespace {

constexpr std::size_t kMaxLatenessSamples = 4'000'000;
constexpr std::int64_t kIdlePollUs = 50'000;  // how soon a stop request is seen when idle
// A sleeping thread wakes tens of µs late (more on a VM): sleep until this much before the
// next release, then poll without sleeping. Costs a few % of a core at a lesson's rate.
constexpr std::int64_t kSpinBeforeReleaseUs = 300;

// Whether an IP packet (IPv4 or IPv6, as the TUN device hands it over) carries UDP.
bool carriesUdp(std::span<const std::uint8_t> packet) {
    constexpr std::uint8_t kUdp = 17;
    if (packet.size() >= 20 && (packet[0] >> 4) == 4) return packet[9] == kUdp;
    if (packet.size() >= 40 && (packet[0] >> 4) == 6) return packet[6] == kUdp;
    return false;
}

}  // namespace

std::int64_t monotonicUs() {
    timespec now{};
    clock_gettime(CLOCK_MONOTONIC, &now);
    return static_cast<std::int64_t>(now.tv_sec) * 1'000'000 + now.tv_nsec / 1000;
}

Forwarder::Forwarder(int clientFd, int serverFd, const LinkProfile& up, const LinkProfile& down, std::uint64_t seed)
    : startUs_(monotonicUs()),
      up_{"client_to_server", clientFd, serverFd, LinkImpairment(up, seed * 2 + 1, startUs_), up.blockUdp,
          startUs_ + static_cast<std::int64_t>(up.blockUdpFromS * 1e6), 0, 0, 0, {}},
      down_{"server_to_client", serverFd, clientFd, LinkImpairment(down, seed * 2 + 2, startUs_), down.blockUdp,
            startUs_ + static_cast<std::int64_t>(down.blockUdpFromS * 1e6), 0, 0, 0, {}} {}

void Forwarder::readAll(Direction& direction, std::int64_t nowUs) {
    auto& buffer = readBuffer_;
    for (;;) {
        const ssize_t got = read(direction.fromFd, buffer.data(), buffer.size());
        if (got <= 0) return;  // EAGAIN: all read
        if (direction.blockUdp && nowUs >= direction.blockUdpFromUs &&
            carriesUdp({buffer.data(), static_cast<std::size_t>(got)})) {
            ++direction.udpBlocked;
            continue;
        }
        const auto verdict = direction.impairment.admit(nowUs, static_cast<std::size_t>(got));
        if (verdict.fate != Fate::Forward) continue;
        direction.bytes += static_cast<std::uint64_t>(got);
        due_.push(Due{verdict.releaseUs, arrivals_++, &direction,
                      std::vector<std::uint8_t>(buffer.begin(), buffer.begin() + got)});
    }
}

void Forwarder::deliverDue(std::int64_t nowUs) {
    while (!due_.empty() && due_.top().releaseUs <= nowUs) {
        const Due& next = due_.top();
        Direction& direction = *next.direction;
        // Lateness is taken as the packet is handed over: what write() then costs is the
        // receiving side's network stack, which a real line's far end pays as well.
        if (direction.latenessUs.size() < kMaxLatenessSamples)
            direction.latenessUs.push_back(static_cast<std::int32_t>(monotonicUs() - next.releaseUs));
        if (write(direction.toFd, next.packet.data(), next.packet.size()) < 0) ++direction.writeFailures;
        due_.pop();
    }
}

void Forwarder::run(const std::atomic<bool>& stop, double forSeconds) {
    // Sleeps end when asked, not up to 50 µs later (the default timer slack), and a
    // release is not held up by whatever else the machine runs (a lesson's clients and
    // server): real-time priority when allowed (root), otherwise it carries on without.
    prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
    sched_param priority{};
    priority.sched_priority = 20;
    realtime_ = sched_setscheduler(0, SCHED_FIFO, &priority) == 0;
    const std::int64_t endUs = forSeconds > 0 ? startUs_ + static_cast<std::int64_t>(forSeconds * 1e6) : INT64_MAX;
    pollfd fds[2] = {{up_.fromFd, POLLIN, 0}, {down_.fromFd, POLLIN, 0}};
    while (!stop.load()) {
        std::int64_t nowUs = monotonicUs();
        if (nowUs >= endUs) break;
        deliverDue(nowUs);
        std::int64_t waitUs = kIdlePollUs;
        if (!due_.empty())
            waitUs = std::clamp<std::int64_t>(due_.top().releaseUs - nowUs - kSpinBeforeReleaseUs, 0, kIdlePollUs);
        const timespec timeout{static_cast<time_t>(waitUs / 1'000'000), static_cast<long>((waitUs % 1'000'000) * 1000)};
        const int ready = ppoll(fds, 2, &timeout, nullptr);
        if (ready < 0 && errno != EINTR) break;
        nowUs = monotonicUs();
        if (fds[0].revents & POLLIN) readAll(up_, nowUs);
        if (fds[1].revents & POLLIN) readAll(down_, nowUs);
        deliverDue(nowUs);  // a packet with no delay leaves at once
    }
}

nlohmann::json Forwarder::figures() const {
    nlohmann::json out;
    for (const Direction* d : {&up_, &down_}) {
        const auto& c = d->impairment.counters();
        out[d->name] = {
            {"forwarded", c.forwarded},
            {"bytes", d->bytes},
            {"dropped", {{"outage", c.outage}, {"random_loss", c.randomLoss}, {"burst_loss", c.burstLoss},
                         {"queue_full", c.queueFull}, {"write_failed", d->writeFailures},
                         {"udp_blocked", d->udpBlocked}}},
            {"forwarder_lateness_us",
             {{"p50", percentile(d->latenessUs, 0.5)}, {"p99", percentile(d->latenessUs, 0.99)},
              {"max", percentile(d->latenessUs, 1.0)}, {"samples", d->latenessUs.size()}}},
        };
    }
    out["realtime_priority"] = realtime_;
    out["seconds"] = static_cast<double>(monotonicUs() - startUs_) / 1e6;
    out["start_monotonic_us"] = startUs_;  // the run's time zero, on the clock every Samspil program reports in
    return out;
}

}  // namespace samspil::netlab
