// The plugin's editor: the connect page (server, room, name, invite or sign-in; join and
// leave) and the room page shared with the desktop app (participants with meters, quality
// and delay, send level, chat), plus the plugin's own options: monitor the track, share
// the DAW's tempo. Says why when the room cannot play (wrong sample rate, refused join).
// Speaks the person's language (the desktop app's saved choice, else the system's); picking
// the other one on the connect page remakes the pages in it. Message thread.
#pragma once

#include "connect_panel.h"
#include "room_view.h"
#include "samspil_processor.h"

namespace samspil::plugin {

class SamspilEditor : public juce::AudioProcessorEditor, private juce::Timer {
public:
    explicit SamspilEditor(SamspilProcessor& processor);
    ~SamspilEditor() override;

    void paint(juce::Graphics& g) override;
    void resized() override;

private:
    void timerCallback() override;
    void joinFromPanel(const ui::ConnectFields& fields);
    /// (Re)makes the connect and room pages and every text in the current language.
    void buildPages(const ui::ConnectFields& fields);
    void languageChosen(ui::Language language);

    SamspilProcessor& processor_;
    ui::SamspilLook look_;
    juce::TooltipWindow tooltips_{this, 400};
    juce::Label problem_, tempoInfo_;
    juce::ToggleButton monitor_, shareTempo_;
    juce::TabbedComponent tabs_{juce::TabbedButtonBar::TabsAtTop};
    std::unique_ptr<ui::ConnectPanel> connect_;
    std::unique_ptr<ui::RoomView> room_;
    net::SessionState shownState_ = net::SessionState::Idle;
};

}  // namespace samspil::plugin
