#include "video_panel.h"

#include "samspil/base/percentile.h"
#include "samspil/time/clock.h"
#include "samspil/video/video_ladder.h"

#include <iostream>

namespace samspil::desktop {

using namespace samspil::protocol;
using client_video::VideoLayout;

namespace {
constexpr int kTicksPerSecond = 30;
constexpr std::int64_t kStaleAfterUs = 2'000'000;  // no picture this long while the camera is on: paused here
}  // namespace

VideoPanel::VideoPanel(ui::RoomSession& session, std::string camera, bool cameraOnAtJoin)
    : session_(session), camera_(std::move(camera)), cameraOnAtJoin_(cameraOnAtJoin) {
    cameraButton_.setButtonText(ui::tr("Turn camera on"));
    cameraButton_.setClickingTogglesState(false);
    cameraButton_.onClick = [this] { toggleCamera(); };
    addAndMakeVisible(cameraButton_);
    layoutCaption_.setText(ui::tr("Layout"), juce::dontSendNotification);
    addAndMakeVisible(layoutCaption_);
    layout_.addItem(ui::tr("All the same size"), 1);
    layout_.addItem(ui::tr("One large"), 2);
    layout_.setSelectedId(1, juce::dontSendNotification);
    layout_.setTitle(ui::tr("Layout"));
    layout_.onChange = [this] { syncTiles(); };
    addAndMakeVisible(layout_);
    privacy_.setText(ui::tr("Video is never recorded and never stored on the server: it only passes on to the others in the room."),
                     juce::dontSendNotification);
    privacy_.setColour(juce::Label::textColourId, ui::colours::dimText);
    privacy_.setFont(juce::Font(13.0f));
    addAndMakeVisible(privacy_);
    problem_.setColour(juce::Label::textColourId, ui::colours::poor);
    addAndMakeVisible(problem_);
    self_.setName(ui::tr("You"), true, false);
    addChildComponent(self_);
    session_.onClientChanged = [this](net::SessionClient* client) { clientChanged(client); };
    session_.setVideoListener(this);
    if (auto* client = session_.client()) clientChanged(client);
    startTimerHz(kTicksPerSecond);
}

VideoPanel::~VideoPanel() {
    stopTimer();
    session_.setVideoListener(nullptr);
    session_.onClientChanged = nullptr;
    clientChanged(nullptr);
}

void VideoPanel::clientChanged(net::SessionClient* client) {
    std::lock_guard lock(mutex_);
    sender_.reset();  // its thread stops, the camera closes
    receiver_.reset();
    cameraTurnedOnOnce_ = false;
    if (!client) return;
    sender_ = std::make_unique<client_video::VideoSender>(*client, client_video::cameraFor(camera_, video::kVideoLadder.back(), *client));
    receiver_ = std::make_unique<client_video::VideoReceiver>(*client);
}

void VideoPanel::onVideoWelcome() {
    std::lock_guard lock(mutex_);
    if (sender_) sender_->onWelcome();
    if (receiver_) receiver_->onWelcome();
}

void VideoPanel::onVideoDemand(const VideoDemand& demand) {
    std::lock_guard lock(mutex_);
    if (sender_) sender_->onDemand(demand);
}

void VideoPanel::onVideoFrame(std::span<const std::uint8_t> frame) {
    std::lock_guard lock(mutex_);
    if (receiver_) receiver_->onFrame(frame);
}

void VideoPanel::toggleCamera() {
    std::lock_guard lock(mutex_);
    if (!sender_) return;
    sender_->setCameraOn(!sender_->cameraOn());
}

// Message thread, 30 times a second: the camera's state, the tiles, their pictures.
void VideoPanel::timerCallback() {
    const bool joined = session_.state() == net::SessionState::Joined;
    bool on = false;
    bool blocked = false;
    for (const auto& p : session_.participants())
        if (p.isSelf) blocked = p.cameraBlocked;
    {
        std::lock_guard lock(mutex_);
        if (sender_ && joined && cameraOnAtJoin_ && !cameraTurnedOnOnce_) {
            cameraTurnedOnOnce_ = true;
            sender_->setCameraOn(true);
        }
        if (sender_ && blocked && sender_->cameraOn()) sender_->setCameraOn(false);  // the teacher turned it off
        on = sender_ && sender_->cameraOn();
        const std::string error = sender_ ? sender_->stats().cameraError : std::string();
        problem_.setText(error.empty() ? juce::String() : ui::tr("The camera cannot be used: {why}").replace("{why}", juce::String::fromUTF8(error.c_str())),
                         juce::dontSendNotification);
        if (sender_ && on) {
            video::I420Image preview;
            if (sender_->preview(preview, selfVersion_)) self_.setPicture(preview, true);
        }
    }
    cameraButton_.setButtonText(on ? ui::tr("Turn camera off") : ui::tr("Turn camera on"));
    cameraButton_.setToggleState(on, juce::dontSendNotification);
    cameraButton_.setEnabled(joined && (!blocked || on));
    cameraButton_.setTooltip(blocked ? ui::tr("The teacher has turned your camera off.") : juce::String());
    if (self_.isVisible() != on) {
        self_.setVisible(on);
        layoutTiles();
    }
    syncTiles();
    if (++ticks_ % (2 * kTicksPerSecond) == 0) printFigures();
}

// Message thread: a tile per other participant, the layers to ask for, each tile's picture or why not.
void VideoPanel::syncTiles() {
    std::vector<PeerInfo> others;
    std::map<std::uint16_t, const ui::Participant*> byStream;
    for (const auto& p : session_.participants()) {
        if (p.isSelf) continue;
        PeerInfo info;
        info.participantId = p.participantId;
        info.streamId = p.streamId;
        info.name = p.name;
        info.camera = p.camera;
        info.cameraBlocked = p.cameraBlocked;
        others.push_back(info);
        byStream[p.streamId] = &p;
    }
    const std::uint32_t pinned = session_.roomState().pinnedParticipantId;
    const auto layout = layout_.getSelectedId() == 2 ? VideoLayout::OneLarge : VideoLayout::Grid;
    choice_ = client_video::chooseLayers(others, layout, pinned, chosen_);
    bool changed = false;
    for (auto it = tiles_.begin(); it != tiles_.end();) {
        if (!byStream.count(it->first)) {
            it = tiles_.erase(it);
            changed = true;
        } else {
            ++it;
        }
    }
    const bool teacher = session_.holdsControls();
    const bool mayPin = teacher || session_.selfRole() == "participant";  // an open room: anyone
    std::lock_guard lock(mutex_);
    for (const auto& [stream, p] : byStream) {
        auto& tile = tiles_[stream];
        if (!tile) {
            tile = std::make_unique<VideoTile>();
            const std::uint32_t id = p->participantId;
            const std::uint16_t s = stream;
            tile->onChoose = [this, s] {
                chosen_ = s;
                syncTiles();
            };
            tile->onPin = [this, id] {
                const std::uint32_t now = session_.roomState().pinnedParticipantId;
                session_.sendControl(Pin{now == id ? 0u : id});
            };
            tile->onBlock = [this, id] {
                for (const auto& q : session_.participants())
                    if (q.participantId == id) session_.sendControl(CameraBlock{id, !q.cameraBlocked});
            };
            addAndMakeVisible(*tile);
            changed = true;
        }
        tile->setName(juce::String::fromUTF8(p->name.c_str()), p->camera == CameraState::On, pinned == p->participantId);
        tile->setActions(mayPin, pinned == p->participantId ? ui::tr("Stop showing large") : ui::tr("Show large to everyone"),
                         teacher, p->cameraBlocked ? ui::tr("Allow camera") : ui::tr("Turn camera off"));
        tile->resized();
        if (receiver_) receiver_->want(stream, choice_.layers[stream]);
        video::I420Image picture;
        std::uint64_t& version = shownVersions_[stream];
        if (receiver_ && receiver_->latest(stream, picture, version)) tile->setPicture(picture, false);
        const std::int64_t last = receiver_ ? receiver_->lastPictureUs(stream) : 0;
        juce::String why;
        if (p->cameraBlocked) why = ui::tr("The teacher has turned the camera off");
        else if (p->camera == CameraState::Off) why = ui::tr("The camera is off");
        else if (p->camera == CameraState::Paused) why = ui::tr("Video paused: the connection is too weak");
        else if (last == 0) why = ui::tr("Waiting for the picture …");
        else if (monotonicMicros() - last > kStaleAfterUs) why = ui::tr("Video paused: the connection is too weak");
        tile->setState(why);
    }
    if (changed) layoutTiles();
    else if (layout_.getSelectedId() == 2 || pinned != 0) layoutTiles();
}

void VideoPanel::printFigures() {
    std::lock_guard lock(mutex_);
    if (sender_ && sender_->cameraOn()) {
        const auto s = sender_->stats();
        std::cout << "samspil: camera on (" << (camera_ == "test-pattern" ? "test pattern" : camera_) << "): "
                  << s.framesEncoded[0] + s.framesEncoded[1] << " frames sent"
                  << (s.step >= 0 ? std::string(" at ") + video::kVideoLadder[static_cast<std::size_t>(s.step)].name : std::string(", paused"));
        for (const auto& [why, seconds] : s.strains) std::cout << "; strained by " << why << " " << seconds << " s";
        std::cout << std::endl;
    }
    if (!receiver_) return;
    for (const auto& [stream, r] : receiver_->stats()) {
        std::string name = "stream " + std::to_string(stream);
        for (const auto& p : session_.participants())
            if (p.streamId == stream) name = p.name;
        std::cout << "samspil: video from " << name << ": " << r.framesDecoded << " pictures " << r.width << "x" << r.height
                  << ", " << r.glassToGlassMs.size() << " read by their time code";
        if (!r.glassToGlassMs.empty())
            std::cout << ", glass to glass p50 " << percentile(r.glassToGlassMs, 0.5) << " ms p95 "
                      << percentile(r.glassToGlassMs, 0.95) << " ms";
        std::cout << std::endl;
    }
}

void VideoPanel::paint(juce::Graphics& g) {
    g.fillAll(ui::colours::background);
}

void VideoPanel::resized() {
    auto area = getLocalBounds().reduced(8);
    auto bar = area.removeFromTop(32);
    cameraButton_.setBounds(bar.removeFromLeft(170));
    bar.removeFromLeft(12);
    layoutCaption_.setBounds(bar.removeFromLeft(60));
    layout_.setBounds(bar.removeFromLeft(180));
    bar.removeFromLeft(12);
    problem_.setBounds(bar);
    privacy_.setBounds(area.removeFromTop(22));
    layoutTiles();
}

// The large tile (if any) across the top, the others (and one's preview) in a row of equal
// tiles below; without a large one, all in a grid.
void VideoPanel::layoutTiles() {
    auto area = getLocalBounds().reduced(8);
    area.removeFromTop(32 + 22 + 4);
    std::vector<juce::Component*> small;
    juce::Component* large = nullptr;
    for (auto& [stream, tile] : tiles_) {
        if (choice_.largeStream == stream) large = tile.get();
        else small.push_back(tile.get());
    }
    if (self_.isVisible()) small.push_back(&self_);
    if (large) {
        auto top = area.removeFromTop(small.empty() ? area.getHeight() : area.getHeight() * 2 / 3);
        large->setBounds(top.reduced(2));
    }
    if (small.empty()) return;
    const int count = static_cast<int>(small.size());
    const int columns = large ? count : std::max(1, static_cast<int>(std::ceil(std::sqrt(static_cast<double>(count)))));
    const int rows = (count + columns - 1) / columns;
    const int width = area.getWidth() / columns, height = area.getHeight() / std::max(1, rows);
    for (int i = 0; i < count; ++i)
        small[static_cast<std::size_t>(i)]->setBounds(area.getX() + (i % columns) * width, area.getY() + (i / columns) * height,
                                                      width - 4, height - 4);
}

}  // namespace samspil::desktop
