#include "samspil_editor.h"

namespace samspil::plugin {
namespace {

enum Page { kConnectPage = 0, kRoomPage = 1 };

}  // namespace

SamspilEditor::SamspilEditor(SamspilProcessor& processor) : juce::AudioProcessorEditor(processor), processor_(processor) {
    ui::useLanguage(ui::chooseLanguage(ui::savedLanguage()));
    setLookAndFeel(&look_);
    const PluginState& state = processor_.state();
    monitor_.setToggleState(state.monitor, juce::dontSendNotification);
    monitor_.onClick = [this] {
        processor_.editState([this](PluginState& s) { s.monitor = monitor_.getToggleState(); });
        processor_.applyOptions();
    };
    addAndMakeVisible(monitor_);
    shareTempo_.setToggleState(state.shareTempo, juce::dontSendNotification);
    shareTempo_.onClick = [this] {
        processor_.editState([this](PluginState& s) { s.shareTempo = shareTempo_.getToggleState(); });
    };
    addAndMakeVisible(shareTempo_);
    tempoInfo_.setColour(juce::Label::textColourId, ui::colours::dimText);
    addAndMakeVisible(tempoInfo_);
    problem_.setColour(juce::Label::textColourId, ui::colours::poor);
    addAndMakeVisible(problem_);
    tabs_.setTabBarDepth(30);
    addAndMakeVisible(tabs_);
    buildPages({state.serverUrl, state.room, state.name, state.login, std::nullopt, std::nullopt});

    setResizable(true, true);
    setResizeLimits(820, 520, 2400, 1600);
    setSize(1040, 660);
    startTimerHz(5);
    timerCallback();
}

void SamspilEditor::buildPages(const ui::ConnectFields& fields) {
    tabs_.clearTabs();
    room_.reset();
    connect_ = std::make_unique<ui::ConnectPanel>(processor_.session());
    connect_->setFields(fields);
    connect_->onJoin = [this](const ui::ConnectFields& f) { joinFromPanel(f); };
    connect_->onLeave = [this] { processor_.leave(); };
    connect_->onLanguageChosen = [this](ui::Language language) { languageChosen(language); };

    const PluginState& state = processor_.state();
    ui::RoomViewMemory memory;
    memory.self = {state.sendGainDb, false, state.sendChannels, state.frameSamples};
    memory.mixFor = [this](const std::string& name) {
        const auto& mix = processor_.state().peerMix;
        const auto it = mix.find(name);
        return it == mix.end() ? PeerMixSetting{} : it->second;
    };
    memory.mixChanged = [this](const std::string& name, const PeerMixSetting& mix) {
        processor_.editState([&](PluginState& s) { s.peerMix[name] = mix; });
    };
    memory.selfChanged = [this](const ui::SelfSettings& self) {
        processor_.editState([&](PluginState& s) {
            s.sendGainDb = self.inputGainDb;
            s.sendChannels = self.sendChannels;
            s.frameSamples = self.frameSamples;
        });
    };
    room_ = std::make_unique<ui::RoomView>(processor_.session(), std::move(memory));

    monitor_.setButtonText(ui::tr("Monitor the track"));
    monitor_.setTooltip(ui::tr("Pass the track's own audio through to the main output as well as the room"));
    shareTempo_.setButtonText(ui::tr("Share the DAW's tempo"));
    shareTempo_.setTooltip(ui::tr("Send this project's tempo and time signature to everyone in the room"));
    const auto background = ui::colours::background;
    tabs_.addTab(ui::tr("Connect"), background, connect_.get(), false);
    tabs_.addTab(ui::tr("Room"), background, room_.get(), false);
    tabs_.setCurrentTabIndex(processor_.session().state() == net::SessionState::Idle ? kConnectPage : kRoomPage);
}

// Saved for the desktop app too (one choice per person, not per project); the pages are
// remade after the click that chose it has returned (its combo box is on the old page).
void SamspilEditor::languageChosen(ui::Language language) {
    (void)ui::saveLanguage(language);
    juce::MessageManager::callAsync([safe = juce::Component::SafePointer<SamspilEditor>(this), language] {
        if (safe == nullptr) return;
        ui::useLanguage(language);
        safe->buildPages(safe->connect_->fields());
        safe->timerCallback();
    });
}

SamspilEditor::~SamspilEditor() {
    setLookAndFeel(nullptr);
}

void SamspilEditor::joinFromPanel(const ui::ConnectFields& fields) {
    processor_.editState([&](PluginState& s) {
        s.serverUrl = fields.serverUrl;
        s.room = fields.room;
        s.name = fields.name;
        s.login = fields.login;
    });
    if (!processor_.join(fields.token, fields.invite)) tabs_.setCurrentTabIndex(kRoomPage);
    timerCallback();
}

void SamspilEditor::timerCallback() {
    connect_->update();
    problem_.setText(processor_.audioProblem(), juce::dontSendNotification);
    juce::String tempo;
    if (const auto host = processor_.hostTempo())
        tempo << "DAW: " << juce::String(host->bpm, 1) << " BPM " << host->numerator << "/" << host->denominator;
    if (const auto& room = processor_.session().roomTempo())
        tempo << (tempo.isEmpty() ? "" : "   ")
              << ui::tr("Room: {bpm} BPM {num}/{den} from {name}")
                     .replace("{bpm}", juce::String(room->tempo.bpm, 1))
                     .replace("{num}", juce::String(room->tempo.numerator))
                     .replace("{den}", juce::String(room->tempo.denominator))
                     .replace("{name}", juce::String::fromUTF8(room->name.c_str()));
    tempoInfo_.setText(tempo, juce::dontSendNotification);
    const auto state = processor_.session().state();
    if (state != shownState_) {
        shownState_ = state;
        if (state == net::SessionState::Refused) tabs_.setCurrentTabIndex(kConnectPage);
    }
}

void SamspilEditor::paint(juce::Graphics& g) {
    g.fillAll(ui::colours::background);
}

void SamspilEditor::resized() {
    auto area = getLocalBounds();
    auto bar = area.removeFromBottom(34).reduced(10, 4);
    monitor_.setBounds(bar.removeFromLeft(160));
    shareTempo_.setBounds(bar.removeFromLeft(190));
    tempoInfo_.setBounds(bar.removeFromLeft(bar.getWidth() / 2));
    problem_.setBounds(bar);
    tabs_.setBounds(area);
}

}  // namespace samspil::plugin
