// Which tile is large and which layer to ask of each camera — the native clients' twin of the
// page's chooseLayers (client-app/web/js/video.js): the pinned participant large (if their
// camera is on), else in "one large" the one this person picked (or the first camera), else
// the only camera; every other camera the small layer; a camera off, paused or blocked
// nothing. Pure.
#pragma once

#include "samspil/protocol/control_message.h"

#include <map>
#include <optional>
#include <vector>

namespace samspil::client_video {

enum class VideoLayout { Grid, OneLarge };

struct LayerChoice {
    std::optional<std::uint16_t> largeStream;
    std::map<std::uint16_t, std::optional<protocol::VideoLayer>> layers;  ///< every other participant's stream
};

/// others: the peers without ourselves.
LayerChoice chooseLayers(const std::vector<protocol::PeerInfo>& others, VideoLayout layout, std::uint32_t pinnedParticipant,
                         std::optional<std::uint16_t> chosenStream);

}  // namespace samspil::client_video
