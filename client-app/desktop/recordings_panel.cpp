#include "recordings_panel.h"

#include "take_export.h"

#include <iostream>

namespace samspil::desktop {
namespace {

constexpr int kMixRetries = 40;  // × 3 s: a mix is made seconds after the lesson ends

juce::String clockText(double seconds) {
    const int total = juce::roundToInt(seconds);
    const int h = total / 3600, m = total / 60 % 60, s = total % 60;
    return h ? juce::String::formatted("%d:%02d:%02d", h, m, s) : juce::String::formatted("%d:%02d", m, s);
}

// "3 Dec 2026, 14:05" / "3. dec. 2026, 14:05": the month's name in the window's language
// (strftime's would be the C library's, English here).
juce::String whenText(std::int64_t unixMs) {
    const juce::Time when(unixMs);
    const juce::String months[] = {ui::tr("Jan"), ui::tr("Feb"), ui::tr("Mar"), ui::tr("Apr"), ui::tr("May"), ui::tr("Jun"),
                                   ui::tr("Jul"), ui::tr("Aug"), ui::tr("Sep"), ui::tr("Oct"), ui::tr("Nov"), ui::tr("Dec")};
    return ui::tr("{day} {month} {year}, {time}")
        .replace("{day}", juce::String(when.getDayOfMonth()))
        .replace("{month}", months[when.getMonth()])
        .replace("{year}", juce::String(when.getYear()))
        .replace("{time}", when.formatted("%H:%M"));
}

juce::String text(const std::string& utf8) {
    return juce::String::fromUTF8(utf8.c_str());
}

}  // namespace

RecordingsPanel::RecordingsPanel(RecordingPlayer& player) : player_(player) {
    title_.setText(ui::tr("Your recordings"), juce::dontSendNotification);
    title_.setFont(juce::Font(18.0f, juce::Font::bold));
    addAndMakeVisible(title_);
    status_.setColour(juce::Label::textColourId, ui::colours::dimText);
    addAndMakeVisible(status_);
    refresh_.onClick = [this] { refresh(); };
    addAndMakeVisible(refresh_);
    list_.setRowHeight(44);
    list_.setColour(juce::ListBox::backgroundColourId, ui::colours::panel);
    list_.setTitle(ui::tr("Recorded lessons"));
    addAndMakeVisible(list_);
    details_.setJustificationType(juce::Justification::topLeft);
    addAndMakeVisible(details_);
    play_.onClick = [this] { playClicked(); };
    addAndMakeVisible(play_);
    seek_.setRange(0.0, 1.0);
    seek_.setTitle(ui::tr("Position in the recording"));
    seek_.onDragEnd = [this] { player_.seek(seek_.getValue()); };
    seek_.onValueChange = [this] {
        if (!seek_.isMouseButtonDown()) player_.seek(seek_.getValue());  // keyboard
    };
    addAndMakeVisible(seek_);
    addAndMakeVisible(position_);
    save_.setTooltip(ui::tr("Saves the mix and each person's track as Ogg Opus files (VLC, Audacity and browsers play them); "
                        "a take also as WAV files with a REAPER project and an Audacity list that line them up on its tempo"));
    save_.onClick = [this] { saveClicked(); };
    addAndMakeVisible(save_);
    delete_.setTooltip(ui::tr("Deletes it for everyone; the school's audit log keeps who and when"));
    delete_.onClick = [this] { deleteClicked(); };
    addAndMakeVisible(delete_);
    setAccount({}, std::nullopt);
    startTimerHz(10);
}

RecordingsPanel::~RecordingsPanel() {
    stopTimer();
    player_.pause();
    for (const auto& file : fetched_) file.deleteFile();
}

void RecordingsPanel::setAccount(const std::string& serverUrl, const std::optional<std::string>& token) {
    serverUrl_ = serverUrl;
    token_ = token;
    recordings_.clear();
    list_.updateContent();
    showSelected();
    if (!token_) {
        say(ui::tr("Sign in on the Connect page to see the recorded lessons you were in."));
        return;
    }
    refresh();
}

void RecordingsPanel::refresh() {
    if (!token_) return;
    const std::string server = serverUrl_, token = *token_;
    const bool started = listJob_.start([server, token] { return net::fetchRecordings(server, token); },
                                        [this](Expected<std::vector<net::RecordingSummary>, std::string> list) {
        if (!list) return say(text(list.error()));
        const auto chosen = selected() ? std::optional<std::int64_t>(selected()->id) : std::nullopt;
        recordings_ = std::move(*list);
        list_.updateContent();
        int row = recordings_.empty() ? -1 : 0;
        for (std::size_t i = 0; i < recordings_.size(); ++i)
            if (chosen && recordings_[i].id == *chosen) row = static_cast<int>(i);
        list_.selectRow(row);
        say(recordings_.empty() ? ui::tr("No recordings yet. When your teacher records a lesson you are in, it is here afterwards.")
                                : recordings_.size() == 1 ? ui::tr("1 recording.")
                                                          : ui::tr("{count} recordings.").replace("{count}", juce::String(recordings_.size())));
        std::cout << "samspil: recordings: " << recordings_.size() << " listed" << std::endl;
        showSelected();
        if (playNewest_ && !recordings_.empty() && recordings_.front().mixDownload) {
            playNewest_ = false;
            if (onWantsFront) onWantsFront();
            playClicked();
        }
    });
    if (started) say(ui::tr("Fetching the recordings …"));
}

const net::RecordingSummary* RecordingsPanel::selected() const {
    const int row = list_.getSelectedRow();
    return row >= 0 && row < static_cast<int>(recordings_.size()) ? &recordings_[static_cast<std::size_t>(row)] : nullptr;
}

void RecordingsPanel::paintListBoxItem(int row, juce::Graphics& g, int width, int height, bool isSelected) {
    if (row < 0 || row >= static_cast<int>(recordings_.size())) return;
    const auto& r = recordings_[static_cast<std::size_t>(row)];
    if (isSelected) g.fillAll(ui::colours::accent.withAlpha(0.25f));
    g.setColour(ui::colours::text);
    g.setFont(juce::Font(15.0f, juce::Font::bold));
    g.drawText(text(r.title), 10, 4, width - 20, 18, juce::Justification::left);
    g.setColour(ui::colours::dimText);
    g.setFont(13.0f);
    juce::String line = whenText(r.startedAtMs) + ui::utf8(" · ") + clockText(static_cast<double>(r.lengthMs) / 1000.0);
    if (r.takeBpm > 0) line << ui::utf8(" · ") << ui::tr("take at {bpm} BPM").replace("{bpm}", juce::String(juce::roundToInt(r.takeBpm)));
    if (r.status == "recording") line << ui::utf8(" · ") << ui::tr("being recorded now");
    if (r.status == "interrupted") line << ui::utf8(" · ") << ui::tr("cut short");
    g.drawText(line, 10, 23, width - 20, 16, juce::Justification::left);
    juce::ignoreUnused(height);
}

void RecordingsPanel::selectedRowsChanged(int) {
    showSelected();
}

// The details of the chosen recording, and which buttons make sense for it.
void RecordingsPanel::showSelected() {
    const auto* r = selected();
    play_.setEnabled(r && r->mixDownload);
    save_.setEnabled(r && r->status != "recording");
    delete_.setVisible(r && r->mayDelete);
    delete_.setEnabled(r && r->status != "recording");
    if (!r) {
        details_.setText({}, juce::dontSendNotification);
        return;
    }
    juce::StringArray people;
    for (const auto& track : r->tracks) people.add(text(track.name));
    juce::String about = people.isEmpty() ? ui::tr("With nobody.") : ui::tr("With {names}.").replace("{names}", people.joinIntoString(", "));
    if (!r->notRecorded.empty()) {
        juce::StringArray left;
        for (const auto& name : r->notRecorded) left.add(text(name));
        about << " " << ui::tr("Not in the recording: {names}.").replace("{names}", left.joinIntoString(", "));
    }
    if (r->status == "interrupted") about << " " << ui::tr("The server stopped during the lesson; it plays up to that point.");
    if (!r->mixDownload && r->status != "recording") about << " " << ui::tr("The mix is being made …");
    details_.setText(about, juce::dontSendNotification);
}

void RecordingsPanel::playClicked() {
    const auto* r = selected();
    if (!r || !r->mixDownload || !token_) return;
    if (loadedId_ == r->id) {
        if (player_.isPlaying()) player_.pause(); else player_.play();
        return;
    }
    // The mix is fetched once into the cache, then played from there.
    const juce::File file = mixCacheFile(r->id);
    if (file.existsAsFile()) return startPlaying(*r, file.getFullPathName().toStdString());
    const std::string server = serverUrl_, token = *token_, path = *r->mixDownload, target = file.getFullPathName().toStdString();
    const net::RecordingSummary recording = *r;
    file.getParentDirectory().createDirectory();
    play_.setEnabled(false);
    say(ui::tr("Fetching the mix …"));
    mixJob_.start([server, token, path, target] { return net::downloadRecordingFile(server, token, path, target); },
                  [this, recording, target](Expected<std::uint64_t, std::string> got) {
                      play_.setEnabled(true);
                      if (!got) return say(text(got.error()));
                      fetched_.emplace_back(target);
                      startPlaying(recording, target);
                  });
}

void RecordingsPanel::startPlaying(const net::RecordingSummary& recording, const std::string& file) {
    const auto length = player_.open(file);
    if (!length) {
        juce::File(file).deleteFile();  // a damaged download is fetched again next time
        return say(text(length.error()));
    }
    loadedId_ = recording.id;
    seek_.setRange(0.0, std::max(*length, 0.1), 0.0);
    player_.play();
    reportedEnd_ = false;
    say(ui::tr("Playing {title}.").replace("{title}", text(recording.title)));
    std::cout << "samspil: playing the mix of " << recording.title << " (" << juce::String(*length, 1) << " s)" << std::endl;
}

// Message thread, 10 times a second: the position, the button, the end; the list again
// every 3 s while a mix is being made.
void RecordingsPanel::timerCallback() {
    const bool playing = player_.isPlaying();
    play_.setButtonText(playing && selected() && loadedId_ == selected()->id ? ui::tr("Pause") : ui::tr("Play the mix"));
    if (loadedId_) {
        if (!seek_.isMouseButtonDown()) seek_.setValue(player_.positionSeconds(), juce::dontSendNotification);
        position_.setText(clockText(player_.positionSeconds()) + " / " + clockText(player_.lengthSeconds()),
                          juce::dontSendNotification);
    }
    if (player_.reachedEnd() && !reportedEnd_) {
        reportedEnd_ = true;
        std::cout << "samspil: playback ended" << std::endl;
    }
    const bool mixPending = std::any_of(recordings_.begin(), recordings_.end(), [](const net::RecordingSummary& r) {
        return r.status == "recording" || (!r.mixDownload && !r.tracks.empty());
    });
    if (++ticks_ % 30 == 0 && mixPending && mixRetries_++ < kMixRetries && !listJob_.running()) refresh();
}

void RecordingsPanel::saveClicked() {
    const auto* r = selected();
    if (!r) return;
    const net::RecordingSummary recording = *r;
    const juce::File music = juce::File::getSpecialLocation(juce::File::userMusicDirectory).getChildFile("Samspil");
    chooser_ = std::make_unique<juce::FileChooser>(ui::tr("Save the recording in this folder"), music);
    chooser_->launchAsync(juce::FileBrowserComponent::openMode | juce::FileBrowserComponent::canSelectDirectories,
                          [this, recording](const juce::FileChooser& chooser) {
                              if (chooser.getResult() != juce::File()) saveInto(chooser.getResult(), recording);
                          });
}

// Saves into folder/"<title> <date>"/: mix.opus and one file per person, named after them;
// for a take also a WAV per person from the take's first bar line, and REAPER and Audacity
// projects that put them on the take's tempo (take_export.h).
void RecordingsPanel::saveInto(const juce::File& folder, const net::RecordingSummary& recording) {
    if (!token_) return;
    const juce::File into = folder.getChildFile(juce::File::createLegalFileName(
        text(recording.title) + " " + juce::Time(recording.startedAtMs).formatted("%Y-%m-%d %H.%M")));
    into.createDirectory();
    std::vector<std::pair<std::string, std::string>> files;  // API path, file
    if (recording.mixDownload) files.emplace_back(*recording.mixDownload, into.getChildFile("mix.opus").getFullPathName().toStdString());
    DawExport daw{recording.title, {}, recording.takeBpm, recording.takeBeatsPerBar, into.getFullPathName().toStdString()};
    for (const auto& track : recording.tracks) {
        const std::string file = into.getChildFile(juce::File::createLegalFileName(text(track.name)) + ".opus").getFullPathName().toStdString();
        files.emplace_back(track.download, file);
        daw.tracks.push_back({track.name, file});
    }
    if (recording.takeBpm <= 0) daw.tracks.clear();  // a lesson: its hour of WAV would help nobody
    const std::string server = serverUrl_, token = *token_;
    save_.setEnabled(false);
    say(ui::tr("Saving …"));
    saveJob_.start(
        [server, token, files, daw]() -> Expected<int, std::string> {
            for (const auto& [path, file] : files)
                if (auto got = net::downloadRecordingFile(server, token, path, file); !got) return Unexpected{got.error()};
            if (daw.tracks.empty()) return static_cast<int>(files.size());
            auto exported = exportForDaw(daw);
            if (!exported) return Unexpected{exported.error()};
            return static_cast<int>(files.size() + exported->wavFiles.size() + 2);
        },
        [this, into](Expected<int, std::string> saved) {
            save_.setEnabled(true);
            say(saved ? ui::tr("Saved {count} files in {folder}").replace("{count}", juce::String(*saved)).replace("{folder}", into.getFullPathName())
                      : text(saved.error()));
        });
}

void RecordingsPanel::deleteClicked() {
    const auto* r = selected();
    if (!r || !token_) return;
    const std::int64_t id = r->id;
    const juce::String question = ui::tr("Delete the recording “{title}” of {when} for everyone? This cannot be undone.")
                                      .replace("{title}", text(r->title))
                                      .replace("{when}", whenText(r->startedAtMs));
    juce::AlertWindow::showOkCancelBox(juce::MessageBoxIconType::WarningIcon, ui::tr("Delete the recording"), question, ui::tr("Delete"),
                                       ui::tr("Keep it"), this, juce::ModalCallbackFunction::create([this, id](int answer) {
        if (answer == 0 || !token_) return;
        if (loadedId_ == id) {
            player_.pause();
            loadedId_.reset();
        }
        const std::string server = serverUrl_, token = *token_;
        deleteJob_.start([server, token, id] { return net::deleteRecording(server, token, id); },
                         [this, id](Expected<bool, std::string> deleted) {
                             if (!deleted) return say(text(deleted.error()));
                             mixCacheFile(id).deleteFile();
                             refresh();
                         });
    }));
}

juce::File RecordingsPanel::mixCacheFile(std::int64_t id) const {
    // Per server (ids start at 1 on each), fetched once per run of the app.
    const juce::String server = juce::String::toHexString(juce::String(serverUrl_).hashCode64());
    return juce::File::getSpecialLocation(juce::File::tempDirectory)
        .getChildFile("samspil-recordings")
        .getChildFile(server + "-" + juce::String(id) + "-mix.opus");
}

void RecordingsPanel::say(const juce::String& sentence) {
    status_.setText(sentence, juce::dontSendNotification);
}

void RecordingsPanel::paint(juce::Graphics& g) {
    g.fillAll(ui::colours::background);
}

void RecordingsPanel::resized() {
    auto area = getLocalBounds().reduced(16);
    auto top = area.removeFromTop(30);
    refresh_.setBounds(top.removeFromRight(100));
    title_.setBounds(top);
    status_.setBounds(area.removeFromTop(24));
    area.removeFromTop(6);
    auto controls = area.removeFromBottom(150);
    list_.setBounds(area);
    controls.removeFromTop(8);
    details_.setBounds(controls.removeFromTop(48));
    auto player = controls.removeFromTop(34);
    play_.setBounds(player.removeFromLeft(130));
    position_.setBounds(player.removeFromRight(110));
    seek_.setBounds(player.reduced(8, 0));
    controls.removeFromTop(10);
    auto buttons = controls.removeFromTop(34);
    save_.setBounds(buttons.removeFromLeft(240));
    buttons.removeFromLeft(10);
    delete_.setBounds(buttons.removeFromLeft(200));
}

}  // namespace samspil::desktop
