// VideoPanel: video in the desktop app's room — the camera button (off until the person
// turns it on), the layout (all the same size, or one large), one tile per other participant
// and one's own preview, the teacher's pin and camera-off on each tile. It makes a
// VideoSender and a VideoReceiver (client-app/video) for each session and asks each camera
// for the layer its tile needs. The camera is V4L2's (libv4l2) or, with --camera
// test-pattern, the test pattern. Every 2 s it writes its figures to stdout (the tests read
// them). Message thread, but for the VideoListener calls (network thread).
#pragma once

#include "room_session.h"
#include "video_tile.h"
#include "samspil/client_video/video_layout.h"
#include "samspil/client_video/video_receiver.h"
#include "samspil/client_video/video_sender.h"

#include <juce_gui_basics/juce_gui_basics.h>

#include <map>
#include <memory>
#include <mutex>

namespace samspil::desktop {

class VideoPanel : public juce::Component, private ui::VideoListener, private juce::Timer {
public:
    /// camera: "test-pattern" or a V4L2 device (/dev/video0); cameraOnAtJoin: turn it on once
    /// in the room (--camera-on), as if the button was pressed.
    VideoPanel(ui::RoomSession& session, std::string camera, bool cameraOnAtJoin);
    ~VideoPanel() override;

    /// Whether it has pictures (or their tiles) to show, or only its bar.
    bool showsTiles() const { return !tiles_.empty() || self_.isVisible(); }
    /// The height of the bar alone (the camera button, the layout, the privacy line).
    static constexpr int kBarHeight = 70;

    void paint(juce::Graphics& g) override;
    void resized() override;

private:
    // VideoListener: network thread.
    void onVideoWelcome() override;
    void onVideoDemand(const protocol::VideoDemand& demand) override;
    void onVideoFrame(std::span<const std::uint8_t> frame) override;

    void clientChanged(net::SessionClient* client);
    void timerCallback() override;
    void syncTiles();
    void layoutTiles();
    void toggleCamera();
    void printFigures();

    ui::RoomSession& session_;
    std::string camera_;
    bool cameraOnAtJoin_;
    bool cameraTurnedOnOnce_ = false;

    std::mutex mutex_;  // sender_ and receiver_ against the network thread's calls
    std::unique_ptr<client_video::VideoSender> sender_;
    std::unique_ptr<client_video::VideoReceiver> receiver_;

    juce::TextButton cameraButton_;
    juce::ComboBox layout_;
    juce::Label layoutCaption_, privacy_, problem_;
    VideoTile self_;
    std::map<std::uint16_t, std::unique_ptr<VideoTile>> tiles_;
    std::map<std::uint16_t, std::uint64_t> shownVersions_;
    std::uint64_t selfVersion_ = 0;
    std::optional<std::uint16_t> chosen_;
    client_video::LayerChoice choice_;
    int ticks_ = 0;
};

}  // namespace samspil::desktop
