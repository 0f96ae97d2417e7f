// The video control messages' JSON, both directions (docs/protocol.md, "Video"): read and
// written here, called from the client and server message files.
#include "control_video.h"

namespace samspil::protocol {

std::string_view cameraStateName(CameraState state) {
    switch (state) {
        case CameraState::Off: return "off";
        case CameraState::On: return "on";
        case CameraState::Paused: return "paused";
    }
    return "off";
}

std::optional<CameraState> cameraStateFromName(std::string_view name) {
    if (name == "off") return CameraState::Off;
    if (name == "on") return CameraState::On;
    if (name == "paused") return CameraState::Paused;
    return std::nullopt;
}

std::string_view videoLayerName(VideoLayer layer) {
    return layer == VideoLayer::Large ? "large" : "small";
}

std::optional<VideoLayer> videoLayerFromName(std::string_view name) {
    if (name == "small") return VideoLayer::Small;
    if (name == "large") return VideoLayer::Large;
    return std::nullopt;
}

namespace detail {
namespace {

VideoLayer readLayer(FieldReader& fields) {
    const std::string name = fields.string("layer");
    const auto layer = videoLayerFromName(name);
    if (fields.ok() && !layer) fields.fail("layer", "must be \"small\" or \"large\"");
    return layer.value_or(VideoLayer::Small);
}

std::uint16_t readStream(FieldReader& fields) {
    return static_cast<std::uint16_t>(fields.integer("stream_id", 1, kU16Max));
}

}  // namespace

std::optional<Expected<ClientMessage, ControlParseError>> parseVideoClientMessage(const std::string& type,
                                                                                 FieldReader& fields) {
    if (type == "video_attach") return finish<ClientMessage>(fields, VideoAttach{fields.string("token")});
    if (type == "camera") {
        const auto state = cameraStateFromName(fields.string("state"));
        if (fields.ok() && !state) fields.fail("state", "must be \"on\", \"paused\" or \"off\"");
        return finish<ClientMessage>(fields, CameraSet{state.value_or(CameraState::Off)});
    }
    if (type == "video_subscribe") {
        VideoSubscribe subscribe;
        subscribe.streamId = readStream(fields);
        if (const auto name = fields.optionalString("layer")) {
            subscribe.layer = videoLayerFromName(*name);
            if (!subscribe.layer) fields.fail("layer", "must be \"small\", \"large\" or null");
        }
        return finish<ClientMessage>(fields, subscribe);
    }
    if (type == "keyframe_request") {
        KeyframeRequest request;
        request.streamId = readStream(fields);
        request.layer = readLayer(fields);
        return finish<ClientMessage>(fields, request);
    }
    if (type == "video_report") {
        VideoReport report;
        report.streamId = readStream(fields);
        report.layer = readLayer(fields);
        report.framesReceived = static_cast<std::uint32_t>(fields.integer("frames_received", 0, 10'000));
        report.framesLost = static_cast<std::uint32_t>(fields.integer("frames_lost", 0, 10'000));
        report.delayMs = static_cast<std::uint32_t>(fields.integer("delay_ms", 0, 60'000));
        report.lineLossPercent = static_cast<std::uint32_t>(fields.optionalInteger("line_loss_percent", 0, 100).value_or(0));
        return finish<ClientMessage>(fields, report);
    }
    if (type == "pin") return finish<ClientMessage>(fields, Pin{participant(fields)});
    if (type == "camera_block") {
        CameraBlock block{participant(fields)};
        block.blocked = fields.boolean("blocked");
        return finish<ClientMessage>(fields, block);
    }
    return std::nullopt;
}

Json videoJson(const VideoAttach& m) {
    Json json = envelope("video_attach");
    json["token"] = m.token;
    return json;
}

Json videoJson(const CameraSet& m) {
    Json json = envelope("camera");
    json["state"] = cameraStateName(m.state);
    return json;
}

Json videoJson(const VideoSubscribe& m) {
    Json json = envelope("video_subscribe");
    json["stream_id"] = m.streamId;
    json["layer"] = m.layer ? Json(videoLayerName(*m.layer)) : Json(nullptr);
    return json;
}

Json videoJson(const KeyframeRequest& m) {
    Json json = envelope("keyframe_request");
    json["stream_id"] = m.streamId;
    json["layer"] = videoLayerName(m.layer);
    return json;
}

Json videoJson(const VideoReport& m) {
    Json json = envelope("video_report");
    json["stream_id"] = m.streamId;
    json["layer"] = videoLayerName(m.layer);
    json["frames_received"] = m.framesReceived;
    json["frames_lost"] = m.framesLost;
    json["delay_ms"] = m.delayMs;
    json["line_loss_percent"] = m.lineLossPercent;
    return json;
}

Json videoJson(const Pin& m) {
    Json json = envelope("pin");
    json["participant_id"] = m.participantId;
    return json;
}

Json videoJson(const CameraBlock& m) {
    Json json = envelope("camera_block");
    json["participant_id"] = m.participantId;
    json["blocked"] = m.blocked;
    return json;
}

Json videoJson(const VideoDemand& m) {
    Json json = envelope("video_demand");
    json["layers"] = Json::array();
    if (m.small) json["layers"].push_back("small");
    if (m.large) json["layers"].push_back("large");
    json["keyframe"] = Json::array();
    if (m.keyframeSmall) json["keyframe"].push_back("small");
    if (m.keyframeLarge) json["keyframe"].push_back("large");
    json["receivers"] = m.receivers;
    json["worst_loss_percent"] = m.worstLossPercent;
    json["worst_delay_ms"] = m.worstDelayMs;
    json["dropped_frames"] = m.droppedFrames;
    json["uplink_queue_ms"] = m.uplinkQueueMs;
    return json;
}

VideoDemand readVideoDemand(FieldReader& fields, const Json& json) {
    VideoDemand demand;
    const auto layers = [&](const char* key, bool& small, bool& large) {
        const Json* list = fields.array(key);
        if (!list) return;
        for (const Json& entry : *list) {
            const auto layer = entry.is_string() ? videoLayerFromName(entry.get<std::string>()) : std::nullopt;
            if (!layer) return fields.fail(key, "must list \"small\" and \"large\"");
            (*layer == VideoLayer::Large ? large : small) = true;
        }
    };
    layers("layers", demand.small, demand.large);
    layers("keyframe", demand.keyframeSmall, demand.keyframeLarge);
    demand.receivers = static_cast<std::uint32_t>(fields.integer("receivers", 0, kU32Max));
    demand.worstLossPercent = static_cast<std::uint32_t>(fields.integer("worst_loss_percent", 0, 100));
    demand.worstDelayMs = static_cast<std::uint32_t>(fields.integer("worst_delay_ms", 0, 600'000));
    demand.droppedFrames = static_cast<std::uint32_t>(fields.integer("dropped_frames", 0, kU32Max));
    demand.uplinkQueueMs = static_cast<std::uint32_t>(fields.optionalInteger("uplink_queue_ms", 0, 60'000).value_or(0));
    (void)json;
    return demand;
}

}  // namespace detail
}  // namespace samspil::protocol
