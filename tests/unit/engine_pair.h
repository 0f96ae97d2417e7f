// Two real RoomAudioEngines joined back to back by a fake transport, for the engine tests.
#pragma once

#include "samspil/audio/room_audio_engine.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <deque>
#include <memory>

namespace samspil::test {

// Two engines wired back to back, as the server would (stamping stream ids).
class LoopTransport : public MediaTransport {
public:
    LoopTransport(std::uint16_t streamId) : streamId_(streamId) {}
    bool sendMediaFromAudioThread(std::uint32_t sequence, std::uint32_t timestamp, bool stereo,
                                  std::span<const std::uint8_t> opus) override {
        MediaSlot slot;
        slot.header = {static_cast<std::uint8_t>(stereo ? protocol::kMediaFlagStereo : 0), streamId_, sequence, timestamp};
        slot.length = static_cast<std::uint16_t>(opus.size());
        std::copy(opus.begin(), opus.end(), slot.payload.begin());
        if (peer) peer->inbox.push_back(slot);
        return true;
    }
    bool popIncomingOnAudioThread(MediaSlot& packet) override {
        if (inbox.empty()) return false;
        packet = inbox.front();
        packet.arrivalUs = now;
        inbox.pop_front();
        return true;
    }
    bool readyToSend() const override { return true; }
    LoopTransport* peer = nullptr;
    std::deque<MediaSlot> inbox;
    std::int64_t now = 0;

private:
    std::uint16_t streamId_;
};

// Participant A (stream 7) sends to participant B (stream 8); both engines are real.
struct EnginePair {
    explicit EnginePair(int maxPeers, int maxBlock) {
        a.peer = &b;
        b.peer = &a;
        auto engineA = RoomAudioEngine::create({maxPeers, maxBlock, 64000}, a);
        auto engineB = RoomAudioEngine::create({maxPeers, maxBlock, 64000}, b);
        REQUIRE(engineA);
        REQUIRE(engineB);
        A = std::move(*engineA);
        B = std::move(*engineB);
    }
    LoopTransport a{7}, b{8};
    std::unique_ptr<RoomAudioEngine> A, B;
};

}  // namespace samspil::test
