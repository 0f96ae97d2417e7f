#include "server_text.h"

#include "ui_language.h"

namespace samspil::ui {
namespace {

using protocol::ErrorCode;

// The word the server adds in brackets to an invite refusal: "… (expired)".
juce::String detailOf(const std::string& message) {
    const juce::String text = juce::String::fromUTF8(message.c_str());
    if (!text.endsWithChar(')')) return {};
    return text.fromLastOccurrenceOf("(", false, false).dropLastCharacters(1);
}

juce::String inviteText(const juce::String& detail) {
    if (detail == "expired") return tr("The invite has expired. Ask your teacher for a new link.");
    if (detail == "withdrawn") return tr("The teacher has withdrawn the invite. Ask for a new link.");
    if (detail == "already used") return tr("The invite has already been used. Ask your teacher for a new link.");
    return tr("The invite is not valid: it may have expired, been used or been withdrawn.");
}

}  // namespace

juce::String serverErrorText(const protocol::ErrorMessage& error) {
    const juce::String asSent = juce::String::fromUTF8(error.message.c_str());
    if (currentLanguage() == Language::English) return asSent;
    switch (error.code) {
        case ErrorCode::RoomFull: return tr("The room is full.");
        case ErrorCode::RoomLocked: return tr("The teacher has locked the room.");
        case ErrorCode::Removed: return tr("The teacher has removed you from the room.");
        case ErrorCode::AuthRequired: return tr("Sign in first (rooms of a school also take an invite).");
        case ErrorCode::InvalidToken: return tr("The sign-in has expired or is not valid; sign in again.");
        case ErrorCode::InvalidInvite: return inviteText(detailOf(error.message));
        case ErrorCode::NotAllowed: return tr("You are not allowed to do that here.");
        case ErrorCode::ServerShuttingDown: return tr("The server is restarting; reconnect in a moment.");
        case ErrorCode::TooSlow: return tr("The connection could not keep up with the room and was closed.");
        case ErrorCode::IdleTimeout: return tr("Nothing was heard from this connection for too long.");
        case ErrorCode::RateLimited: return tr("Too many messages in a short time; wait a moment.");
        case ErrorCode::InvalidRoom: return tr("Room codes are 1 to 64 letters, digits, - or _.");
        case ErrorCode::InvalidName: return tr("Names are 1 to 64 characters without control characters.");
        case ErrorCode::InvalidChat: return tr("Chat messages are 1 to 2000 characters.");
        default: return asSent;
    }
}

juce::String serverNoticeText(const protocol::Notice& notice) {
    const juce::String asSent = juce::String::fromUTF8(notice.message.c_str());
    if (currentLanguage() == Language::English) return asSent;
    if (notice.code == "muted") return tr("The teacher has muted you; the others cannot hear you.");
    if (notice.code == "unmuted") return tr("The teacher has unmuted you.");
    if (notice.code == "now_teacher") return tr("You now hold the room's controls.");
    if (notice.code == "recording_started") return tr("The lesson is being recorded.");
    if (notice.code == "recording_stopped") return tr("The recording has stopped.");
    return asSent;
}

}  // namespace samspil::ui
