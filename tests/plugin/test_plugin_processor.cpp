// The plugin through JUCE's plugin API, as a host drives it: bus layouts, state save and
// restore, silence on the participants' outputs without a connection, and any block size.
#include "component_search.h"
#include "http_get.h"
#include "opus_tools.h"
#include "raw_websocket.h"
#include "samspil_processor.h"
#include "school_fixture.h"
#include "signal_analysis.h"
#include "test_server.h"

#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <atomic>
#include <cmath>
#include <thread>
#include <deque>
#include <fstream>
#include <iostream>
#include <functional>
#include <memory>
#include <random>

using namespace samspil;
using namespace samspil::plugin;
using samspil::test::buttonNamed;
using samspil::test::findComponent;
using samspil::test::showsText;

namespace {

using Layout = juce::AudioProcessor::BusesLayout;

Layout layoutWith(juce::AudioChannelSet input, juce::AudioChannelSet mainOut, juce::AudioChannelSet peers, int peerBuses = 8) {
    Layout layout;
    layout.inputBuses.add(input);
    layout.outputBuses.add(mainOut);
    for (int i = 0; i < peerBuses; ++i) layout.outputBuses.add(peers);
    return layout;
}

// Fills the main input with a sine and everything else with garbage the plugin must overwrite.
void fillBlock(juce::AudioBuffer<float>& buffer, int frames, long& phase) {
    for (int channel = 0; channel < buffer.getNumChannels(); ++channel)
        for (int i = 0; i < frames; ++i)
            buffer.setSample(channel, i, channel < 2 ? 0.5f * static_cast<float>(std::sin(2 * M_PI * 440 * static_cast<double>(phase + i) / 48000.0))
                                                     : 0.75f);
    phase += frames;
}

float peakOf(const juce::AudioBuffer<float>& buffer, int firstChannel, int lastChannel, int frames) {
    float peak = 0;
    for (int channel = firstChannel; channel <= lastChannel; ++channel)
        peak = std::max(peak, buffer.getMagnitude(channel, 0, frames));
    return peak;
}

// A host's transport: a tempo and time signature, as a DAW's play head reports them.
class FakePlayHead : public juce::AudioPlayHead {
public:
    juce::Optional<PositionInfo> getPosition() const override {
        PositionInfo info;
        info.setBpm(bpm);
        info.setTimeSignature(juce::AudioPlayHead::TimeSignature{numerator, denominator});
        info.setIsPlaying(true);
        return info;
    }
    double bpm = 93.0;
    int numerator = 7;
    int denominator = 8;
};

// Runs the message loop (the session's events and the processor's timer) while the audio
// thread is simulated with blocks of 240 samples every 5 ms; onBlock sees each processed block.
void runFor(SamspilProcessor& processor, int milliseconds,
            const std::function<void(const juce::AudioBuffer<float>&)>& onBlock = {}) {
    juce::AudioBuffer<float> buffer(18, 240);
    juce::MidiBuffer midi;
    long phase = 0;
    for (int elapsed = 0; elapsed < milliseconds; elapsed += 5) {
        fillBlock(buffer, 240, phase);
        processor.processBlock(buffer, midi);
        if (onBlock) onBlock(buffer);
        juce::MessageManager::getInstance()->runDispatchLoopUntil(5);
    }
}

// RMS of the first participant's output over the last half second of a run.
double participantLevel(SamspilProcessor& processor, int milliseconds) {
    std::deque<float> recent;
    runFor(processor, milliseconds, [&](const juce::AudioBuffer<float>& block) {
        for (int i = 0; i < block.getNumSamples(); ++i) {
            recent.push_back(block.getSample(2, i));
            if (recent.size() > 24000) recent.pop_front();
        }
    });
    double sum = 0;
    for (float v : recent) sum += static_cast<double>(v) * v;
    return recent.empty() ? 0.0 : std::sqrt(sum / static_cast<double>(recent.size()));
}

// Reads peer lists until `name` is described with `channels`; false after the timeout.
bool waitForStreamChannels(samspil::test::RawWebSocket& listener, SamspilProcessor& processor, const std::string& name,
                           int channels) {
    for (int attempt = 0; attempt < 20; ++attempt) {
        runFor(processor, 100);
        while (auto peers = listener.receiveType("peers", 50)) {
            const auto list = nlohmann::json::parse(*peers);
            for (const auto& peer : list["peers"])
                if (peer["name"] == name && peer["stream"].is_object() && peer["stream"]["channels"] == channels) return true;
        }
    }
    return false;
}


}  // namespace

TEST_CASE("the host's tempo is read on the audio thread and shared with the room only when chosen", "[plugin][tempo]") {
    samspil::test::TempDir dir;
    samspil::test::TestServer server(dir);
    samspil::test::RawWebSocket listener;
    REQUIRE(listener.connect(server.port()) == 101);
    REQUIRE(listener.sendText(R"({"v":1,"type":"join","room":"song","name":"Listener"})"));
    REQUIRE(listener.receiveType("welcome", 3000));

    SamspilProcessor processor;
    FakePlayHead playHead;
    processor.setPlayHead(&playHead);
    processor.prepareToPlay(48000, 240);
    processor.editState([&](PluginState& s) {
        s.serverUrl = server.url();
        s.room = "song";
        s.name = "DAW";
    });
    REQUIRE_FALSE(processor.join());
    runFor(processor, 1500);
    REQUIRE(processor.session().state() == net::SessionState::Joined);
    const auto tempo = processor.hostTempo();
    REQUIRE(tempo);
    CHECK(tempo->bpm == 93.0);
    CHECK(tempo->numerator == 7);
    CHECK(tempo->denominator == 8);
    CHECK_FALSE(listener.receiveType("tempo", 300));  // not shared until the user says so

    processor.editState([](PluginState& s) { s.shareTempo = true; });
    runFor(processor, 1000);
    auto shared = listener.receiveType("tempo", 2000);
    REQUIRE(shared);
    auto json = nlohmann::json::parse(*shared);
    CHECK(json["bpm"] == 93.0);
    CHECK(json["numerator"] == 7);
    CHECK(json["denominator"] == 8);
    CHECK(json["name"] == "DAW");

    playHead.bpm = 120.0;  // the song's tempo changes: the room follows
    runFor(processor, 1000);
    shared = listener.receiveType("tempo", 2000);
    REQUIRE(shared);
    CHECK(nlohmann::json::parse(*shared)["bpm"] == 120.0);

    // Switching the track from stereo to mono in the room: the room's description follows.
    processor.editState([](PluginState& s) { s.sendChannels = 1; });
    processor.applyOptions();
    CHECK(waitForStreamChannels(listener, processor, "DAW", 1));
    processor.setPlayHead(nullptr);
    processor.leave();
}

TEST_CASE("the plugin accepts mono or stereo tracks, a stereo room mix and stereo or disabled participant outputs",
          "[plugin][buses]") {
    SamspilProcessor processor;
    CHECK(processor.getBusCount(true) == 1);
    CHECK(processor.getBusCount(false) == 1 + SamspilProcessor::kPeerBuses);
    CHECK(processor.getTotalNumOutputChannels() == 18);
    const auto stereo = juce::AudioChannelSet::stereo();
    const auto mono = juce::AudioChannelSet::mono();
    CHECK(processor.checkBusesLayoutSupported(layoutWith(stereo, stereo, stereo)));
    CHECK(processor.checkBusesLayoutSupported(layoutWith(mono, stereo, stereo)));
    CHECK(processor.checkBusesLayoutSupported(layoutWith(stereo, stereo, juce::AudioChannelSet::disabled())));
    CHECK_FALSE(processor.checkBusesLayoutSupported(layoutWith(stereo, mono, stereo)));
    CHECK_FALSE(processor.checkBusesLayoutSupported(layoutWith(juce::AudioChannelSet::create5point1(), stereo, stereo)));
    CHECK_FALSE(processor.checkBusesLayoutSupported(layoutWith(stereo, stereo, mono)));
    CHECK_FALSE(processor.checkBusesLayoutSupported(layoutWith(stereo, stereo, juce::AudioChannelSet::quadraphonic())));
    CHECK(processor.setBusesLayout(layoutWith(mono, stereo, stereo)));
    CHECK(processor.getTotalNumInputChannels() == 1);
}

TEST_CASE("the plugin's state survives a save and a reload, never holds a password, and ignores foreign state",
          "[plugin][state]") {
    auto original = std::make_unique<SamspilProcessor>();
    original->editState([](PluginState& edit) {
        edit.serverUrl = "wss://samspil.kulturskole.example:7400";
        edit.room = "song-camp";
        edit.name = "Jonas (beats)";
        edit.login = "jonas@kulturskole.example";
        edit.frameSamples = 120;
        edit.sendChannels = 1;
        edit.sendGainDb = -6.5f;
        edit.monitor = false;
        edit.shareTempo = true;
        edit.peerMix["Maja"] = {-3.0f, -0.5f, false};
        edit.peerMix["Åse"] = {0.0f, 0.25f, true};
    });
    const PluginState& s = original->state();
    juce::MemoryBlock saved;
    original->getStateInformation(saved);
    const std::string bytes(static_cast<const char*>(saved.getData()), saved.getSize());
    CHECK(bytes.find("password") == std::string::npos);
    CHECK(bytes.find("token") == std::string::npos);

    SamspilProcessor restored;
    restored.setStateInformation(saved.getData(), static_cast<int>(saved.getSize()));
    const PluginState& r = restored.state();
    CHECK(r.serverUrl == s.serverUrl);
    CHECK(r.room == "song-camp");
    CHECK(r.name == "Jonas (beats)");
    CHECK(r.login == s.login);
    CHECK(r.frameSamples == 120);
    CHECK(r.sendChannels == 1);
    CHECK(r.sendGainDb == -6.5f);
    CHECK_FALSE(r.monitor);
    CHECK(r.shareTempo);
    REQUIRE(r.peerMix.size() == 2);
    CHECK(r.peerMix.at("Maja").pan == -0.5f);
    CHECK(r.peerMix.at("Åse").muted);
    CHECK(restored.session().engine().frameSamples() == 120);
    CHECK(restored.session().state() == net::SessionState::Idle);  // it was not in a room when saved

    // Another plugin's bytes, or a damaged project, leave the plugin as it was.
    const std::string foreign = "<?xml version=\"1.0\"?><PLUGINSTATE gain=\"1\"/>";
    restored.setStateInformation(foreign.data(), static_cast<int>(foreign.size()));
    restored.setStateInformation(bytes.data(), static_cast<int>(bytes.size() / 2));
    CHECK(restored.state().room == "song-camp");

    // Two instances in one project keep their own settings.
    SamspilProcessor other;
    CHECK(other.state().room.empty());
    CHECK(&other.session() != &restored.session());
}

TEST_CASE("the host saves from another thread while the user edits: every save is whole, the newest edit is in the next one",
          "[plugin][state]") {
    SamspilProcessor processor;
    std::atomic<bool> editing{true};
    std::atomic<int> saves{0}, unreadable{0};
    std::thread host([&] {
        while (editing.load()) {
            juce::MemoryBlock saved;
            processor.getStateInformation(saved);
            const std::string bytes(static_cast<const char*>(saved.getData()), saved.getSize());
            if (!PluginState::fromJson(bytes)) ++unreadable;
            ++saves;
        }
    });
    for (int i = 0; i < 2000; ++i) {
        processor.editState([i](PluginState& s) {
            s.room = "room-" + std::to_string(i);
            s.peerMix["Player " + std::to_string(i % 50)] = {-1.0f * static_cast<float>(i % 20), 0.0f, i % 2 == 0};
        });
        juce::MemoryBlock saved;
        processor.getStateInformation(saved);
        const auto back = PluginState::fromJson(std::string(static_cast<const char*>(saved.getData()), saved.getSize()));
        REQUIRE(back);
        REQUIRE(back->room == "room-" + std::to_string(i));
    }
    editing.store(false);
    host.join();
    CHECK(saves.load() > 0);
    CHECK(unreadable.load() == 0);
}

TEST_CASE("without a connection the participants' outputs are silent and the track passes through as configured",
          "[plugin][audio]") {
    SamspilProcessor processor;
    processor.prepareToPlay(48000, 512);
    juce::AudioBuffer<float> buffer(18, 512);
    juce::MidiBuffer midi;
    long phase = 0;
    for (int block = 0; block < 50; ++block) {
        fillBlock(buffer, 512, phase);
        juce::AudioBuffer<float> input(2, 512);
        input.copyFrom(0, 0, buffer, 0, 0, 512);
        input.copyFrom(1, 0, buffer, 1, 0, 512);
        processor.processBlock(buffer, midi);
        CHECK(peakOf(buffer, 2, 17, 512) == 0.0f);  // every participant bus: exact silence
        for (int i = 0; i < 512; i += 37) CHECK(buffer.getSample(0, i) == input.getSample(0, i));  // monitor on
    }
    processor.editState([](PluginState& edit) { edit.monitor = false; });
    processor.applyOptions();
    fillBlock(buffer, 512, phase);
    processor.processBlock(buffer, midi);
    CHECK(peakOf(buffer, 0, 17, 512) == 0.0f);
}

TEST_CASE("any block size from 1 to 16384 samples, changing every call, at 48 kHz and at a wrong rate",
          "[plugin][audio]") {
    for (const double rate : {48000.0, 44100.0}) {
        SamspilProcessor processor;
        processor.prepareToPlay(rate, 16384);
        juce::AudioBuffer<float> buffer(18, 16384);
        juce::MidiBuffer midi;
        std::mt19937 random(7);
        long phase = 0;
        // Past the engine's largest block (4096) too: hosts may render offline in big blocks.
        std::vector<int> sizes{1, 4096, 2, 4095, 8192, 64, 16384, 1000, 3, 4097, 128, 441, 17, 12000};
        for (int i = 0; i < 300; ++i) sizes.push_back(1 + static_cast<int>(random() % 4096));
        for (const int frames : sizes) {
            buffer.setSize(18, frames, false, false, true);
            fillBlock(buffer, frames, phase);
            const juce::AudioBuffer<float> input(buffer);
            processor.processBlock(buffer, midi);
            REQUIRE(peakOf(buffer, 2, 17, frames) == 0.0f);
            // The monitored track comes through every sample of the block, none stale.
            for (int i = 0; i < frames; ++i) REQUIRE(buffer.getSample(1, i) == input.getSample(1, i));
        }
        CHECK(processor.audioProblem().isEmpty() == (rate == 48000.0));
    }
}

TEST_CASE("the network dropping mid-song: silence on the participant's output, then the plugin is back by itself",
          "[plugin][reconnect]") {
    samspil::test::TempDir dir;
    auto server = std::make_unique<samspil::test::TestServer>(dir);
    const int port = server->port();
    SamspilProcessor processor;
    processor.prepareToPlay(48000, 240);
    processor.editState([&](PluginState& edit) {
        edit.serverUrl = server->url();
        edit.room = "song";
        edit.name = "DAW";
    });
    REQUIRE_FALSE(processor.join());
    runFor(processor, 500);
    samspil::test::CliRun singer(dir, "singer", {"--server", server->url(), "--room", "song", "--name", "Singer", "--tone",
                                                 "440", "--duration", "14"});
    CHECK(participantLevel(processor, 2000) > 0.2);

    CHECK(server->stop() == 0);
    server.reset();
    CHECK(participantLevel(processor, 1000) < 1e-3);
    CHECK(processor.session().state() == net::SessionState::Reconnecting);

    server = std::make_unique<samspil::test::TestServer>(dir, std::vector<std::string>{}, port);
    bool back = false;
    for (int attempt = 0; attempt < 16 && !back; ++attempt) back = participantLevel(processor, 500) > 0.2;
    CHECK(back);
    CHECK(processor.session().state() == net::SessionState::Joined);
    singer.process().signal();
    processor.leave();
}

TEST_CASE("the plugin as the lesson's teacher: Record in its own window records the room and its header says so - its track is in the recording",
          "[plugin][recording]") {
    samspil::test::SchoolFixture f;
    REQUIRE(f.call("PATCH", "rooms/" + std::to_string(f.roomId), {{"drop_in", true}}, f.token["teacher"]).status == 200);
    SamspilProcessor processor;
    processor.prepareToPlay(48000, 240);
    processor.editState([&](PluginState& edit) {
        edit.serverUrl = f.server->url();
        edit.room = "klaver-1";
        edit.name = "teacher";
    });
    REQUIRE_FALSE(processor.join(f.token["teacher"]));
    runFor(processor, 1000);
    REQUIRE(processor.session().state() == net::SessionState::Joined);
    samspil::test::CliRun student(f.dir, "student", {"--server", f.server->url(), "--room", "klaver-1", "--name", "student",
                                                      "--token", f.token["student"], "--tone", "660", "--duration", "12"});
    runFor(processor, 1000);

    std::unique_ptr<juce::AudioProcessorEditor> editor(processor.createEditor());
    REQUIRE(editor);
    runFor(processor, 400);
    CHECK_FALSE(showsText(*editor, "Recording this lesson"));
    auto* record = buttonNamed(*editor, "Record the lesson");
    REQUIRE(record);
    record->triggerClick();  // as the teacher's click does
    for (int attempt = 0; attempt < 20 && !processor.session().roomState().recording; ++attempt) runFor(processor, 100);
    REQUIRE(processor.session().roomState().recording.has_value());
    runFor(processor, 3000);  // the plugin's track (its 440 Hz input) is recorded meanwhile
    CHECK(showsText(*editor, juce::String::fromUTF8("● Recording this lesson")));
    record->triggerClick();
    for (int attempt = 0; attempt < 20 && processor.session().roomState().recording; ++attempt) runFor(processor, 100);
    CHECK_FALSE(processor.session().roomState().recording.has_value());
    runFor(processor, 400);
    CHECK_FALSE(showsText(*editor, "Recording this lesson"));

    // The recording: the plugin's track holds what the DAW's track played into it.
    nlohmann::json recording;
    for (int attempt = 0; attempt < 50 && !(recording.is_object() && recording["status"] == "complete"); ++attempt) {
        runFor(processor, 100);
        const auto list = f.call("GET", "recordings", nullptr, f.token["teacher"]);
        if (list.status == 200 && !list.body["recordings"].empty()) recording = list.body["recordings"][0];
    }
    REQUIRE(recording.is_object());
    CHECK(recording["status"] == "complete");
    REQUIRE(recording["tracks"].size() == 2);
    std::string pluginTrack;
    for (const auto& track : recording["tracks"])
        if (track["name"] == "teacher") pluginTrack = track["download"];
    REQUIRE_FALSE(pluginTrack.empty());
    const auto download = samspil::test::httpRequest(f.server->port(), "GET", pluginTrack, "", f.token["teacher"]);
    REQUIRE(download.status == 200);
    std::ofstream(f.dir.file("plugin-track.opus"), std::ios::binary) << download.body;
    const auto audio = samspil::test::decodeOggOpus(f.dir, f.dir.file("plugin-track.opus"));
    REQUIRE(audio);
    REQUIRE(audio->size() > 2 * 48000);
    const double level = samspil::test::toneAmplitude(*audio, 24000, audio->size() - 48000, 440);
    std::cout << "plugin recording: the plugin's track " << static_cast<double>(audio->size()) / 48000.0
              << " s - its 440 Hz input at " << level << "\n";
    CHECK(level > 0.3);
    editor.reset();
    processor.leave();
    student.process().signal();
}

namespace {


// Reads grids from the listener until one with interval_bars == bars (false after ~2 s).
bool listenerGetsInterval(samspil::test::RawWebSocket& listener, SamspilProcessor& processor, int bars) {
    for (int attempt = 0; attempt < 20; ++attempt) {
        runFor(processor, 100);
        while (auto grid = listener.receiveType("metronome", 20))
            if (nlohmann::json::parse(*grid)["interval_bars"] == bars) return true;
    }
    return false;
}

}  // namespace

TEST_CASE("the plugin's window: the room's metronome started from it, interval mode chosen there and shown when another sets it",
          "[plugin][metronome]") {
    samspil::test::TempDir dir;
    samspil::test::TestServer server(dir);
    samspil::test::RawWebSocket listener;
    REQUIRE(listener.connect(server.port()) == 101);
    REQUIRE(listener.sendText(R"({"v":1,"type":"join","room":"far","name":"Listener"})"));
    REQUIRE(listener.receiveType("welcome", 3000));

    SamspilProcessor processor;
    processor.prepareToPlay(48000, 240);
    processor.editState([&](PluginState& s) {
        s.serverUrl = server.url();
        s.room = "far";
        s.name = "DAW";
    });
    REQUIRE_FALSE(processor.join());
    runFor(processor, 1500);
    REQUIRE(processor.session().state() == net::SessionState::Joined);
    std::unique_ptr<juce::AudioProcessorEditor> editor(processor.createEditor());
    REQUIRE(editor);
    runFor(processor, 300);

    // For the whole room, Start: the room's grid comes back and the title says so.
    auto* forRoom = findComponent<juce::ToggleButton>(*editor, [](auto& b) { return b.getButtonText() == "For the whole room"; });
    auto* start = buttonNamed(*editor, "Start");
    auto* mode = findComponent<juce::ComboBox>(*editor, [](auto& box) { return box.indexOfItemId(3) >= 0 && box.getItemText(0) == "Live"; });
    REQUIRE(forRoom);
    REQUIRE(start);
    REQUIRE(mode);
    forRoom->setToggleState(true, juce::sendNotification);
    start->triggerClick();
    REQUIRE(listenerGetsInterval(listener, processor, 0));
    runFor(processor, 300);
    CHECK(processor.session().roomMetronome().has_value());
    CHECK(showsText(*editor, "Room metronome"));
    CHECK(showsText(*editor, "the room's click 90 BPM, 4/bar, set by DAW"));

    // Interval 2 bars from the selector: the room's grid carries it, the window explains it.
    mode->setSelectedId(3, juce::sendNotification);
    REQUIRE(listenerGetsInterval(listener, processor, 2));
    runFor(processor, 300);
    CHECK(processor.session().roomMetronome()->intervalBars == 2);
    CHECK(showsText(*editor, "interval mode: you hear the others 2 bars late"));

    // Someone else puts the room back to live (an open room: anyone may): the selector follows.
    REQUIRE(listener.sendText(R"({"v":1,"type":"metronome","running":true,"bpm":90,"beats_per_bar":4,"interval_bars":0})"));
    for (int attempt = 0; attempt < 20 && processor.session().roomMetronome()->intervalBars != 0; ++attempt) runFor(processor, 100);
    runFor(processor, 300);
    CHECK(mode->getSelectedId() == 1);
    CHECK_FALSE(showsText(*editor, "interval mode"));
    CHECK(showsText(*editor, "set by Listener"));
    editor.reset();
    processor.leave();
}
