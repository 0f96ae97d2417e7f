// The stable, machine-readable error codes the server sends, and their human sentences.
#pragma once

#include <optional>
#include <string_view>

namespace samspil::protocol {

/// Every error a peer can be told about. The wire name (errorCodeName) never changes.
enum class ErrorCode {
    BadJson,             ///< a text frame is not valid UTF-8 JSON
    BadMessage,          ///< JSON, but a field is missing or of the wrong kind
    UnknownType,         ///< "type" names no message this side understands
    UnsupportedVersion,  ///< "v" is not the protocol version this side speaks
    MessageTooLarge,     ///< a frame is larger than the limit for its kind
    BadMedia,            ///< a binary frame is not a valid media message
    NotJoined,           ///< a message that needs a joined participant came before join
    AlreadyJoined,       ///< join sent twice on one connection
    InvalidRoom,         ///< the room code is empty, too long or has other characters
    InvalidName,         ///< the display name is empty, too long or has control characters
    InvalidChat,         ///< the chat text is empty or too long
    RateLimited,         ///< too many messages of one kind in a short time
    RoomFull,            ///< the room has reached its participant limit
    TooSlow,             ///< the peer did not read its messages fast enough
    TooManyErrors,       ///< the peer sent too many bad messages in a row
    IdleTimeout,         ///< the peer sent nothing for too long
    ServerShuttingDown,  ///< the server is stopping; reconnect later
    AuthRequired,        ///< this room needs a session token or an invite
    InvalidToken,        ///< the session token is unknown, expired or revoked
    InvalidInvite,       ///< the invite is unknown, expired, used up, revoked or for another room
    NotAllowed,          ///< the caller may not do this (or the thing does not exist for them)
    RoomLocked,          ///< the teacher locked the room
    Removed,             ///< the teacher removed this participant
    InvalidCredentials,  ///< sign-in failed (never says whether the login exists)
    NotFound,            ///< no such API path or object
    Conflict,            ///< the login or room code is taken
    Internal,            ///< the server failed; not the peer's fault
    StoreUnavailable,    ///< the server cannot reach its database just now (PostgreSQL down)
    Moved,               ///< the room lives on another node: connect to the error's url instead
};

/// The stable wire name, e.g. "bad_json".
std::string_view errorCodeName(ErrorCode code);

/// The code for a wire name, or nullopt for a name this version does not know.
std::optional<ErrorCode> errorCodeFromName(std::string_view name);

/// One human sentence that explains the code to a user.
std::string_view errorCodeSentence(ErrorCode code);

}  // namespace samspil::protocol
