// The JUCE-independent client audio: mixing maths, meters, metronome, settings, and the
// room audio engine between two "participants" joined by a fake transport.
#include "samspil/settings/client_settings.h"
#include "samspil/audio/level_meter.h"
#include "samspil/audio/metronome.h"
#include "samspil/audio/room_audio_engine.h"
#include "samspil/audio/stereo_mix.h"
#include "engine_pair.h"
#include "process.h"
#include "signal_analysis.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <deque>
#include <memory>
#include <set>
#include <thread>

using namespace samspil;
using namespace samspil::test;


TEST_CASE("panning keeps the loudness, gain is in decibels", "[client][mix]") {
    for (float pan : {-1.0f, -0.5f, 0.0f, 0.3f, 1.0f}) {
        const PanGains g = panGains(pan);
        CHECK(g.left * g.left + g.right * g.right == Approx(1.0f).epsilon(1e-4));
    }
    CHECK(panGains(-1).right == Approx(0).margin(1e-6));
    CHECK(panGains(1).left == Approx(0).margin(1e-6));
    CHECK(decibelsToGain(-6.0206f) == Approx(0.5f).epsilon(1e-3));
    CHECK(decibelsToGain(-120) == 0.0f);
    CHECK(gainToDecibels(1.0f) == Approx(0.0f).margin(1e-4));

    std::vector<float> source = {0.5f, 0.5f, 0.5f, 0.5f};  // two stereo frames
    std::vector<float> left(2, 0.0f), right(2, 0.0f);
    mixStereoInto(source.data(), 2, 1.0f, 0.0f, left.data(), right.data());
    CHECK(left[0] == Approx(0.5f).epsilon(1e-4));  // centre: unchanged on both sides
    CHECK(right[1] == Approx(0.5f).epsilon(1e-4));
    mixStereoInto(source.data(), 2, 1.0f, 1.0f, left.data(), right.data());
    CHECK(left[0] == Approx(0.5f).epsilon(1e-3));  // hard right adds nothing on the left
    CHECK(right[0] == Approx(0.5f + 0.7071f).epsilon(1e-3));
}

TEST_CASE("the meter catches a peak and lets it fall about 20 dB a second", "[client][meter]") {
    LevelMeter meter;
    std::vector<float> block(480, 0.0f);
    block[100] = -0.8f;
    meter.feed(block.data(), 480, 1, 0.01);
    CHECK(meter.level() == Approx(0.8f));
    for (int i = 0; i < 100; ++i) meter.feedSilence(0.01);  // one second
    CHECK(meter.decibels() == Approx(gainToDecibels(0.8f) - 20.0f).margin(0.5));
}

// Onsets of clicks, to the sample: the first sample above 0.02, at least 100 ms apart.
static std::vector<std::size_t> clickOnsets(const std::vector<float>& signal) {
    return sampleOnsets(signal, 0.02f, 4800);
}

TEST_CASE("the metronome clicks on every beat, louder and higher on beat one", "[client][metronome]") {
    Metronome metronome;
    metronome.setTempo(120);  // a beat every 24000 samples at 48 kHz
    metronome.setRunning(true);
    std::vector<float> left(48000 * 2, 0.0f), right(48000 * 2, 0.0f);
    for (int at = 0; at < 96000; at += 128) metronome.render(left.data() + at, right.data() + at, 128, 48000);
    const auto onsets = clickOnsets(left);
    REQUIRE(onsets.size() == 4);
    for (std::size_t i = 1; i < onsets.size(); ++i) CHECK(static_cast<double>(onsets[i] - onsets[i - 1]) == Approx(24000).margin(64));
    CHECK(rms(left, onsets[0], 1000) > 1.4 * rms(left, onsets[1], 1000));  // the accent
    metronome.setRunning(false);
    std::vector<float> quiet(1024, 0.0f), quietRight(1024, 0.0f);
    metronome.render(quiet.data(), quietRight.data(), 1024, 48000);
    CHECK(rms(quiet, 0, 1024) == 0.0);
}

TEST_CASE("the room's metronome puts each click where the grid says it leaves the sound card", "[client][metronome]") {
    Metronome metronome;
    metronome.setServerOffsetUs(5000);                  // the server's clock is 5 ms ahead of ours
    metronome.followRoomGrid(1'000'000, 120, 4, true);  // beat 0 at server 1.000 s, a beat every 0.5 s
    REQUIRE(metronome.followingRoomGrid());
    // Blocks of 256; block b's first sample leaves the card at local 0.900 s + b·256/48000 s,
    // except that from 1.6 s the block times read 2 ms early (the stream's epoch re-estimated).
    std::vector<float> left(48000 * 3, 0.0f), right(48000 * 3, 0.0f);
    for (int at = 0; at + 256 <= static_cast<int>(left.size()); at += 256) {
        std::int64_t firstUs = 900'000 + static_cast<std::int64_t>(at) * 1'000'000 / 48000;
        if (firstUs > 1'600'000) firstUs -= 2000;
        metronome.render(left.data() + at, right.data() + at, 256, 48000, firstUs);
    }
    // Beat k leaves at local 0.995 s + k·0.5 s: sample 4560 + 24000·k (+96 once the times read early).
    const auto onsets = clickOnsets(left);
    REQUIRE(onsets.size() == 6);
    for (std::size_t k = 0; k < onsets.size(); ++k) {
        const double expected = 4560.0 + 24000.0 * static_cast<double>(k) + (k >= 2 ? 96.0 : 0.0);
        INFO("beat " << k);
        CHECK(static_cast<double>(onsets[k]) == Approx(expected).margin(3));
    }
    CHECK(rms(left, 0, 4500) == 0.0);  // nothing before beat 0
    CHECK(rms(left, onsets[4], 1000) > 1.4 * rms(left, onsets[3], 1000));  // bar 2 starts accented

    // Stopped: what sounds ends, nothing new starts; the own metronome (off) stays quiet.
    metronome.stopRoomGrid();
    std::vector<float> after(48000, 0.0f), afterRight(48000, 0.0f);
    for (int at = 0; at < 48000; at += 256)
        metronome.render(after.data() + at, afterRight.data() + at, std::min(256, 48000 - at), 48000,
                         3'900'000 + std::int64_t{at} * 1'000'000 / 48000);
    CHECK(rms(after, 2400, 48000 - 2400) == 0.0);
    CHECK_FALSE(metronome.followingRoomGrid());
}

TEST_CASE("the room's click sounds when the clock offset arrives after the grid, and a small correction plays no beat twice",
          "[client][metronome]") {
    // This computer has been up ten days, the server one hour: with no offset yet the grid's
    // beat 0 (server time) looks ten days old here, millions of beats ago.
    constexpr std::int64_t kLocalUs = 864'000'000'000, kServerUs = 3'600'000'000;
    Metronome metronome;
    metronome.followRoomGrid(kServerUs + 500'000, 120, 4, true);  // beat 0 half a second from now
    std::vector<float> before(48000, 0.0f), beforeRight(48000, 0.0f);
    for (int at = 0; at < 48000; at += 256)
        metronome.render(before.data() + at, beforeRight.data() + at, std::min(256, 48000 - at), 48000,
                         kLocalUs + std::int64_t{at} * 1'000'000 / 48000);
    // The first clock estimate comes (server = local − 10 days + 1 h): from now on the clicks
    // sound on the grid — beat 2 at local +1.5 s is sample 24000 of the next buffer.
    metronome.setServerOffsetUs(kServerUs - kLocalUs);
    std::vector<float> left(48000 * 3, 0.0f), right(48000 * 3, 0.0f);
    const std::int64_t start = kLocalUs + 1'000'000;
    for (int at = 0; at + 256 <= static_cast<int>(left.size()); at += 256) {
        // A finer estimate moves the grid 1 ms later here, 2.7 ms after beat 4 sounded: within
        // the 3 ms a late beat may still sound, so found again from the time alone it would sound twice.
        if (at == 188 * 256) metronome.setServerOffsetUs(kServerUs - kLocalUs - 1000);
        metronome.render(left.data() + at, right.data() + at, 256, 48000, start + std::int64_t{at} * 1'000'000 / 48000);
    }
    const auto onsets = clickOnsets(left);
    INFO("onsets: " << onsets.size());
    REQUIRE(onsets.size() == 6);  // beats 2..7, none missing, none twice
    for (std::size_t k = 0; k < onsets.size(); ++k) {
        const double expected = 24000.0 * static_cast<double>(k) + (k >= 3 ? 48.0 : 0.0);  // 1 ms later after the correction
        INFO("beat " << k + 2);
        CHECK(static_cast<double>(onsets[k]) == Approx(expected).margin(3));
    }
    // Beat 4's click fades on after the correction (a click started again would be at full level).
    const auto peak = [&](std::size_t from, std::size_t n) {
        float most = 0;
        for (std::size_t i = from; i < from + n; ++i) most = std::max(most, std::abs(left[i]));
        return most;
    };
    CHECK(peak(48128, 240) < 0.85f * peak(onsets[2], 240));
}

TEST_CASE("the room's click can be silenced by the listener and still keeps its place", "[client][metronome]") {
    Metronome metronome;
    metronome.followRoomGrid(0, 240, 4, true);  // a beat every 250 ms from server time 0
    metronome.setRoomClickAudible(false);
    std::vector<float> left(48000, 0.0f), right(48000, 0.0f);
    for (int at = 0; at < 48000; at += 480)
        metronome.render(left.data() + at, right.data() + at, 480, 48000, std::int64_t{at} * 1'000'000 / 48000);
    CHECK(rms(left, 0, 48000) == 0.0);
    CHECK(metronome.beatInBar() == 3);  // it counted the beats it did not play
    metronome.setRoomClickAudible(true);
    std::vector<float> more(24000, 0.0f), moreRight(24000, 0.0f);
    for (int at = 0; at < 24000; at += 480)
        metronome.render(more.data() + at, moreRight.data() + at, 480, 48000, 1'000'000 + std::int64_t{at} * 1'000'000 / 48000);
    const auto onsets = clickOnsets(more);
    REQUIRE(onsets.size() == 2);
    CHECK(onsets[0] <= 2);  // beat 4, exactly at 1.000 s
    CHECK(static_cast<double>(onsets[1]) == Approx(12000).margin(2));
}

TEST_CASE("settings survive a round trip and damaged files fall back to defaults", "[client][settings]") {
    TempDir dir;
    ClientSettings settings;
    settings.serverUrl = "wss://samspil.aarhus.dk";
    settings.name = "Lise Lærer";
    settings.room = "klaver-1";
    settings.frameSamples = 120;
    settings.sendChannels = 2;
    settings.useUdp = false;
    settings.language = "da";
    settings.peerMix["Ida Ærø"] = {-6.0f, 0.5f, true};
    REQUIRE(saveClientSettings(settings, dir.file("config/desktop.json")));
    const ClientSettings back = loadClientSettings(dir.file("config/desktop.json"));
    CHECK(back.serverUrl == settings.serverUrl);
    CHECK(back.name == "Lise Lærer");
    CHECK(back.frameSamples == 120);
    CHECK(back.sendChannels == 2);
    CHECK_FALSE(back.useUdp);
    CHECK(ClientSettings{}.useUdp);  // the fast path is on unless turned off
    CHECK(back.language == "da");
    CHECK(ClientSettings{}.language.empty());  // the system's language until one is chosen
    REQUIRE(back.peerMix.count("Ida Ærø"));
    CHECK(back.peerMix.at("Ida Ærø").gainDb == -6.0f);
    CHECK(back.peerMix.at("Ida Ærø").muted);

    CHECK(loadClientSettings(dir.file("missing.json")).serverUrl == ClientSettings{}.serverUrl);
    auto odd = ClientSettings::fromJson(R"({"frame_samples": 7, "metronome_bpm": "fast", "send_channels": 9,
                                            "peer_mix": {"X": {"pan": 5}}, "language": "klingon"})");
    REQUIRE(odd);
    CHECK(odd->language.empty());
    CHECK(odd->frameSamples == 240);
    CHECK(odd->metronomeBpm == 90.0);
    CHECK(odd->sendChannels == 1);
    CHECK(odd->peerMix.at("X").pan == 1.0f);
    CHECK_FALSE(ClientSettings::fromJson("not json"));
}

TEST_CASE("two engines back to back: A's tone in B's mix, with B's gain, pan and mute, in any block size", "[client][engine]") {
    EnginePair pair(4, 4096);
    RoomAudioEngine& A = *pair.A;
    RoomAudioEngine& B = *pair.B;
    LoopTransport& b = pair.b;
    const auto tone = makeTone(440, 0.5, 48000 * 3);
    std::vector<float> heard;
    std::vector<float> left(4096), right(4096), silentL(4096), silentR(4096), busL(4096), busR(4096);
    float* buses[8] = {busL.data(), busR.data(), nullptr, nullptr, nullptr, nullptr, nullptr, nullptr};
    std::size_t at = 0;
    std::int64_t now = 1'000'000;
    int blockSizes[] = {1, 7, 64, 128, 441, 1024, 4096, 333};
    for (int n = 0; at + 4096 < tone.size(); ++n) {
        const int frames = blockSizes[n % 8];
        const float* input[1] = {tone.data() + at};
        A.process(input, 1, silentL.data(), silentR.data(), nullptr, frames, now);
        b.now = now;
        B.process(nullptr, 0, left.data(), right.data(), buses, frames, now);
        heard.insert(heard.end(), left.begin(), left.begin() + frames);
        at += static_cast<std::size_t>(frames);
        now += frames * 1'000'000LL / 48000;
    }
    CHECK(A.framesSent() > 500);
    CHECK(B.peer(0).streamId.load() == 7);
    const auto onset = findOnset(heard, 0.05f);
    REQUIRE(onset);
    CHECK(compareWindowed(tone, 24000, 48000, heard, static_cast<long>(*onset), 2400, 300, 0.9).medianCorrelation > 0.9);
    CHECK(B.peer(0).meter.level() > 0.3f);
    CHECK(B.peer(0).received.load() > 500);

    // The listener turns A down by 6 dB and hard left, then mutes: the mix follows, the bus does not.
    B.peer(0).gain.store(0.5f);
    B.peer(0).pan.store(-1.0f);
    auto runBlocks = [&](int count) {
        double mixRight = 0, busRms = 0, mixLeft = 0;
        for (int n = 0; n < count; ++n) {
            const float* input[1] = {tone.data() + (at % 48000)};
            A.process(input, 1, silentL.data(), silentR.data(), nullptr, 480, now);
            b.now = now;
            B.process(nullptr, 0, left.data(), right.data(), buses, 480, now);
            std::vector<float> l(left.begin(), left.begin() + 480), r(right.begin(), right.begin() + 480),
                bus(busL.begin(), busL.begin() + 480);
            mixLeft += rms(l, 0, 480);
            mixRight += rms(r, 0, 480);
            busRms += rms(bus, 0, 480);
            at += 480;
            now += 10'000;
        }
        return std::tuple{mixLeft / count, mixRight / count, busRms / count};
    };
    auto [l1, r1, bus1] = runBlocks(50);
    CHECK(r1 < 0.01);
    CHECK(l1 == Approx(bus1 * 0.5 * 1.414).epsilon(0.1));
    B.peer(0).muted.store(true);
    auto [l2, r2, bus2] = runBlocks(20);
    CHECK(l2 < 0.001);
    CHECK(bus2 > 0.2);  // the participant's own bus is not the listener's mix
    (void)r2;
}

TEST_CASE("self mute sends silence while the input meter still shows the input", "[client][engine]") {
    EnginePair pair(2, 1024);
    RoomAudioEngine& A = *pair.A;
    RoomAudioEngine& B = *pair.B;
    LoopTransport& b = pair.b;
    A.setSelfMuted(true);
    const auto tone = makeTone(440, 0.5, 48000);
    std::vector<float> l(1024), r(1024), heard;
    std::int64_t now = 0;
    for (std::size_t at = 0; at + 480 <= tone.size(); at += 480, now += 10'000) {
        const float* input[1] = {tone.data() + at};
        A.process(input, 1, l.data(), r.data(), nullptr, 480, now);
        b.now = now;
        B.process(nullptr, 0, l.data(), r.data(), nullptr, 480, now);
        heard.insert(heard.end(), l.begin(), l.begin() + 480);
    }
    CHECK(A.inputMeter().level() > 0.4f);
    CHECK(rms(heard, 0, heard.size()) < 0.01);
}

TEST_CASE("device and host blocks larger than the engine's maximum are rendered whole, not stale", "[client][engine]") {
    for (int block : {8192, 16384}) {
        EnginePair pair(2, 4096);
        RoomAudioEngine& A = *pair.A;
        RoomAudioEngine& B = *pair.B;
        REQUIRE(B.maxBlockFrames() == 4096);
        const auto tone = makeTone(440, 0.5, 48000 * 4);
        std::vector<float> silentL(static_cast<std::size_t>(block)), silentR(silentL.size());
        std::vector<float> left(silentL.size()), right(silentL.size()), busL(silentL.size()), busR(silentL.size());
        float* buses[4] = {busL.data(), busR.data(), nullptr, nullptr};
        std::vector<float> heard, bus;
        std::int64_t now = 1'000'000;
        for (std::size_t at = 0; at + static_cast<std::size_t>(block) <= tone.size(); at += static_cast<std::size_t>(block)) {
            const float* input[1] = {tone.data() + at};
            A.process(input, 1, silentL.data(), silentR.data(), nullptr, block, now);
            pair.b.now = now;
            std::fill(left.begin(), left.end(), 9.0f);  // a part left unwritten would show
            B.process(nullptr, 0, left.data(), right.data(), buses, block, now);
            heard.insert(heard.end(), left.begin(), left.end());
            bus.insert(bus.end(), busL.begin(), busL.end());
            now += block * 1'000'000LL / 48000;
        }
        INFO("block " << block);
        CHECK(*std::max_element(heard.begin(), heard.end()) < 1.0f);
        // Everything A captured was sent: one packet per 5 ms frame, none lost to clamping.
        CHECK(A.framesSent() == tone.size() / static_cast<std::size_t>(block) * static_cast<std::size_t>(block) / 240);
        const auto onset = findOnset(heard, 0.05f);
        REQUIRE(onset);
        const long start = static_cast<long>(*onset) + 24000;
        CHECK(compareWindowed(tone, 24000, 48000, heard, start, 2400, 300, 0.9).medianCorrelation > 0.9);
        CHECK(compareWindowed(tone, 24000, 48000, bus, start, 2400, 300, 0.9).medianCorrelation > 0.9);
    }
}

namespace {

// Packets from whichever streams the test says, each a real (silent) Opus frame.
class ChurnTransport : public MediaTransport {
public:
    ChurnTransport() {
        auto encoder = OpusStreamEncoder::create({1, 240, 64000, 5, 8});
        REQUIRE(encoder);
        std::vector<float> silence(240, 0.0f);
        payload.resize(protocol::kMaxOpusPayloadBytes);
        payload.resize(static_cast<std::size_t>(encoder->encodeFrame(silence.data(), 240, payload)));
    }
    bool sendMediaFromAudioThread(std::uint32_t, std::uint32_t, bool, std::span<const std::uint8_t>) override { return true; }
    bool readyToSend() const override { return false; }
    // Audio thread: one packet from each stream currently "in the room", per block.
    bool popIncomingOnAudioThread(MediaSlot& packet) override {
        while (next < streams.size()) {
            const std::uint16_t id = streams[next++].load();
            if (id == 0) continue;
            packet.header = {0, id, sequence, sequence * 240};
            packet.length = static_cast<std::uint16_t>(payload.size());
            std::copy(payload.begin(), payload.end(), packet.payload.begin());
            packet.arrivalUs = now;
            return true;
        }
        next = 0;
        ++sequence;
        return false;
    }
    std::vector<std::uint8_t> payload;
    std::array<std::atomic<std::uint16_t>, 4> streams{};
    std::size_t next = 0;
    std::uint32_t sequence = 0;
    std::int64_t now = 0;
};

}  // namespace

TEST_CASE("participants reconnecting while audio runs keep their slot, and no stream plays in two slots",
          "[client][engine]") {
    ChurnTransport transport;
    auto created = RoomAudioEngine::create({8, 1024, 64000}, transport);
    REQUIRE(created);
    RoomAudioEngine& engine = **created;
    // Participant p always belongs in slot 7 - p (not the lowest free one the engine would pick).
    auto slotOf = [](std::size_t p) { return 7 - static_cast<int>(p); };
    std::atomic<bool> running{true};
    std::thread audio([&] {
        std::vector<float> l(240), r(240);
        std::int64_t now = 1'000'000;
        while (running.load()) {
            transport.now = now;
            engine.process(nullptr, 0, l.data(), r.data(), nullptr, 240, now);
            now += 5000;
        }
    });
    std::uint16_t nextId = 1;
    for (int round = 0; round < 2000; ++round) {
        const std::size_t p = static_cast<std::size_t>(round) % transport.streams.size();
        const std::uint16_t id = nextId++;
        // A reconnect: new stream id; sometimes its packets come before the peers list does.
        if (round % 3 == 0) transport.streams[p].store(id);
        if (round % 5 == 0) std::this_thread::yield();
        while (!engine.assignStreamToSlot(id, slotOf(p))) std::this_thread::yield();
        transport.streams[p].store(id);
    }
    // Let the audio thread catch up with the last assignments and packets.
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    running.store(false);
    audio.join();
    std::set<std::uint16_t> seen;
    for (int slot = 0; slot < engine.maxPeers(); ++slot) {
        const std::uint16_t id = engine.peer(slot).streamId.load();
        if (id == 0) continue;
        CHECK(seen.insert(id).second);  // never in two slots
    }
    for (std::size_t p = 0; p < transport.streams.size(); ++p)
        CHECK(engine.peer(slotOf(p)).streamId.load() == transport.streams[p].load());
}

TEST_CASE("remembered settings with numbers no field can hold keep their defaults (a fuzzer's find)",
          "[client][settings]") {
    auto huge = ClientSettings::fromJson(R"({"frame_samples":209999999999999999999999999999999999999999999993,"send_channels":-1e300})");
    REQUIRE(huge);
    CHECK(huge->frameSamples == 240);
    CHECK(huge->sendChannels == 1);
    auto fine = ClientSettings::fromJson(R"({"frame_samples":120.0,"send_channels":2})");
    REQUIRE(fine);
    CHECK(fine->frameSamples == 120);
    CHECK(fine->sendChannels == 2);
}
