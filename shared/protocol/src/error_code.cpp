#include "samspil/protocol/error_code.h"

#include <array>

namespace samspil::protocol {
namespace {

struct ErrorCodeText {
    ErrorCode code;
    std::string_view name;
    std::string_view sentence;
};

constexpr std::array kErrorCodes{
    ErrorCodeText{ErrorCode::BadJson, "bad_json", "The message is not valid JSON text."},
    ErrorCodeText{ErrorCode::BadMessage, "bad_message", "The message is missing a field or has a field of the wrong kind."},
    ErrorCodeText{ErrorCode::UnknownType, "unknown_type", "The message type is not one this server understands."},
    ErrorCodeText{ErrorCode::UnsupportedVersion, "unsupported_version", "The message uses a protocol version this server does not speak."},
    ErrorCodeText{ErrorCode::MessageTooLarge, "message_too_large", "The message is larger than the server accepts."},
    ErrorCodeText{ErrorCode::BadMedia, "bad_media", "The audio packet is malformed and was dropped."},
    ErrorCodeText{ErrorCode::NotJoined, "not_joined", "Join a room before sending this."},
    ErrorCodeText{ErrorCode::AlreadyJoined, "already_joined", "This connection has already joined a room."},
    ErrorCodeText{ErrorCode::InvalidRoom, "invalid_room", "Room codes are 1 to 64 letters, digits, '-' or '_'."},
    ErrorCodeText{ErrorCode::InvalidName, "invalid_name", "Names are 1 to 64 characters without control characters."},
    ErrorCodeText{ErrorCode::InvalidChat, "invalid_chat", "Chat messages are 1 to 2000 characters."},
    ErrorCodeText{ErrorCode::RateLimited, "rate_limited", "Too many messages in a short time; wait a moment."},
    ErrorCodeText{ErrorCode::RoomFull, "room_full", "The room is full."},
    ErrorCodeText{ErrorCode::TooSlow, "too_slow", "The connection could not keep up with the room and was closed."},
    ErrorCodeText{ErrorCode::TooManyErrors, "too_many_errors", "Too many malformed messages; the connection was closed."},
    ErrorCodeText{ErrorCode::IdleTimeout, "idle_timeout", "Nothing was heard from this connection for too long."},
    ErrorCodeText{ErrorCode::ServerShuttingDown, "server_shutting_down", "The server is restarting; reconnect in a moment."},
    ErrorCodeText{ErrorCode::AuthRequired, "auth_required", "Sign in first (rooms of a school also take an invite)."},
    ErrorCodeText{ErrorCode::InvalidToken, "invalid_token", "The sign-in has expired or is not valid; sign in again."},
    ErrorCodeText{ErrorCode::InvalidInvite, "invalid_invite", "The invite is not valid: it may have expired, been used or been withdrawn."},
    ErrorCodeText{ErrorCode::NotAllowed, "not_allowed", "You are not allowed to do that here."},
    ErrorCodeText{ErrorCode::RoomLocked, "room_locked", "The teacher has locked the room."},
    ErrorCodeText{ErrorCode::Removed, "removed", "The teacher has removed you from the room."},
    ErrorCodeText{ErrorCode::InvalidCredentials, "invalid_credentials", "The login or password is wrong."},
    ErrorCodeText{ErrorCode::NotFound, "not_found", "There is nothing here."},
    ErrorCodeText{ErrorCode::Conflict, "conflict", "That name is already taken."},
    ErrorCodeText{ErrorCode::Internal, "internal", "The server failed to handle the message."},
    ErrorCodeText{ErrorCode::StoreUnavailable, "store_unavailable", "The server cannot reach its database just now; try again in a moment."},
    ErrorCodeText{ErrorCode::Moved, "moved", "The room is served by another node of this server; connecting there."},
};

const ErrorCodeText* find(ErrorCode code) {
    for (const auto& entry : kErrorCodes)
        if (entry.code == code) return &entry;
    return nullptr;
}

}  // namespace

std::string_view errorCodeName(ErrorCode code) {
    const auto* entry = find(code);
    return entry ? entry->name : "internal";
}

std::optional<ErrorCode> errorCodeFromName(std::string_view name) {
    for (const auto& entry : kErrorCodes)
        if (entry.name == name) return entry.code;
    return std::nullopt;
}

std::string_view errorCodeSentence(ErrorCode code) {
    const auto* entry = find(code);
    return entry ? entry->sentence : "The server failed to handle the message.";
}

}  // namespace samspil::protocol
