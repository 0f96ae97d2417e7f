#include "rooms/video_relay.h"

#include "samspil/protocol/video_frame.h"

namespace samspil::server {

using namespace samspil::protocol;

namespace {
// A sender is asked for a keyframe of a layer at most this often (a receiver that keeps
// losing frames must not make it send nothing but keyframes).
constexpr std::int64_t kKeyframeEveryUs = 500'000;
constexpr std::size_t layerIndex(VideoLayer layer) { return static_cast<std::size_t>(layer); }
}  // namespace

bool VideoRelay::mayControl(Participant& participant, const Room& room) {
    if (room.schoolId == 0) return true;  // an open room: anyone
    return roster_.controlledBy(participant) != nullptr;
}

Participant* VideoRelay::senderWithStream(const Room& room, std::uint16_t streamId) {
    for (ConnectionId member : room.members)
        if (Participant* p = directory_.find(member); p && p->streamId == streamId) return p;
    return nullptr;
}

void VideoRelay::handle(Participant& participant, const CameraSet& camera, std::int64_t nowUs) {
    if (!participant.joined()) return replies_.refuse(participant.id, ErrorCode::NotJoined);
    if (participant.cameraBlocked && camera.state != CameraState::Off)
        return replies_.refuse(participant.id, ErrorCode::NotAllowed, "the teacher has turned your camera off");
    if (participant.camera == camera.state) return;
    participant.camera = camera.state;
    roster_.broadcastPeers(directory_.roomOf(participant));
    if (camera.state == CameraState::On) updateDemand(participant, nowUs, true);
}

void VideoRelay::handle(Participant& participant, const VideoSubscribe& subscribe, std::int64_t nowUs) {
    if (!participant.joined()) return replies_.refuse(participant.id, ErrorCode::NotJoined);
    Receiver& receiver = receivers_[participant.id];
    const auto before = receiver.wants.find(subscribe.streamId);
    const bool changed = subscribe.layer ? before == receiver.wants.end() || before->second != *subscribe.layer
                                         : before != receiver.wants.end();
    if (!changed) return;
    if (subscribe.layer) {
        receiver.wants[subscribe.streamId] = *subscribe.layer;
        receiver.awaitingKeyframe.insert({subscribe.streamId, *subscribe.layer});  // nothing it cannot decode
    } else
        receiver.wants.erase(subscribe.streamId);
    Participant* sender = senderWithStream(directory_.roomOf(participant), subscribe.streamId);
    if (!sender || sender == &participant) return;
    updateDemand(*sender, nowUs);
    // A new viewer of a layer needs a keyframe to start from.
    if (subscribe.layer) askKeyframe(*sender, *subscribe.layer, nowUs);
}

void VideoRelay::handle(Participant& participant, const KeyframeRequest& request, std::int64_t nowUs) {
    if (!participant.joined()) return replies_.refuse(participant.id, ErrorCode::NotJoined);
    if (Participant* sender = senderWithStream(directory_.roomOf(participant), request.streamId))
        askKeyframe(*sender, request.layer, nowUs);
}

void VideoRelay::handle(Participant& participant, const VideoReport& report, std::int64_t nowUs) {
    if (!participant.joined()) return replies_.refuse(participant.id, ErrorCode::NotJoined);
    Participant* sender = senderWithStream(directory_.roomOf(participant), report.streamId);
    if (!sender) return;
    const std::uint32_t frames = report.framesReceived + report.framesLost;
    const std::uint32_t lossPercent = frames > 0 ? report.framesLost * 100 / frames : 0;
    // The sender hears it either way: the loss may be on its own line (then every receiver
    // reports it, and only sending less helps).
    Sender& state = senders_[sender->id];
    state.worstLossPercent = std::max(state.worstLossPercent, lossPercent);
    state.worstDelayMs = std::max(state.worstDelayMs, report.delayMs);
    Receiver& receiver = receivers_[participant.id];
    if ((frames >= 2 && lossPercent >= kHoldAtLossPercent) || report.lineLossPercent >= kHoldAtLineLossPercent) {
        // Its line loses video: hold video there at once, so its audio has the line; longer
        // each time it is still bad when video comes back.
        if (nowUs >= receiver.heldUntilUs) {
            receiver.heldUntilUs = nowUs + receiver.nextHoldUs;
            receiver.nextHoldUs = std::min(2 * receiver.nextHoldUs, kLongestHoldUs);
            ++metrics_.videoReceiverHolds;
        }
    } else if (lossPercent < 5 && report.lineLossPercent < 2 && frames >= 10) {
        receiver.nextHoldUs = kFirstHoldUs;  // a clean second: the next hold starts short again
    }
}

bool VideoRelay::passes(Receiver& receiver, Participant& sender, std::uint16_t stream, VideoLayer layer, bool keyframe,
                        std::int64_t nowUs) {
    const std::pair key{stream, layer};
    if (nowUs < receiver.heldUntilUs) {
        // Near its end the sender is asked for a keyframe, and the hold ends with it: the
        // picture comes back the moment the hold is over, not a keyframe request later.
        if (nowUs >= receiver.heldUntilUs - kKeyframeBeforeHoldEndsUs) {
            if (keyframe) {
                receiver.heldUntilUs = nowUs;
                receiver.awaitingKeyframe.erase(key);
                return true;
            }
            askKeyframe(sender, layer, nowUs);
        }
        ++metrics_.videoDropped["receiver_held"];
        receiver.awaitingKeyframe.insert(key);  // what it gets next must start a picture
        return false;
    }
    if (!receiver.awaitingKeyframe.count(key)) return true;
    if (keyframe) {
        receiver.awaitingKeyframe.erase(key);
        return true;
    }
    ++metrics_.videoDropped["awaiting_keyframe"];
    askKeyframe(sender, layer, nowUs);  // at most every half second (askKeyframe's own limit)
    return false;
}

void VideoRelay::handle(Participant& participant, const Pin& pin, std::int64_t) {
    if (!participant.joined()) return replies_.refuse(participant.id, ErrorCode::NotJoined);
    Room& room = directory_.roomOf(participant);
    if (!mayControl(participant, room)) return;
    if (pin.participantId != 0 && !directory_.findIn(room.members, pin.participantId))
        return replies_.refuse(participant.id, ErrorCode::NotAllowed, "nobody with that id is in the room");
    if (room.pinned == pin.participantId) return;
    room.pinned = pin.participantId;
    roster_.broadcastRoomState(room);
}

void VideoRelay::handle(Participant& participant, const CameraBlock& block, std::int64_t) {
    Room* room = roster_.controlledBy(participant);
    if (!room) return;
    Participant* target = directory_.findIn(room->members, block.participantId);
    if (!target || target == &participant)
        return replies_.refuse(participant.id, ErrorCode::NotAllowed, "nobody else with that id is in the room");
    if (target->cameraBlocked == block.blocked) return;
    target->cameraBlocked = block.blocked;
    if (block.blocked) target->camera = CameraState::Off;  // from now on their frames go nowhere
    replies_.send(target->id, block.blocked ? Notice{"camera_blocked", participant.name + " has turned your camera off."}
                                            : Notice{"camera_allowed", participant.name + " lets you turn your camera on again."});
    roster_.audit(*room, participant, block.blocked ? "room.camera_block" : "room.camera_allow", target);
    roster_.broadcastPeers(*room);
}

void VideoRelay::relay(Participant& sender, std::span<const std::uint8_t> frame, std::int64_t nowUs) {
    const auto parsed = parseVideoFrame(frame);
    if (!parsed) {
        ++metrics_.videoDropped["malformed"];
        return replies_.refuse(sender.id, ErrorCode::BadMedia, describe(parsed.error()));
    }
    if (sender.camera != CameraState::On || sender.cameraBlocked) {
        ++metrics_.videoDropped["camera_off"];  // off, paused or blocked: nobody sees it
        return;
    }
    Sender& state = senders_[sender.id];
    if (!state.budgeted) {
        state.budgeted = true;
        state.frames = TokenBucket(limits_.video.framesBurst, limits_.video.framesPerSecond, nowUs);
        state.bytes = TokenBucket(limits_.video.bytesBurst, limits_.video.bytesPerSecond, nowUs);
    }
    if (state.frames.tokens(nowUs) < 1 || !state.bytes.take(static_cast<double>(frame.size()), nowUs)) {
        ++metrics_.videoDropped["over_budget"];  // its receivers see a gap and ask for a keyframe
        return;
    }
    state.frames.take(1, nowUs);
    ++metrics_.videoFramesIn;
    metrics_.videoBytesIn += frame.size();
    const auto layer = parsed->header.layer;
    if (parsed->header.keyframe()) state.keyframeOwed[layerIndex(layer)] = false;
    auto buffer = std::make_shared<VideoBuffer>();
    buffer->receivedUs = nowUs;
    buffer->streamId = sender.streamId;
    buffer->layer = layer;
    buffer->keyframe = parsed->header.keyframe();
    buffer->bytes.assign(frame.begin(), frame.end());
    stampVideoStreamId(buffer->bytes, sender.streamId);
    const SharedVideo shared = std::move(buffer);
    const Room& room = directory_.roomOf(sender);
    for (ConnectionId member : room.members) {
        if (member == sender.id) continue;
        const auto receiver = receivers_.find(member);
        if (receiver == receivers_.end()) continue;
        const auto wanted = receiver->second.wants.find(sender.streamId);
        if (wanted == receiver->second.wants.end() || wanted->second != layer) continue;
        if (!passes(receiver->second, sender, sender.streamId, layer, shared->keyframe, nowUs)) continue;
        outbox_.sendVideo(member, shared);
    }
}

void VideoRelay::recovered(ConnectionId receiver, std::uint16_t senderStream, VideoLayer layer, std::int64_t nowUs) {
    const Participant* viewer = directory_.find(receiver);
    if (!viewer || !viewer->joined()) return;
    if (Participant* sender = senderWithStream(directory_.roomOf(*viewer), senderStream)) askKeyframe(*sender, layer, nowUs);
}

void VideoRelay::droppedToward(std::uint16_t senderStream, std::uint32_t frames) {
    for (auto& [id, state] : senders_)
        if (const Participant* p = directory_.find(id); p && p->streamId == senderStream) state.dropped += frames;
}

void VideoRelay::askKeyframe(Participant& sender, VideoLayer layer, std::int64_t nowUs) {
    Sender& state = senders_[sender.id];
    const std::size_t i = layerIndex(layer);
    state.keyframeOwed[i] = true;
    if (state.lastKeyframeAskedUs[i] != 0 && nowUs - state.lastKeyframeAskedUs[i] < kKeyframeEveryUs) return;
    state.lastKeyframeAskedUs[i] = nowUs;
    ++metrics_.videoKeyframesAsked;
    sendDemand(sender, state);
}

void VideoRelay::updateDemand(Participant& sender, std::int64_t nowUs, bool alwaysTell) {
    Sender& state = senders_[sender.id];
    std::array<bool, kVideoLayers> wanted{};
    for (ConnectionId member : directory_.roomOf(sender).members) {
        const auto receiver = receivers_.find(member);
        if (member == sender.id || receiver == receivers_.end()) continue;
        const auto want = receiver->second.wants.find(sender.streamId);
        if (want != receiver->second.wants.end()) wanted[layerIndex(want->second)] = true;
    }
    const bool changed = wanted != state.wanted;
    for (std::size_t i = 0; i < wanted.size(); ++i)
        if (wanted[i] && !state.wanted[i]) state.keyframeOwed[i] = true;  // a layer starting needs one
    state.wanted = wanted;
    if (changed || alwaysTell) {
        for (std::size_t i = 0; i < wanted.size(); ++i)
            if (state.keyframeOwed[i]) state.lastKeyframeAskedUs[i] = nowUs;
        sendDemand(sender, state);
    }
}

void VideoRelay::sendDemand(const Participant& sender, Sender& state) {
    VideoDemand demand;
    demand.small = state.wanted[0];
    demand.large = state.wanted[1];
    demand.keyframeSmall = state.keyframeOwed[0] && state.wanted[0];
    demand.keyframeLarge = state.keyframeOwed[1] && state.wanted[1];
    std::uint32_t receivers = 0;
    for (ConnectionId member : directory_.roomOf(sender).members) {
        const auto receiver = receivers_.find(member);
        if (member != sender.id && receiver != receivers_.end() && receiver->second.wants.count(sender.streamId)) ++receivers;
    }
    demand.receivers = receivers;
    demand.worstLossPercent = std::min<std::uint32_t>(state.worstLossPercent, 100);
    demand.worstDelayMs = state.worstDelayMs;
    demand.droppedFrames = state.dropped;
    demand.uplinkQueueMs = static_cast<std::uint32_t>(std::clamp(uplink_.queueMs(sender.id), 0.0, 60'000.0));
    replies_.send(sender.id, demand);
}

void VideoRelay::uplinkQueueing(ConnectionId id) {
    const Participant* sender = directory_.find(id);
    if (!sender || !sender->joined() || sender->camera != CameraState::On) return;
    sendDemand(*sender, senders_[id]);
}

void VideoRelay::tick(std::int64_t) {
    for (auto& [id, state] : senders_) {
        const Participant* sender = directory_.find(id);
        if (!sender || !sender->joined() || sender->camera == CameraState::Off) continue;
        sendDemand(*sender, state);  // the second's feedback, and what is still wanted
        state.worstLossPercent = state.worstDelayMs = state.dropped = 0;
    }
}

void VideoRelay::left(Participant& participant, Room& room) {
    senders_.erase(participant.id);
    receivers_.erase(participant.id);
    participant.camera = CameraState::Off;
    // Whoever watched them stops wanting anything of that stream; what they watched needs no more.
    for (auto& [id, receiver] : receivers_) receiver.wants.erase(participant.streamId);
    if (room.pinned == participant.participantId) {
        room.pinned = 0;
        roster_.broadcastRoomState(room);
    }
    for (ConnectionId member : room.members)
        if (member != participant.id)
            if (Participant* other = directory_.find(member); other && other->camera == CameraState::On)
                updateDemand(*other, 0);
}

}  // namespace samspil::server
