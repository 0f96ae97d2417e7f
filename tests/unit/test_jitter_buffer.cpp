// The jitter buffer under a simulated network: reordering, loss, duplicates, late
// packets, jitter that rises and falls, and sender clocks ±200 ppm off.
#include "samspil/audio/jitter_buffer.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <functional>
#include <map>
#include <random>
#include <vector>

using namespace samspil;
using samspil::protocol::MediaHeader;

namespace {

// A one-byte Opus packet header (TOC) saying "CELT fullband, one frame of frameSamples".
std::vector<std::uint8_t> fakeOpusPacket(int frameSamples) {
    const int config = frameSamples == 120 ? 28 : frameSamples == 240 ? 29 : frameSamples == 480 ? 30 : 31;
    return {static_cast<std::uint8_t>(config << 3), 0x11, 0x22};
}

struct Arrival {
    std::int64_t atUs;
    std::uint32_t sequence;
};

struct NetworkModel {
    int frameSamples = 240;
    double driftPpm = 0;           // + : the sender's clock runs fast
    std::int64_t baseDelayUs = 2000;
    std::int64_t jitterUs = 0;     // extra delay, uniform in [0, jitterUs]
    double lossRate = 0;
    double duplicateRate = 0;
    double lateRate = 0;           // these arrive 100 ms late
    double swapRate = 0;           // these swap places with the next packet
    double spikeEverySeconds = 0;  // one packet this often is held up by spikeUs (a busy scheduler)
    std::int64_t spikeUs = 0;
};

struct Outcome {
    JitterBufferStats stats;
    std::size_t dropped = 0, duplicated = 0, delayed = 0;
    std::size_t packetsPlayed = 0, concealments = 0, silences = 0;
    bool playedInOrder = true;
    std::int64_t maxWaitUs = 0;
    std::vector<double> waitMsBySecond;  // mean wait of packets played in each second
    std::vector<int> concealedBySecond;  // concealed frames in each second
    std::size_t concealmentsWhileSending = 0;  // before the sender's last packet was due
    JitterBufferStats statsWhileSending;       // the same moment: before the stream's end
};

// Sends `seconds` of packets through the model and plays them out at the receiver's exact frame rate.
// jitterBySecond, when given, overrides the model's jitter per simulated second.
Outcome simulate(NetworkModel model, double seconds, std::uint32_t firstSequence = 1000, unsigned seed = 7,
                 const std::vector<std::int64_t>& jitterBySecond = {}) {
    std::mt19937 random(seed);
    std::uniform_real_distribution<double> unit(0.0, 1.0);
    const double frameUs = model.frameSamples * 1e6 / 48000.0;
    const auto packets = static_cast<std::uint32_t>(seconds * 1e6 / frameUs);
    const auto payload = fakeOpusPacket(model.frameSamples);

    Outcome outcome;
    std::vector<Arrival> arrivals;
    std::map<std::uint32_t, std::int64_t> firstArrival;
    for (std::uint32_t n = 0; n < packets; ++n) {
        const std::uint32_t sequence = firstSequence + n;
        const double sentUs = n * frameUs / (1.0 + model.driftPpm * 1e-6);
        std::int64_t jitter = model.jitterUs;
        const auto second = static_cast<std::size_t>(sentUs / 1e6);
        if (second < jitterBySecond.size()) jitter = jitterBySecond[second];
        std::int64_t at = static_cast<std::int64_t>(sentUs) + model.baseDelayUs +
                          static_cast<std::int64_t>(unit(random) * static_cast<double>(jitter));
        if (unit(random) < model.lossRate) {
            ++outcome.dropped;
            continue;
        }
        if (unit(random) < model.lateRate) {
            at += 100'000;
            ++outcome.delayed;
        }
        if (unit(random) < model.swapRate) at += static_cast<std::int64_t>(frameUs * 1.5);
        if (model.spikeEverySeconds > 0) {
            const auto period = static_cast<std::uint32_t>(model.spikeEverySeconds * 1e6 / frameUs);
            if (n % period == period / 2) at += model.spikeUs;
        }
        arrivals.push_back({at, sequence});
        firstArrival[sequence] = at;
        if (unit(random) < model.duplicateRate) {
            arrivals.push_back({at + static_cast<std::int64_t>(unit(random) * 30'000), sequence});
            ++outcome.duplicated;
        }
    }
    std::stable_sort(arrivals.begin(), arrivals.end(), [](auto& a, auto& b) { return a.atUs < b.atUs; });
    // The last packet's turn (the stream's end; later concealment is the tail, not a fault).
    const std::int64_t lastDueUs = arrivals.empty() ? 0 : arrivals.back().atUs;

    JitterBuffer buffer;
    std::size_t next = 0;
    std::uint32_t lastPlayedTimestamp = 0;
    bool anyPlayed = false;
    std::vector<double> waitSum, waitCount;
    const double endUs = seconds * 1e6 + 200'000;
    for (std::int64_t tick = 1;; ++tick) {
        const auto nowUs = static_cast<std::int64_t>(static_cast<double>(tick) * frameUs);
        if (static_cast<double>(nowUs) > endUs) break;
        while (next < arrivals.size() && arrivals[next].atUs <= nowUs) {
            const std::uint32_t sequence = arrivals[next].sequence;
            MediaHeader header{0, 1, sequence, (sequence - firstSequence) * static_cast<std::uint32_t>(model.frameSamples)};
            buffer.insert(header, payload, arrivals[next].atUs);
            ++next;
        }
        const PlayoutDecision decision = buffer.next(nowUs);
        if (nowUs <= lastDueUs) outcome.statsWhileSending = buffer.stats();
        switch (decision.kind) {
            case PlayoutKind::Packet: {
                ++outcome.packetsPlayed;
                if (anyPlayed && static_cast<std::int32_t>(decision.timestamp - lastPlayedTimestamp) <= 0)
                    outcome.playedInOrder = false;
                anyPlayed = true;
                lastPlayedTimestamp = decision.timestamp;
                const std::uint32_t sequence =
                    firstSequence + decision.timestamp / static_cast<std::uint32_t>(model.frameSamples);
                const std::int64_t wait = nowUs - firstArrival[sequence];
                outcome.maxWaitUs = std::max(outcome.maxWaitUs, wait);
                const auto second = static_cast<std::size_t>(nowUs / 1'000'000);
                if (waitSum.size() <= second) {
                    waitSum.resize(second + 1, 0);
                    waitCount.resize(second + 1, 0);
                }
                waitSum[second] += static_cast<double>(wait) / 1000.0;
                waitCount[second] += 1;
                break;
            }
            case PlayoutKind::ConcealFromNext:
            case PlayoutKind::Conceal: {
                ++outcome.concealments;
                if (nowUs <= lastDueUs) ++outcome.concealmentsWhileSending;
                const auto second = static_cast<std::size_t>(nowUs / 1'000'000);
                if (outcome.concealedBySecond.size() <= second) outcome.concealedBySecond.resize(second + 1, 0);
                ++outcome.concealedBySecond[second];
                break;
            }
            case PlayoutKind::Silence:
                ++outcome.silences;
                break;
        }
    }
    for (std::size_t s = 0; s < waitSum.size(); ++s)
        outcome.waitMsBySecond.push_back(waitCount[s] > 0 ? waitSum[s] / waitCount[s] : 0.0);
    outcome.stats = buffer.stats();
    return outcome;
}

}  // namespace

TEST_CASE("a steady line plays every packet in order and adds less than a frame", "[jitter]") {
    NetworkModel model;
    model.jitterUs = 200;
    const Outcome outcome = simulate(model, 10);
    CHECK(outcome.playedInOrder);
    CHECK(outcome.stats.late == 0);
    CHECK(outcome.stats.lost == 0);
    CHECK(outcome.concealmentsWhileSending <= 1);  // at most one start-up underrun
    CHECK(outcome.stats.meanBufferDelayMs < 5.0 + 0.5);
    CHECK(outcome.stats.jitterMs < 0.2);
}

TEST_CASE("reordered packets are played in order", "[jitter]") {
    NetworkModel model;
    model.swapRate = 0.1;
    model.jitterUs = 500;
    const Outcome outcome = simulate(model, 20);
    CHECK(outcome.playedInOrder);
    CHECK(outcome.stats.received == outcome.packetsPlayed + outcome.stats.droppedToCatchUp);
    // Swaps arrive up to 1.5 frames late: the buffer grows for them instead of losing them.
    CHECK(outcome.stats.late <= 2);
    CHECK(outcome.stats.lost <= 2);
}

TEST_CASE("5% random loss: every loss is concealed and counted", "[jitter]") {
    NetworkModel model;
    model.lossRate = 0.05;
    model.jitterUs = 1000;
    const Outcome outcome = simulate(model, 30);
    REQUIRE(outcome.dropped > 200);
    CHECK(outcome.stats.lost == Approx(static_cast<double>(outcome.dropped)).epsilon(0.02));
    CHECK(outcome.stats.concealed() >= outcome.stats.lost);
    CHECK(outcome.concealments == outcome.stats.concealed());
    CHECK(outcome.stats.concealedFec == 0);  // CELT packets carry no FEC: counted as PLC, honestly
    CHECK(outcome.playedInOrder);
}

TEST_CASE("duplicates are dropped and counted exactly", "[jitter]") {
    NetworkModel model;
    model.duplicateRate = 0.03;
    model.jitterUs = 500;
    const Outcome outcome = simulate(model, 30);
    REQUIRE(outcome.duplicated > 100);
    CHECK(outcome.stats.duplicates == outcome.duplicated);
    CHECK(outcome.stats.lost == 0);
    CHECK(outcome.playedInOrder);
}

TEST_CASE("packets that come after their turn are counted late and not played", "[jitter]") {
    NetworkModel model;
    model.lateRate = 0.01;
    model.jitterUs = 300;
    const Outcome outcome = simulate(model, 30);
    REQUIRE(outcome.delayed > 30);
    CHECK(outcome.stats.late == outcome.delayed);
    CHECK(outcome.stats.lost == 0);  // they did arrive, just too late
    CHECK(outcome.stats.concealed() >= outcome.delayed);
    CHECK(outcome.playedInOrder);
}

TEST_CASE("everything at once: reordering, 5% loss, duplicates, late packets, jitter", "[jitter]") {
    NetworkModel model;
    model.swapRate = 0.05;
    model.lossRate = 0.05;
    model.duplicateRate = 0.02;
    model.lateRate = 0.01;
    model.jitterUs = 3000;
    const Outcome outcome = simulate(model, 60);
    CHECK(outcome.playedInOrder);
    CHECK(outcome.stats.duplicates == outcome.duplicated);
    CHECK(outcome.stats.lost == Approx(static_cast<double>(outcome.dropped)).epsilon(0.05));
    CHECK(outcome.stats.late >= outcome.delayed);
    CHECK(outcome.maxWaitUs < 30'000);
    CHECK(outcome.stats.maxDepthPackets < 20);
}

TEST_CASE("a sender clock ±200 ppm off neither grows nor empties the buffer over 10 minutes", "[jitter][drift]") {
    for (double drift : {200.0, -200.0}) {
        CAPTURE(drift);
        NetworkModel model;
        model.driftPpm = drift;
        model.jitterUs = 1000;
        const Outcome outcome = simulate(model, 600);
        // 10 min × 200 ppm = 120 ms = 24 frames of 5 ms to give back or make up.
        if (drift > 0) {
            CHECK(outcome.stats.droppedToCatchUp >= 15);
            CHECK(outcome.stats.droppedToCatchUp <= 40);
        } else {
            CHECK(outcome.stats.grownFrames >= 15);
            CHECK(outcome.stats.grownFrames <= 60);
        }
        // The clock drifts smoothly: the buffer adjusts before it runs dry.
        CHECK(outcome.statsWhileSending.underruns <= 2);
        // The delay stays within a frame or two of what the jitter needs, from start to end.
        const auto& waits = outcome.waitMsBySecond;
        REQUIRE(waits.size() > 590);
        CHECK(*std::max_element(waits.begin() + 10, waits.end()) < 12.0);
        CHECK(outcome.maxWaitUs < 15'000);
        CHECK(outcome.stats.maxDepthPackets <= 5);
        CHECK(outcome.playedInOrder);
    }
}

TEST_CASE("the delay follows the jitter up, and comes back down when the line calms", "[jitter][adapt]") {
    NetworkModel model;
    // 20 s of rough line (0-15 ms extra delay), then 30 s of calm (0-0.3 ms).
    std::vector<std::int64_t> jitter(20, 15'000);
    jitter.resize(50, 300);
    const Outcome outcome = simulate(model, 50, 1000, 11, jitter);
    const auto& waits = outcome.waitMsBySecond;
    REQUIRE(waits.size() >= 50);
    double rough = 0, calm = 0;
    for (int s = 10; s < 20; ++s) rough += waits[static_cast<std::size_t>(s)] / 10;
    for (int s = 40; s < 50; ++s) calm += waits[static_cast<std::size_t>(s)] / 10;
    CHECK(rough > 5.0);   // grown to absorb up to 15 ms of jitter
    CHECK(calm < 6.0);    // given back once it was no longer needed
    CHECK(calm < rough / 2);
    CHECK(outcome.stats.droppedToCatchUp >= 2);
    // Once grown, the rough line is absorbed: under 1% of frames concealed in its second half.
    int lateRoughConcealed = 0;
    for (std::size_t s = 10; s < 20 && s < outcome.concealedBySecond.size(); ++s)
        lateRoughConcealed += outcome.concealedBySecond[s];
    CHECK(lateRoughConcealed < 20);
}

TEST_CASE("recurring delay spikes are learnt: the buffer stops shrinking into the next one", "[jitter][adapt]") {
    NetworkModel model;
    model.frameSamples = 120;  // 2.5 ms frames: a 4 ms spike is more than a frame
    model.jitterUs = 200;
    model.spikeEverySeconds = 3;
    model.spikeUs = 4000;
    const Outcome outcome = simulate(model, 120);
    // 40 spikes. Forgetting each one would cost a concealment per spike; remembering them
    // costs a couple while learning, then the buffer stays deep enough.
    CHECK(outcome.concealmentsWhileSending <= 6);
    CHECK(outcome.stats.droppedToCatchUp <= 6);
    CHECK(outcome.stats.late <= 3);
    CHECK(outcome.stats.lost == 0);
}

TEST_CASE("sequence numbers wrapping past 2^32 play on without a hitch", "[jitter]") {
    NetworkModel model;
    model.jitterUs = 300;
    const Outcome outcome = simulate(model, 5, 0xFFFFFF00u);
    CHECK(outcome.playedInOrder);
    CHECK(outcome.stats.lost == 0);
    CHECK(outcome.stats.resets == 0);
}

TEST_CASE("a restarted stream resets the buffer - a silent one goes quiet and re-primes", "[jitter]") {
    JitterBuffer buffer;
    const auto payload = fakeOpusPacket(240);
    std::int64_t now = 0;
    for (std::uint32_t n = 0; n < 50; ++n) {
        buffer.insert(MediaHeader{0, 1, 100 + n, n * 240}, payload, now);
        now += 5000;
        CHECK(buffer.next(now).kind == PlayoutKind::Packet);
    }
    // The sender restarts far away in sequence space, flagged as a new stream.
    buffer.insert(MediaHeader{protocol::kMediaFlagStreamStart, 1, 7, 0}, payload, now);
    now += 5000;
    const auto restarted = buffer.next(now);
    CHECK(restarted.kind == PlayoutKind::Packet);
    CHECK(restarted.restart);
    CHECK(buffer.stats().resets == 1);

    // Then nothing for half a second: concealment for a few frames, then silence.
    int concealed = 0, silent = 0;
    for (int i = 0; i < 100; ++i) {
        now += 5000;
        const auto kind = buffer.next(now).kind;
        concealed += kind == PlayoutKind::Conceal;
        silent += kind == PlayoutKind::Silence;
    }
    CHECK(concealed > 0);
    CHECK(concealed < 70);
    CHECK(silent > 30);
    // The sender comes back: playout resumes from its first new packet.
    buffer.insert(MediaHeader{0, 1, 500, 500 * 240}, payload, now);
    CHECK(buffer.next(now + 1000).kind == PlayoutKind::Packet);
}

TEST_CASE("a stream that stops is concealed briefly, then goes quiet rather than droning", "[jitter]") {
    JitterBuffer buffer;
    const auto payload = fakeOpusPacket(240);
    std::int64_t now = 0;
    for (std::uint32_t n = 0; n < 20; ++n) {
        buffer.insert(MediaHeader{0, 1, n, n * 240}, payload, now);
        now += 5000;
        buffer.next(now);
    }
    int concealed = 0;
    for (int i = 0; i < 20; ++i) {
        now += 5000;
        if (buffer.next(now).kind == PlayoutKind::Silence) break;
        ++concealed;
    }
    CHECK(concealed * 5 <= 45);  // at most ~40 ms of concealment
    CHECK(concealed >= 3);
}

TEST_CASE("empty or oversized payloads are ignored", "[jitter]") {
    JitterBuffer buffer;
    buffer.insert(MediaHeader{0, 1, 1, 0}, {}, 0);
    std::vector<std::uint8_t> huge(2000, 0xF8);
    buffer.insert(MediaHeader{0, 1, 2, 240}, huge, 0);
    CHECK(buffer.stats().received == 0);
    CHECK(buffer.next(5000).kind == PlayoutKind::Silence);
}

TEST_CASE("a backlog queued before playout starts is skipped, not played through late", "[jitter]") {
    // The audio side starts after 60 ms of packets are already here (the app's audio
    // started late, or they came in one burst): playout begins near the newest packet.
    JitterBuffer buffer;
    const auto payload = fakeOpusPacket(240);
    for (std::uint32_t n = 0; n < 12; ++n)
        buffer.insert(MediaHeader{0, 1, 100 + n, n * 240}, payload, 1'000'000 + n * 5000);
    const std::int64_t startUs = 1'000'000 + 11 * 5000 + 1000;
    const PlayoutDecision first = buffer.next(startUs);
    REQUIRE(first.kind == PlayoutKind::Packet);
    CHECK(first.timestamp >= 10 * 240);  // at most one frame of the backlog is kept
    CHECK(buffer.stats().droppedToCatchUp >= 10);
    CHECK(buffer.stats().depthPackets <= 1);
    // From there it plays on in order, at the line's own (small) delay.
    for (std::uint32_t n = 12; n < 40; ++n) {
        const std::int64_t arrival = 1'000'000 + n * 5000;
        buffer.insert(MediaHeader{0, 1, 100 + n, n * 240}, payload, arrival);
        const PlayoutDecision next = buffer.next(arrival + 1000);
        CHECK(next.kind == PlayoutKind::Packet);
    }
    CHECK(buffer.stats().depthPackets <= 1);
    CHECK(buffer.stats().concealed() == 0);
}

TEST_CASE("packets that arrive together just before a large block are all played, none skipped", "[jitter]") {
    JitterBuffer buffer;
    const auto payload = fakeOpusPacket(240);
    for (std::uint32_t n = 0; n < 34; ++n) buffer.insert(MediaHeader{0, 1, 500 + n, n * 240}, payload, 2'000'000);
    std::uint32_t played = 0;
    for (std::uint32_t n = 0; n < 34; ++n) {
        const PlayoutDecision decision = buffer.next(2'000'100);  // one 8192-frame block asks for all of them
        if (decision.kind != PlayoutKind::Packet) continue;  // the newest may be held for the target delay
        CHECK(decision.timestamp == played * 240);           // in order, from the first: nothing skipped
        ++played;
    }
    CHECK(played >= 32);
    CHECK(buffer.stats().droppedToCatchUp == 0);
}

// 5 ms frames arriving 2 ms after capture, played every 5 ms for `seconds`. From 1 s to
// 3 s the line is down; when it comes back the backlog arrives `perTickAfter` packets per
// 5 ms (everything at once, or at a few times real time as TCP regrows its window).
// Returns, for each packet played, when and how old (µs since its capture).
static std::vector<std::pair<std::int64_t, std::int64_t>> playThroughOutage(JitterBuffer& buffer, double seconds, int perTickAfter,
                                                                     std::uint32_t& sent) {
    const auto payload = fakeOpusPacket(240);
    const std::int64_t startUs = 10'000'000;
    auto mediaUs = [&](std::uint32_t n) { return startUs + static_cast<std::int64_t>(n) * 5000; };
    std::vector<std::pair<std::int64_t, std::int64_t>> played;
    for (std::int64_t nowUs = startUs; nowUs < startUs + static_cast<std::int64_t>(seconds * 1e6); nowUs += 5000) {
        const bool down = nowUs >= startUs + 1'000'000 && nowUs < startUs + 3'000'000;
        const int perTick = nowUs < startUs + 3'000'000 ? 1000 : perTickAfter;
        for (int k = 0; !down && k < perTick && mediaUs(sent) + 2000 <= nowUs; ++k) {
            buffer.insert(MediaHeader{0, 1, sent, sent * 240}, payload, nowUs);
            ++sent;
        }
        const PlayoutDecision decision = buffer.next(nowUs + 100);
        if (decision.kind == PlayoutKind::Packet)
            played.emplace_back(nowUs - startUs, nowUs + 100 - mediaUs(decision.timestamp / 240));
    }
    return played;
}

TEST_CASE("after an outage, the backlog TCP delivers in one burst is skipped at once, not played late for seconds", "[jitter][adapt]") {
    JitterBuffer buffer;
    std::uint32_t sent = 0;
    std::int64_t lastStaleUs = 0;  // when playout last took a frame over 40 ms older than the line needs
    for (const auto& [atUs, ageUs] : playThroughOutage(buffer, 5.0, 1000, sent))
        if (ageUs > 40'000) lastStaleUs = atUs;
    CHECK(sent >= 990);
    // Stale audio for at most ~60 ms after the line came back (the 50 ms window that tells
    // a backlog from a large audio block), instead of the seconds a frame-per-window drain took.
    CHECK(lastStaleUs < 3'000'000 + 80'000);
    // Over 600 ms old: dropped as stale on arrival; the rest of the burst skipped in one step.
    CHECK(buffer.stats().stale + buffer.stats().droppedToCatchUp >= 300);
    CHECK(buffer.stats().depthPackets <= 2);
}

TEST_CASE("a backlog that trickles in over 600 ms late is dropped unplayed (stale), whatever its pace", "[jitter][adapt]") {
    // The backlog comes back at twice real time (TCP regrowing its window, or a socket
    // buffer draining), so it never lands as one burst the other rules would cut at once.
    JitterBuffer buffer;
    std::uint32_t sent = 0;
    std::int64_t oldestPlayedUs = 0;
    for (const auto& [atUs, ageUs] : playThroughOutage(buffer, 8.0, 2, sent)) oldestPlayedUs = std::max(oldestPlayedUs, ageUs);
    CHECK(buffer.stats().stale >= 300);  // the part of the backlog over 600 ms old
    CHECK(oldestPlayedUs < 700'000);     // nothing older than the rule's 600 ms reached the ear
}

// Packets captured every 5 ms of the sender's clock arrive `transitUs(n)` after their
// capture by our clock, the sender's clock running at `senderRate` of ours; playout every
// 5 ms for `seconds`. Returns how many packets were played.
static int playFromSender(JitterBuffer& buffer, double seconds, double senderRate,
                          const std::function<std::int64_t(std::uint32_t)>& transitUs) {
    const auto payload = fakeOpusPacket(240);
    const std::int64_t startUs = 10'000'000;
    std::uint32_t sent = 0;
    int played = 0;
    for (std::int64_t nowUs = startUs; nowUs < startUs + static_cast<std::int64_t>(seconds * 1e6); nowUs += 5000) {
        while (startUs + static_cast<std::int64_t>(sent * 5000 / senderRate) + transitUs(sent) <= nowUs) {
            buffer.insert(MediaHeader{0, 1, sent, sent * 240}, payload, nowUs);
            ++sent;
        }
        if (buffer.next(nowUs + 100).kind == PlayoutKind::Packet) ++played;
    }
    return played;
}

TEST_CASE("a sender whose sound card runs a fifth slower than our clock is played, not dropped as stale", "[jitter][adapt]") {
    // JACK's dummy driver on a busy machine does this; its packets look later and later by
    // our clock, yet each is the newest audio there is.
    JitterBuffer buffer;
    const int played = playFromSender(buffer, 10.0, 0.8, [](std::uint32_t) { return 2000; });
    CHECK(buffer.stats().stale == 0);
    CHECK(played >= 1550);  // 8 s of the sender's audio in 10 s: 1600 packets
}

TEST_CASE("a stream that is 800 ms slower for good (a longer route) plays again within about a second", "[jitter][adapt]") {
    JitterBuffer buffer;
    const int played = playFromSender(buffer, 8.0, 1.0, [](std::uint32_t n) { return n < 400 ? 2000 : 802'000; });
    // From 2 s on, packets come 800 ms later: at most a second of them is dropped as stale,
    // then the rule takes the new pace as the stream's own and everything after is played.
    CHECK(buffer.stats().stale > 0);
    CHECK(buffer.stats().stale <= 230);
    CHECK(played >= 1600 - 160 - 230 - 20);  // 8 s, less the 800 ms the step delays, the stale second, priming
}
