#include "samspil/client_video/video_layout.h"

#include <algorithm>

namespace samspil::client_video {

using namespace samspil::protocol;

LayerChoice chooseLayers(const std::vector<PeerInfo>& others, VideoLayout layout, std::uint32_t pinnedParticipant,
                         std::optional<std::uint16_t> chosenStream) {
    std::vector<const PeerInfo*> showing;
    for (const PeerInfo& peer : others)
        if (peer.camera == CameraState::On && !peer.cameraBlocked) showing.push_back(&peer);
    const auto find = [&](auto predicate) -> const PeerInfo* {
        const auto it = std::find_if(showing.begin(), showing.end(), predicate);
        return it == showing.end() ? nullptr : *it;
    };
    const PeerInfo* large = find([&](const PeerInfo* p) { return pinnedParticipant != 0 && p->participantId == pinnedParticipant; });
    if (!large && layout == VideoLayout::OneLarge) {
        large = find([&](const PeerInfo* p) { return chosenStream && p->streamId == *chosenStream; });
        if (!large && !showing.empty()) large = showing.front();
    }
    if (!large && layout == VideoLayout::Grid && showing.size() == 1) large = showing.front();
    LayerChoice choice;
    if (large) choice.largeStream = large->streamId;
    for (const PeerInfo& peer : others) {
        const bool shown = std::find(showing.begin(), showing.end(), &peer) != showing.end();
        choice.layers[peer.streamId] = shown ? std::optional(&peer == large ? VideoLayer::Large : VideoLayer::Small) : std::nullopt;
    }
    return choice;
}

}  // namespace samspil::client_video
