// The network lab's line model (devtools/netlab): what each profile promises a benchmark —
// the delay, jitter, loss and burstiness asked for, a rate limit that queues and then
// drops, an outage exactly where scripted, and the same run again from the same seed.
#include <catch2/catch.hpp>

#include <cstdint>
#include <vector>

#include "link_impairment.h"
#include "profiles.h"

using namespace samspil::netlab;

namespace {

constexpr std::int64_t kStartUs = 1'000'000;

struct Sent {
    std::int64_t arrivalUs;
    LinkImpairment::Verdict verdict;
};

// `count` packets of `bytes`, one every `spacingUs`, through one direction.
std::vector<Sent> sendThrough(const LinkProfile& profile, int count, std::int64_t spacingUs = 5000,
                              std::size_t bytes = 100, std::uint64_t seed = 7) {
    LinkImpairment line(profile, seed, kStartUs);
    std::vector<Sent> out;
    for (int i = 0; i < count; ++i) {
        const std::int64_t at = kStartUs + i * spacingUs;
        out.push_back({at, line.admit(at, bytes)});
    }
    return out;
}

double lostShare(const std::vector<Sent>& sent) {
    int lost = 0;
    for (const auto& s : sent) lost += s.verdict.fate != Fate::Forward;
    return static_cast<double>(lost) / static_cast<double>(sent.size());
}

// Mean length of runs of consecutive losses.
double meanLossRun(const std::vector<Sent>& sent) {
    int runs = 0, lost = 0;
    bool inRun = false;
    for (const auto& s : sent) {
        const bool dropped = s.verdict.fate != Fate::Forward;
        if (dropped && !inRun) ++runs;
        lost += dropped;
        inRun = dropped;
    }
    return runs ? static_cast<double>(lost) / runs : 0;
}

}  // namespace

TEST_CASE("netlab: a delayed, jittered line keeps each packet within delay ± jitter and in order", "[netlab]") {
    LinkProfile p;
    p.delayMs = 10;
    p.jitterMs = 2;
    const auto sent = sendThrough(p, 2000);
    std::int64_t previous = 0, least = INT64_MAX, most = 0;
    for (const auto& s : sent) {
        REQUIRE(s.verdict.fate == Fate::Forward);
        const std::int64_t delay = s.verdict.releaseUs - s.arrivalUs;
        least = std::min(least, delay);
        most = std::max(most, delay);
        REQUIRE(s.verdict.releaseUs >= previous);
        previous = s.verdict.releaseUs;
    }
    CHECK(least >= 8000);
    CHECK(most <= 12000);
    CHECK(most - least > 3000);  // it really varies
}

TEST_CASE("netlab: with reordering allowed, large jitter lets packets overtake", "[netlab]") {
    LinkProfile p;
    p.delayMs = 15;
    p.jitterMs = 15;
    p.reorder = true;
    const auto sent = sendThrough(p, 2000);
    int overtaken = 0;
    for (std::size_t i = 1; i < sent.size(); ++i) overtaken += sent[i].verdict.releaseUs < sent[i - 1].verdict.releaseUs;
    CHECK(overtaken > 100);
    p.reorder = false;
    const auto ordered = sendThrough(p, 2000);
    for (std::size_t i = 1; i < ordered.size(); ++i) REQUIRE(ordered[i].verdict.releaseUs >= ordered[i - 1].verdict.releaseUs);
}

TEST_CASE("netlab: random loss loses the asked share, one packet at a time", "[netlab]") {
    LinkProfile p;
    p.lossRate = 0.01;
    const auto sent = sendThrough(p, 200'000);
    CHECK(lostShare(sent) == Approx(0.01).margin(0.0015));
    CHECK(meanLossRun(sent) < 1.1);
}

TEST_CASE("netlab: bursty loss loses the asked share in bursts of the asked length", "[netlab]") {
    LinkProfile p;
    p.burstLossRate = 0.005;
    p.burstLengthPackets = 3;
    const auto sent = sendThrough(p, 400'000);
    CHECK(lostShare(sent) == Approx(0.005).margin(0.001));
    CHECK(meanLossRun(sent) == Approx(3.0).margin(0.4));
}

TEST_CASE("netlab: a rate limit spaces packets by their size and drops when its queue is full", "[netlab]") {
    LinkProfile p;
    p.rateKbps = 1000;  // a 1250-byte packet takes 10 ms
    p.queueMs = 100;
    const auto sent = sendThrough(p, 200, 5000, 1250);  // twice what the line carries
    std::vector<std::int64_t> releases;
    int queueFull = 0;
    for (const auto& s : sent) {
        if (s.verdict.fate == Fate::Forward) releases.push_back(s.verdict.releaseUs);
        queueFull += s.verdict.fate == Fate::QueueFull;
    }
    for (std::size_t i = 1; i < releases.size(); ++i) REQUIRE(releases[i] - releases[i - 1] >= 10'000);
    CHECK(queueFull > 50);
    // The queue holds at most its length: nothing waits much over 100 ms (+ its own send time).
    for (const auto& s : sent)
        if (s.verdict.fate == Fate::Forward) REQUIRE(s.verdict.releaseUs - s.arrivalUs <= 120'000);
}

TEST_CASE("netlab: a queue in bytes holds that many, and a rate drop slows the line only while it lasts", "[netlab]") {
    LinkProfile p = *profileNamed("home-dsl");  // 2 Mbit/s down with a 64 KB buffer
    p.delayMs = 0;
    // 1250-byte packets every 2 ms is 5 Mbit/s: the buffer fills and then drops.
    const auto sent = sendThrough(p, 400, 2000, 1250);
    std::int64_t longestWait = 0;
    int queueFull = 0;
    for (const auto& s : sent) {
        if (s.verdict.fate == Fate::Forward) longestWait = std::max(longestWait, s.verdict.releaseUs - s.arrivalUs);
        queueFull += s.verdict.fate == Fate::QueueFull;
    }
    CHECK(queueFull > 100);
    // 64 KB at 2 Mbit/s is 262 ms of queue; no packet waits longer (plus its own 5 ms).
    CHECK(longestWait > 240'000);
    CHECK(longestWait <= 262'144 + 5'000);

    LinkProfile drop;
    drop.rateKbps = 10'000;
    drop.queueMs = 1000;
    drop.rateDropAtS = 1;
    drop.rateDropForS = 1;
    drop.rateDropKbps = 100;  // a 125-byte packet takes 10 ms
    std::int64_t before = 0, during = 0, after = 0;
    for (const auto& s : sendThrough(drop, 300, 10'000, 125)) {  // 3 s, one every 10 ms
        const double atS = static_cast<double>(s.arrivalUs - kStartUs) / 1e6;
        const std::int64_t wait = s.verdict.releaseUs - s.arrivalUs;
        std::int64_t& longest = atS < 1 ? before : atS < 2 ? during : after;
        longest = std::max(longest, wait);
    }
    CHECK(before <= 1000);    // 10 Mbit/s: 0.1 ms a packet
    CHECK(during >= 10'000);  // 100 kbit/s: 10 ms a packet, as fast as they come: a queue builds
    CHECK(after < during);
}

TEST_CASE("netlab: an outage drops exactly what arrives inside it", "[netlab]") {
    LinkProfile p;
    p.outageAtS = 1.0;
    p.outageForS = 0.5;
    for (const auto& s : sendThrough(p, 600)) {  // 3 s
        const double atS = static_cast<double>(s.arrivalUs - kStartUs) / 1e6;
        const bool inside = atS >= 1.0 && atS < 1.5;
        REQUIRE((s.verdict.fate == Fate::Outage) == inside);
    }
}

TEST_CASE("netlab: the same seed gives the same run, another seed another", "[netlab]") {
    const auto profile = *profileNamed("bad-wifi");
    const auto a = sendThrough(profile, 5000, 5000, 100, 1), b = sendThrough(profile, 5000, 5000, 100, 1);
    const auto c = sendThrough(profile, 5000, 5000, 100, 2);
    bool same = true, differs = false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        same = same && a[i].verdict.fate == b[i].verdict.fate && a[i].verdict.releaseUs == b[i].verdict.releaseUs;
        differs = differs || a[i].verdict.fate != c[i].verdict.fate || a[i].verdict.releaseUs != c[i].verdict.releaseUs;
    }
    CHECK(same);
    CHECK(differs);
}

TEST_CASE("netlab: the named profiles are the lines the benchmarks name", "[netlab]") {
    for (const auto& name : profileNames()) CHECK(profileNamed(name).has_value());
    CHECK_FALSE(profileNamed("moon").has_value());
    CHECK(profileNamed("lan")->delayMs == 0.5);
    CHECK(profileNamed("city")->delayMs == 10);
    CHECK(profileNamed("city")->lossRate == 0.001);
    CHECK(profileNamed("country")->burstLossRate == 0.005);
    CHECK(profileNamed("bad-wifi")->jitterMs == 15);
    CHECK(profileNamed("home-dsl")->rateKbps == 2000);
    CHECK(profileNamed("home-dsl")->upRateKbps == 500);
    CHECK(profileNamed("home-dsl")->queueBytes == 64 * 1024);
}
