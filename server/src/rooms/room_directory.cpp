#include "rooms/room_directory.h"

namespace samspil::server {

Participant& RoomDirectory::add(ConnectionId id, std::int64_t nowUs) {
    Participant& participant = participants_[id];
    participant.id = id;
    participant.openedUs = participant.lastHeardUs = nowUs;
    return participant;
}

Participant* RoomDirectory::find(ConnectionId id) {
    const auto it = participants_.find(id);
    return it == participants_.end() ? nullptr : &it->second;
}

const Participant* RoomDirectory::find(ConnectionId id) const {
    const auto it = participants_.find(id);
    return it == participants_.end() ? nullptr : &it->second;
}

Participant* RoomDirectory::findIn(const std::vector<ConnectionId>& list, std::uint32_t participantId) {
    for (ConnectionId id : list)
        if (Participant* participant = find(id); participant && participant->participantId == participantId)
            return participant;
    return nullptr;
}

Room* RoomDirectory::findRoom(const std::string& code) {
    const auto it = rooms_.find(code);
    return it == rooms_.end() ? nullptr : &it->second;
}

const Room* RoomDirectory::findRoom(const std::string& code) const {
    const auto it = rooms_.find(code);
    return it == rooms_.end() ? nullptr : &it->second;
}

std::pair<Room*, bool> RoomDirectory::openRoom(const std::string& code) {
    auto [it, created] = rooms_.try_emplace(code);
    if (created) {
        it->second.code = code;
        it->second.generation = nextGeneration_++;
    }
    return {&it->second, created};
}

}  // namespace samspil::server
