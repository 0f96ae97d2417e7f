#include "main_component.h"

#include <iostream>

namespace samspil::desktop {
namespace {

enum Page { kConnectPage = 0, kAudioPage = 1, kRoomPage = 2, kRecordingsPage = 3 };

}  // namespace

MainComponent::MainComponent(const AppOptions& options, std::string settingsPath)
    : options_(options), settingsPath_(std::move(settingsPath)), bridge_(session_.engine(), player_), connect_(session_) {
    setLookAndFeel(&look_);
    settings_ = loadClientSettings(settingsPath_);
    // The command line fills in the connect page like typing would, and is remembered.
    if (options.server) settings_.serverUrl = *options.server;
    if (options.room) settings_.room = *options.room;
    if (options.name) settings_.name = *options.name;
    if (options.frameSamples) settings_.frameSamples = *options.frameSamples;
    if (options.audioDriver) settings_.audioDeviceType = *options.audioDriver;
    if (options.inputDevice) settings_.inputDevice = *options.inputDevice;
    if (options.outputDevice) settings_.outputDevice = *options.outputDevice;
    if (options.bufferSize) settings_.bufferSize = *options.bufferSize;
    if (options.language) settings_.language = *options.language;

    ui::ConnectFields fields{settings_.serverUrl, settings_.room, settings_.name, settings_.login, options.token, options.invite};
    connect_.setFields(fields);
    connect_.onJoin = [this](const ui::ConnectFields& f) { join(f); };
    connect_.onLeave = [this] { session_.leave(); };
    connect_.onLanguageChosen = [this](ui::Language language) { languageChosen(language); };

    audio_ = std::make_unique<AudioSetupPanel>(devices_, bridge_, session_.engine().inputMeter(),
                                               [this] { return connect_.fields().serverUrl; });

    ui::RoomViewMemory memory;
    memory.self = {settings_.inputGainDb, false, settings_.sendChannels, settings_.frameSamples};
    memory.metronome = {settings_.metronomeBpm, settings_.metronomeBeatsPerBar};
    memory.mixFor = [this](const std::string& name) {
        const auto it = settings_.peerMix.find(name);
        return it == settings_.peerMix.end() ? PeerMixSetting{} : it->second;
    };
    memory.mixChanged = [this](const std::string& name, const PeerMixSetting& mix) {
        settings_.peerMix[name] = mix;
        saveSettingsSoon();
    };
    memory.selfChanged = [this](const ui::SelfSettings& self) {
        settings_.inputGainDb = self.inputGainDb;
        settings_.sendChannels = self.sendChannels;
        settings_.frameSamples = self.frameSamples;
        saveSettingsSoon();
    };
    memory.metronomeChanged = [this](const ui::MetronomeSettings& metronome) {
        settings_.metronomeBpm = metronome.bpm;
        settings_.metronomeBeatsPerBar = metronome.beatsPerBar;
        saveSettingsSoon();
    };
    room_ = std::make_unique<ui::RoomView>(session_, std::move(memory));

    const auto background = ui::colours::background;
    tabs_.addTab(ui::tr("Connect"), background, &connect_, false);
    tabs_.addTab(ui::tr("Audio setup"), background, audio_.get(), false);
    roomPage_ = std::make_unique<RoomPage>(
        std::make_unique<VideoPanel>(session_, options.camera.value_or("/dev/video0"), options.cameraOn), *room_);
    tabs_.addTab(ui::tr("Room"), background, roomPage_.get(), false);
    recordings_ = std::make_unique<RecordingsPanel>(player_);
    recordings_->onWantsFront = [this] { tabs_.setCurrentTabIndex(kRecordingsPage); };
    if (options.listenNewest) recordings_->playNewestWhenListed();
    tabs_.addTab(ui::tr("Recordings"), background, recordings_.get(), false);
    // Signed in (on the Connect page, or with --token): the recordings of that account.
    connect_.onSignedIn = [this] { recordings_->setAccount(connect_.fields().serverUrl, connect_.fields().token); };
    if (options.token) connect_.onSignedIn();
    tabs_.setTabBarDepth(34);
    addAndMakeVisible(tabs_);

    session_.onChange = [this] { sessionChanged(); };
    openAudioDevice();
    setSize(1120, 720);
    startTimerHz(5);

    if (options.join) {
        if (auto why = connect_.problem())
            std::cerr << "samspil: cannot join: " << *why << "\n";
        else
            join(connect_.fields());
    }
}

MainComponent::~MainComponent() {
    shutdown();
    roomPage_.reset();  // the video panel lets go of the session before the rest goes
    setLookAndFeel(nullptr);
}

// What was typed on the Connect page is kept (settings and the next pages' options); a
// command line's one-off actions (--join, --listen-newest) are not repeated.
void MainComponent::languageChosen(ui::Language language) {
    const ui::ConnectFields fields = connect_.fields();
    settings_.serverUrl = fields.serverUrl;
    settings_.room = fields.room;
    settings_.name = fields.name;
    settings_.login = fields.login;
    settings_.language = ui::languageCode(language);
    (void)saveClientSettings(settings_, settingsPath_);
    AppOptions next;
    next.token = fields.token;
    next.invite = fields.invite;
    next.settingsFile = options_.settingsFile;
    next.quitAfterSeconds = options_.quitAfterSeconds;
    std::cout << "samspil: language " << settings_.language << std::endl;
    if (onLanguageChosen) onLanguageChosen(language, next);
}

void MainComponent::shutdown() {
    stopTimer();
    session_.leave();
    devices_.removeAudioCallback(&bridge_);
    devices_.closeAudioDevice();
    // Always saved at the end: the device selector changes the audio setup without telling us.
    rememberAudioSetup();
    (void)saveClientSettings(settings_, settingsPath_);
    settingsDirty_ = false;
}

// Opens the remembered device (or the system default), asking for 48 kHz, the rate the
// network audio runs at. A missing device is a sentence on the Audio page, not a failure.
void MainComponent::openAudioDevice() {
    juce::String problem;
    if (!settings_.audioDeviceType.empty()) {
        const juce::String wanted(settings_.audioDeviceType);
        bool known = false;
        for (auto* type : devices_.getAvailableDeviceTypes()) known |= type->getTypeName() == wanted;
        if (known)
            devices_.setCurrentAudioDeviceType(wanted, false);
        else
            problem = ui::tr("{driver} is not available here; using the system's default audio instead.").replace("{driver}", wanted);
    }
    juce::AudioDeviceManager::AudioDeviceSetup setup;
    setup.inputDeviceName = juce::String(settings_.inputDevice);
    setup.outputDeviceName = juce::String(settings_.outputDevice);
    setup.sampleRate = 48000.0;
    setup.bufferSize = settings_.bufferSize;
    juce::String error = devices_.initialise(2, 2, nullptr, true, {}, &setup);
    if (error.isNotEmpty() && (setup.inputDeviceName.isNotEmpty() || setup.outputDeviceName.isNotEmpty())) {
        // The remembered device is gone (unplugged, renamed): take the default one.
        problem = ui::tr("The audio device used last time is not there ({why}); using the default one.").replace("{why}", error);
        setup.inputDeviceName.clear();
        setup.outputDeviceName.clear();
        error = devices_.initialise(2, 2, nullptr, true, {}, &setup);
    }
    devices_.addAudioCallback(&bridge_);
    if (error.isNotEmpty()) problem = ui::tr("The audio device could not be opened: {why}").replace("{why}", error);
    auto* device = devices_.getCurrentAudioDevice();
    const juce::String wantedType(settings_.audioDeviceType);
    if (device == nullptr && problem.isEmpty())
        problem = wantedType.isEmpty() ? ui::tr("No audio device was found.")
                                       : ui::tr("No audio device was found ({driver} has none running).").replace("{driver}", wantedType);
    else if (device != nullptr && wantedType.isNotEmpty() && device->getTypeName() != wantedType && problem.isEmpty())
        problem = ui::tr("{driver} is not available here; using {other} instead.")
                      .replace("{driver}", wantedType)
                      .replace("{other}", device->getTypeName());
    if (device != nullptr)
        std::cout << "samspil: audio " << device->getTypeName() << " / " << device->getName() << " at "
                  << device->getCurrentSampleRate() << " Hz, " << device->getCurrentBufferSizeSamples() << " samples"
                  << std::endl;
    if (problem.isNotEmpty()) std::cerr << "samspil: " << problem << std::endl;
    audio_->setStartupProblem(problem);
}

void MainComponent::rememberAudioSetup() {
    const auto setup = devices_.getAudioDeviceSetup();
    settings_.audioDeviceType = devices_.getCurrentAudioDeviceType().toStdString();
    settings_.inputDevice = setup.inputDeviceName.toStdString();
    settings_.outputDevice = setup.outputDeviceName.toStdString();
    settings_.bufferSize = setup.bufferSize;
}

void MainComponent::join(const ui::ConnectFields& fields) {
    settings_.serverUrl = fields.serverUrl;
    settings_.room = fields.room;
    settings_.name = fields.name;
    settings_.login = fields.login;
    saveSettingsSoon();
    ui::JoinSettings join;
    join.serverUrl = fields.serverUrl;
    join.room = fields.room;
    join.name = fields.name;
    join.token = fields.token;
    join.invite = fields.invite;
    join.frameSamples = session_.engine().frameSamples();
    join.sendChannels = session_.engine().sendChannels();
    join.useUdp = settings_.useUdp;
    join.video = true;
    if (auto problem = session_.join(join)) {
        std::cerr << "samspil: " << *problem << std::endl;
        return;
    }
    tabs_.setCurrentTabIndex(kRoomPage);
}

void MainComponent::sessionChanged() {
    connect_.update();
    room_->update();
    const auto state = session_.state();
    if (state != shownState_) {
        shownState_ = state;
        // One line per change on stdout: scripts and support staff can follow what happened.
        std::cout << "samspil: " << net::toString(state) << ": " << session_.statusText() << std::endl;
        if (state == net::SessionState::Refused) tabs_.setCurrentTabIndex(kConnectPage);
        if (state == net::SessionState::Closed) recordings_->refresh();  // a lesson just recorded is listed now
        if (auto* window = findParentComponentOfClass<juce::DocumentWindow>()) window->setName(title());
    }
    const auto& recordingState = session_.roomState().recording;
    const bool recording = recordingState.has_value();
    if (recording != shownRecording_) {
        shownRecording_ = recording;
        if (recording && recordingState->take)
            std::cout << "samspil: a take is being recorded at " << recordingState->take->bpm
                      << " BPM, from the bar line after a bar's count-in" << std::endl;
        else
            std::cout << "samspil: " << (recording ? "the lesson is being recorded" : "the recording has stopped") << std::endl;
    }
}

juce::String MainComponent::title() const {
    if (ui::isInSession(session_.state())) return ui::utf8("Samspil — ") + juce::String(settings_.room);
    return "Samspil";
}

void MainComponent::timerCallback() {
    connect_.update();
    if (settingsDirty_) {
        rememberAudioSetup();
        (void)saveClientSettings(settings_, settingsPath_);
        settingsDirty_ = false;
    }
}

bool MainComponent::saveScreenshot(const juce::File& file) {
    const juce::Image image = createComponentSnapshot(getLocalBounds(), true, 1.0f);
    file.deleteFile();
    juce::FileOutputStream out(file);
    if (!out.openedOk()) return false;
    juce::PNGImageFormat png;
    return png.writeImageToStream(image, out);
}

void MainComponent::resized() {
    tabs_.setBounds(getLocalBounds());
}

}  // namespace samspil::desktop
