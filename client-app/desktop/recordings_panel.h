// The Recordings page: the lessons the signed-in person was in that were recorded (the
// same list as the browser page's, docs/desktop.md): pick one, play its mix through the
// app's audio device and move through it, save the mix and every track to a folder, delete
// it when the server allows. Message thread; the HTTP calls run on BackgroundJobs, the sound
// on RecordingPlayer's decoder thread and the audio thread.
#pragma once

#include "background_job.h"
#include "recording_player.h"
#include "samspil/net/recordings_client.h"
#include "samspil_look.h"

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace samspil::desktop {

class RecordingsPanel : public juce::Component, private juce::ListBoxModel, private juce::Timer {
public:
    explicit RecordingsPanel(RecordingPlayer& player);
    ~RecordingsPanel() override;

    /// Who is signed in where (no token: signed out); fetches the list.
    void setAccount(const std::string& serverUrl, const std::optional<std::string>& token);
    /// Fetches the list again (after a lesson, or on Refresh).
    void refresh();
    /// Plays the newest recording's mix as soon as the list has one (--listen-newest).
    void playNewestWhenListed() { playNewest_ = true; }
    /// Called when the page wants to be in front (it started playing by itself).
    std::function<void()> onWantsFront;

    void paint(juce::Graphics& g) override;
    void resized() override;

private:
    int getNumRows() override { return static_cast<int>(recordings_.size()); }
    void paintListBoxItem(int row, juce::Graphics& g, int width, int height, bool selected) override;
    void selectedRowsChanged(int row) override;
    void timerCallback() override;

    const net::RecordingSummary* selected() const;
    void showSelected();
    void playClicked();
    void startPlaying(const net::RecordingSummary& recording, const std::string& file);
    void saveClicked();
    void saveInto(const juce::File& folder, const net::RecordingSummary& recording);
    void deleteClicked();
    void say(const juce::String& text);
    juce::File mixCacheFile(std::int64_t id) const;

    RecordingPlayer& player_;
    std::string serverUrl_;
    std::optional<std::string> token_;
    std::vector<net::RecordingSummary> recordings_;
    std::optional<std::int64_t> loadedId_;  // whose mix the player holds
    std::vector<juce::File> fetched_;       // mixes fetched this run; deleted at the end
    bool playNewest_ = false;
    bool reportedEnd_ = true;
    int mixRetries_ = 0;
    int ticks_ = 0;

    juce::Label title_, status_, details_, position_;
    juce::ListBox list_{ui::tr("Recordings"), this};
    juce::TextButton refresh_{ui::tr("Refresh")}, play_{ui::tr("Play the mix")}, save_{ui::tr("Save the mix and tracks …")},
        delete_{ui::tr("Delete the recording")};
    juce::Slider seek_{juce::Slider::LinearHorizontal, juce::Slider::NoTextBox};
    std::unique_ptr<juce::FileChooser> chooser_;
    // Jobs last: destroyed (joined) first, before anything their callbacks touch.
    ui::BackgroundJob<Expected<std::vector<net::RecordingSummary>, std::string>> listJob_;
    ui::BackgroundJob<Expected<std::uint64_t, std::string>> mixJob_;
    ui::BackgroundJob<Expected<int, std::string>> saveJob_;
    ui::BackgroundJob<Expected<bool, std::string>> deleteJob_;
};

}  // namespace samspil::desktop
