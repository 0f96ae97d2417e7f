// The video control messages' JSON (internal to shared/protocol): read by the client and
// server message parsers, written by their encoders. Whatever thread parses; no I/O.
#pragma once

#include "control_fields.h"
#include "samspil/protocol/video_control.h"

#include <optional>
#include <string>

namespace samspil::protocol::detail {

/// A video client message of `type`, or nullopt when `type` is none of them.
std::optional<Expected<ClientMessage, ControlParseError>> parseVideoClientMessage(const std::string& type,
                                                                                 FieldReader& fields);
Json videoJson(const VideoAttach& m);
Json videoJson(const CameraSet& m);
Json videoJson(const VideoSubscribe& m);
Json videoJson(const KeyframeRequest& m);
Json videoJson(const VideoReport& m);
Json videoJson(const Pin& m);
Json videoJson(const CameraBlock& m);
Json videoJson(const VideoDemand& m);
VideoDemand readVideoDemand(FieldReader& fields, const Json& json);

}  // namespace samspil::protocol::detail
