// RoomService: the server's protocol logic, without sockets — it talks to an Outbox, so
// it is tested without a network. It owns the connections' place in rooms (RoomDirectory),
// turns each frame into a typed message and hands it to the component that owns that part
// of a room, each with its own per-participant state behind a narrow interface:
//
//   RoomRoster     join, waiting room, the teacher's controls, peers, room_state, streams
//   RoomChat       chat with history
//   MediaRelay     media fan-out, the media budget, repeats told from first copies
//   RoomTiming     shared tempo, the room's metronome grid
//   RoomRecording  recording a lesson: who is told, where each packet goes
//   MediaPaths     the UDP path's offer, a browser's media twin, the video WebSocket
//   VideoRelay     cameras, who wants which layer of whom, pin, video frames relayed
//
// Every method runs on the service thread only.
#pragma once

#include "metrics.h"
#include "relay_types.h"
#include "rooms/media_paths.h"
#include "rooms/media_relay.h"
#include "rooms/room_chat.h"
#include "rooms/room_directory.h"
#include "rooms/room_limits.h"
#include "rooms/room_recording.h"
#include "rooms/room_roster.h"
#include "rooms/room_timing.h"
#include "rooms/uplink_watch.h"
#include "rooms/video_relay.h"

#include <cstdint>
#include <span>
#include <string_view>

namespace samspil::server {

class RoomService : private RoomReplies, private RosterEvents, private MediaTap {
public:
    RoomService(Outbox& outbox, ChatArchive& archive, JoinPolicy& policy, AuditSink& audit, RelayMetrics& metrics,
                RoomLimits limits = {});

    /// A WebSocket connection opened.
    void onOpen(ConnectionId id, std::int64_t nowUs);
    /// A whole text frame arrived.
    void onText(ConnectionId id, std::string_view text, std::int64_t nowUs);
    /// A whole binary frame arrived (or a UDP datagram's media body).
    void onBinary(ConnectionId id, std::span<const std::uint8_t> bytes, std::int64_t nowUs);
    /// A whole video frame came from a participant's UDP path.
    void onVideo(ConnectionId id, std::span<const std::uint8_t> frame, std::int64_t nowUs);
    /// Video toward a participant was dropped (`frames` of `senderStream`'s `layer`); once
    /// their queue caught up (`recovered`) the sender owes them a keyframe.
    void onVideoDropped(ConnectionId to, std::uint16_t senderStream, std::uint32_t frames);
    void onVideoRecovered(ConnectionId to, std::uint16_t senderStream, protocol::VideoLayer layer, std::int64_t nowUs);
    /// A frame exceeded the size limit; the connection will be closed.
    void onOversized(ConnectionId id, std::string_view what);
    /// The connection is gone.
    void onClose(ConnectionId id);
    /// Closes sessions that went quiet; call about once a second.
    void closeIdle(std::int64_t nowUs);
    /// Tells every client the server is going away and closes them.
    void shutdown();

    /// Service thread, before the first connection: where recordings go (none by default).
    void useRecordings(RecordingSink& recordings) { recording_.useRecordings(recordings); }

    std::size_t roomCount() const { return directory_.rooms().size(); }
    std::size_t participantCount() const { return roster_.participantCount(); }
    /// Rooms being recorded now.
    std::size_t recordingCount() const { return recording_.recordingCount(); }
    std::size_t sessionCount() const;
    /// Packets the recorder placed by their arrival: their epoch or timestamp was too far off.
    std::uint64_t misplacedRecordingPackets() const { return recording_.misplacedPackets(); }

private:
    template <typename Message>
    void dispatch(Participant& participant, const Message& message, std::int64_t nowUs);

    // RoomReplies
    void send(ConnectionId to, const protocol::ServerMessage& message) override;
    void sendText(ConnectionId to, const std::string& text) override;
    void sendToMembers(const Room& room, const protocol::ServerMessage& message) override;
    void refuse(ConnectionId to, protocol::ErrorCode code, std::string_view detail, bool fatal) override;
    void refuseMoved(ConnectionId to, const std::string& url) override;
    void sendError(Participant& participant, protocol::ErrorCode code, std::string_view detail, bool fatal,
                   int closeCode = kClosePolicy, std::optional<std::string> url = std::nullopt);

    // RosterEvents
    void opened(Room& room) override;
    void enter(Participant& participant, Room& room) override;
    void leaving(Participant& participant, Room& room) override;
    void emptied(Room& room) override;
    void closed(const Room& room) override;
    void streamAnnounced(Participant& participant) override;
    std::optional<protocol::RecordingState> recordingState(const Room& room) const override;

    // MediaTap: the recorder's view of the relay.
    bool wants(const Room& room) const override { return recording_.isRecording(room); }
    void onRelayed(const Room& room, const Participant& sender, const protocol::MediaHeader& header,
                   const SharedMedia& packet, std::int64_t nowUs) override;

    Outbox& outbox_;
    RelayMetrics& metrics_;
    RoomLimits limits_;
    RoomDirectory directory_;
    RoomRoster roster_;
    RoomChat chat_;
    MediaRelay relay_;
    RoomTiming timing_;
    RoomRecording recording_;
    MediaPaths paths_;
    UplinkWatch uplink_;  // before video_, which reads it
    VideoRelay video_;
};

}  // namespace samspil::server
