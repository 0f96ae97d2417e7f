// The app's one window: Connect, Audio setup, Room and Recordings pages, the room session, the audio
// device and the remembered settings. Message thread.
#pragma once

#include "app_options.h"
#include "audio_bridge.h"
#include "audio_setup_panel.h"
#include "connect_panel.h"
#include "recording_player.h"
#include "recordings_panel.h"
#include "room_page.h"
#include "room_view.h"
#include "samspil/settings/client_settings.h"

namespace samspil::desktop {

class MainComponent : public juce::Component, private juce::Timer {
public:
    MainComponent(const AppOptions& options, std::string settingsPath);
    ~MainComponent() override;

    /// Writes a PNG of the window as it is now.
    bool saveScreenshot(const juce::File& file);
    /// "Samspil — piano-3" and the like, for the window title.
    juce::String title() const;
    /// Leaves the room and saves the settings (at quit).
    void shutdown();
    /// The person picked another language on the Connect page (outside a room); it is saved
    /// already. The window rebuilds its pages in it, starting from these options.
    std::function<void(ui::Language, AppOptions)> onLanguageChosen;

    void paint(juce::Graphics& g) override { g.fillAll(ui::colours::background); }
    void resized() override;

private:
    void timerCallback() override;
    void openAudioDevice();
    void join(const ui::ConnectFields& fields);
    void sessionChanged();
    void rememberAudioSetup();
    void saveSettingsSoon() { settingsDirty_ = true; }
    void languageChosen(ui::Language language);

    AppOptions options_;
    std::string settingsPath_;
    ClientSettings settings_;
    bool settingsDirty_ = false;
    net::SessionState shownState_ = net::SessionState::Idle;
    bool shownRecording_ = false;  // message thread: what the last status line said of recording

    ui::SamspilLook look_;
    ui::RoomSession session_;
    RecordingPlayer player_;  // before bridge_, which plays it
    juce::AudioDeviceManager devices_;
    ui::AudioBridge bridge_;
    juce::TooltipWindow tooltips_{this, 400};
    juce::TabbedComponent tabs_{juce::TabbedButtonBar::TabsAtTop};
    ui::ConnectPanel connect_;
    std::unique_ptr<AudioSetupPanel> audio_;
    std::unique_ptr<ui::RoomView> room_;
    std::unique_ptr<RoomPage> roomPage_;  // the video above room_
    std::unique_ptr<RecordingsPanel> recordings_;
};

}  // namespace samspil::desktop
