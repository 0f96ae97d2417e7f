#include "accounts/account_admission.h"

#include "accounts/credentials.h"
#include "accounts/people_store.h"
#include "accounts/room_catalog.h"
#include "log.h"
#include "samspil/time/clock.h"
#include "samspil/protocol/validation.h"
#include "service_inbox.h"
#include "store/database.h"
#include "store/store_worker.h"

namespace samspil::server {
namespace {

using protocol::ErrorCode;

Admission refuse(ErrorCode code, std::string_view detail = {}) {
    Admission admission;
    admission.refusal = Refusal{code, std::string(detail), {}};
    return admission;
}

Admission guest(const RoomRecord& room, const Invite& invite, const protocol::JoinRequest& request,
                std::string resumeToken) {
    Admission admission;
    admission.role = RoomRole::Guest;
    admission.displayName = invite.guestName.value_or(protocol::normalizeDisplayName(request.name).value_or("Guest"));
    admission.inviteId = invite.id;
    admission.schoolId = room.schoolId;
    admission.dropIn = room.dropIn;
    admission.resumeToken = std::move(resumeToken);
    return admission;
}

Admission withToken(Database& db, const RoomRecord& room, const protocol::JoinRequest& request,
                    const AdmissionSettings& settings, std::int64_t nowMs) {
    PeopleStore people(db);
    RoomCatalog catalog(db);
    const auto session = people.validSession(secretHash(*request.token), nowMs);
    if (!session) return refuse(ErrorCode::InvalidToken);
    if (session->inviteId) {  // a guest coming back with the token their invite gave them
        const auto invite = catalog.invite(*session->inviteId);
        if (!invite || invite->roomId != room.id || invite->revokedAtMs) return refuse(ErrorCode::InvalidToken);
        return guest(room, *invite, request, *request.token);
    }
    const auto person = people.person(*session->personId);
    const auto role = person ? people.roleIn(room.schoolId, person->id) : std::nullopt;
    if (!role) return refuse(ErrorCode::NotAllowed, "no such room, or not one of yours");

    const bool inLesson = catalog.inLessonNow(room.id, person->id, nowMs, settings.lessonMarginMs);
    Admission admission;
    admission.displayName = person->displayName;
    admission.personId = person->id;
    admission.mayBeRecorded = person->mayBeRecorded;
    admission.schoolId = room.schoolId;
    admission.dropIn = room.dropIn;
    switch (*role) {
        case Role::Admin:
            admission.role = RoomRole::Teacher;
            break;
        case Role::Teacher:
            if (room.ownerPersonId != person->id && !inLesson && !room.dropIn)
                return refuse(ErrorCode::NotAllowed, "not your room and no lesson of yours in it now");
            admission.role = RoomRole::Teacher;
            break;
        case Role::Student:
        case Role::Mentor:
            if (!inLesson && !room.dropIn) return refuse(ErrorCode::NotAllowed, "no lesson of yours in this room now");
            admission.role = *role == Role::Student ? RoomRole::Student : RoomRole::Mentor;
            break;
    }
    return admission;
}

Admission withInvite(Database& db, const RoomRecord& room, const protocol::JoinRequest& request,
                     std::int64_t nowMs) {
    RoomCatalog catalog(db);
    const auto invite = catalog.inviteByCodeHash(secretHash(normaliseInviteCode(*request.invite)));
    if (!invite || invite->roomId != room.id) return refuse(ErrorCode::InvalidInvite, "unknown for this room");
    if (invite->revokedAtMs) return refuse(ErrorCode::InvalidInvite, "withdrawn");
    if (invite->expiresAtMs <= nowMs) return refuse(ErrorCode::InvalidInvite, "expired");
    if (invite->singleUse && invite->usedCount > 0) return refuse(ErrorCode::InvalidInvite, "already used");
    // The guest gets a token of their own, valid as long as the invite, to come back with
    // after a dropped connection (a single-use invite is used up now).
    const std::string token = makeSessionToken();
    Transaction transaction(db);
    catalog.countInviteUse(invite->id);
    PeopleStore(db).createSession(secretHash(token), std::nullopt, invite->id, nowMs, invite->expiresAtMs);
    transaction.commit();
    return guest(room, *invite, request, token);
}

}  // namespace

Admission decideAdmission(Database& db, const protocol::JoinRequest& request, const AdmissionSettings& settings,
                          std::int64_t nowMs) {
    const auto room = RoomCatalog(db).roomByCode(request.room);
    if (!room || room->schoolId == 0) {
        if (!settings.openRooms) return refuse(ErrorCode::NotAllowed, "no such room, or not one of yours");
        Admission open;  // demo mode: a room no school owns, joined by its code
        open.displayName = protocol::normalizeDisplayName(request.name).value_or(request.name);
        return open;
    }
    if (request.token) return withToken(db, *room, request, settings, nowMs);
    if (request.invite) return withInvite(db, *room, request, nowMs);
    return refuse(ErrorCode::AuthRequired);
}

void AccountAdmission::admit(const protocol::JoinRequest& request, std::function<void(Admission)> done) {
    store_.post([this, request, done = std::move(done)](Database& db) mutable {
        Admission admission;
        try {
            const std::int64_t nowMs = unixMillis();
            // One transaction: sent elsewhere, the join leaves nothing behind (an invite's
            // use is counted where the person is let in).
            Transaction transaction(db);
            admission = decideAdmission(db, request, settings_, nowMs);
            RoomClaim claim{true, {}};
            // Admitted: the room must live here, or the person is sent to where it does.
            if (!admission.refusal && node_) claim = claimRoom(db, request.room, *node_, nowMs);
            if (claim.held) {
                transaction.commit();
            } else {
                // (A holder that left no address: try again later, as when the store is away.)
                admission = refuse(claim.holderUrl.empty() ? ErrorCode::StoreUnavailable : ErrorCode::Moved);
                admission.refusal->movedTo = claim.holderUrl;
            }
        } catch (const StoreError& error) {
            logError(std::string("admission: ") + error.what());
            admission = refuse(error.unavailable() ? ErrorCode::StoreUnavailable : ErrorCode::Internal);
        }
        inbox_.post([done = std::move(done), admission = std::move(admission)]() mutable { done(std::move(admission)); });
    });
}

void AccountAdmission::roomClosed(const std::string& room) {
    if (!node_) return;
    store_.post([room, node = node_->name](Database& db) { releaseRoom(db, room, node); });
}

void StoredAudit::record(const AuditEntry& entry) {
    store_.post([entry](Database& db) { AuditLog(db).record(entry); });
}

}  // namespace samspil::server
