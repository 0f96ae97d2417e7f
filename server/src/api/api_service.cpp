#include "api/api_service.h"

#include "accounts/people_store.h"
#include "accounts/room_catalog.h"
#include "api/api_handlers.h"
#include "api/body_reader.h"
#include "log.h"
#include "samspil/time/clock.h"
#include "service_inbox.h"
#include "store/database.h"
#include "store/store_worker.h"
#include "worker_thread.h"

#include <array>
#include <cstdlib>

namespace samspil::server {
namespace {

using protocol::ErrorCode;
using Handler = ApiResponse (*)(ApiContext&);

struct Route {
    const char* method;
    std::array<const char*, 4> pattern;  // "#" stands for a numeric id; nullptr ends it
    Handler handler;
    bool listenLinkOpens = false;  // a ?ticket= from a listen link stands in for the bearer token
};

// Every route but sign-in and adding a member (which also hash passwords).
constexpr std::array kRoutes{
    Route{"GET", {"me"}, &getMe},
    Route{"GET", {"me", "lessons"}, &getMyLessons},
    Route{"POST", {"sign-out"}, &signOut},
    Route{"GET", {"schools", "#"}, &getSchool},
    Route{"PATCH", {"schools", "#"}, &changeSchool},
    Route{"GET", {"schools", "#", "members"}, &listMembers},
    Route{"PATCH", {"schools", "#", "members", "#"}, &changeMember},
    Route{"DELETE", {"schools", "#", "members", "#"}, &removeMember},
    Route{"GET", {"schools", "#", "audit"}, &listAudit},
    Route{"GET", {"schools", "#", "rooms"}, &listRooms},
    Route{"POST", {"schools", "#", "rooms"}, &createRoom},
    Route{"PATCH", {"rooms", "#"}, &changeRoom},
    Route{"GET", {"schools", "#", "lessons"}, &listLessons},
    Route{"POST", {"schools", "#", "lessons"}, &createLesson},
    Route{"DELETE", {"lessons", "#"}, &deleteLesson},
    Route{"GET", {"rooms", "#", "invites"}, &listInvites},
    Route{"POST", {"rooms", "#", "invites"}, &createInvite},
    Route{"DELETE", {"invites", "#"}, &revokeInvite},
    Route{"GET", {"recordings"}, &listRecordings},
    Route{"GET", {"recordings", "#"}, &getRecording},
    Route{"GET", {"recordings", "#", "tracks", "#"}, &downloadTrack, true},
    Route{"GET", {"recordings", "#", "mix"}, &downloadMix, true},
    Route{"DELETE", {"recordings", "#"}, &deleteRecording},
};

// Matches path against a pattern; fills ids with the numeric segments.
bool matches(const std::array<const char*, 4>& pattern, const std::vector<std::string>& path,
             std::vector<std::int64_t>& ids) {
    ids.clear();
    std::size_t i = 0;
    for (; i < pattern.size() && pattern[i]; ++i) {
        if (i >= path.size()) return false;
        if (std::string_view(pattern[i]) == "#") {
            char* end = nullptr;
            const long long id = std::strtoll(path[i].c_str(), &end, 10);
            if (path[i].empty() || *end != '\0' || id <= 0) return false;
            ids.push_back(id);
        } else if (path[i] != pattern[i]) {
            return false;
        }
    }
    return i == path.size();
}

bool pathIs(const ApiRequest& request, std::initializer_list<std::string_view> segments) {
    if (request.path.size() != segments.size()) return false;
    std::size_t i = 0;
    for (auto segment : segments)
        if (segment != "#" && request.path[i++] != segment) return false;
    return true;
}

// Store thread: the signed-in caller behind a bearer token, if it is valid.
std::optional<Caller> authenticate(Database& db, const std::optional<std::string>& token, std::int64_t nowMs) {
    if (!token) return std::nullopt;
    PeopleStore people(db);
    const auto session = people.validSession(secretHash(*token), nowMs);
    if (!session || !session->personId) return std::nullopt;  // guest tokens are for rooms only
    const auto person = people.person(*session->personId);
    if (!person) return std::nullopt;
    return Caller{*person, people.memberships(person->id), session->id};
}

// Store or password thread: runs one step of a request. A step that throws answers the
// request with `internal`, or `store_unavailable` when PostgreSQL is out of reach (logged
// with what went wrong); the thread goes on serving.
template <class Step>
void failSafely(const ApiService::Respond& respond, Step&& step) {
    try {
        step();
    } catch (const StoreError& error) {
        logError(std::string("api: ") + error.what() +
                 (error.code() ? " (SQLite code " + std::to_string(error.code()) + ")" : std::string()));
        // PostgreSQL out of reach is not the request's fault, nor lasting: 503, try again.
        respond(error.unavailable() ? apiError(503, ErrorCode::StoreUnavailable) : apiError(500, ErrorCode::Internal));
    } catch (const std::exception& error) {
        logError(std::string("api: request failed: ") + error.what());
        respond(apiError(500, ErrorCode::Internal));
    }
}

// Store thread: the person a recording's listen link speaks for (listen_links.h), when the
// request has no bearer token. The handler still checks what this person may open.
std::optional<Caller> authenticateListenLink(Database& db, const ListenLinks& links, const ApiRequest& request,
                                             std::int64_t recordingId, std::int64_t nowMs) {
    const auto ticket = request.query.find("ticket");
    if (request.bearerToken || ticket == request.query.end()) return std::nullopt;
    const auto personId = links.personFor(ticket->second, recordingId, nowMs);
    if (!personId) return std::nullopt;
    PeopleStore people(db);
    const auto person = people.person(*personId);
    if (!person) return std::nullopt;
    return Caller{*person, people.memberships(person->id), 0};
}

ApiResponse unauthenticated(const ApiRequest& request) {
    if (!request.bearerToken && request.query.count("ticket"))
        return apiError(401, ErrorCode::InvalidToken, "the listen link has expired; open the recording again");
    return request.bearerToken ? apiError(401, ErrorCode::InvalidToken) : apiError(401, ErrorCode::AuthRequired);
}

}  // namespace

ApiService::ApiService(StoreWorker& store, WorkerThread& passwords, ServiceInbox& inbox, ApiSettings settings)
    : store_(store),
      passwords_(passwords),
      inbox_(inbox),
      settings_(settings),
      limiter_(settings.signInLimits),
      listenLinks_(std::make_shared<const ListenLinks>()) {}

ApiService::Respond ApiService::onServiceThread(Respond respond) {
    return [this, respond = std::move(respond)](ApiResponse response) mutable {
        inbox_.post([respond = std::move(respond), response = std::move(response)]() mutable {
            respond(std::move(response));
        });
    };
}

void ApiService::handle(ApiRequest request, Respond respond) {
    if (request.method == "POST" && pathIs(request, {"sign-in"})) return signIn(std::move(request), std::move(respond));
    if (request.method == "GET" && pathIs(request, {"invites", "lookup"}))
        return lookupInvite(std::move(request), std::move(respond));
    std::vector<std::int64_t> ids;
    if (request.method == "POST" && matches({"schools", "#", "members"}, request.path, ids))
        return addMember(std::move(request), std::move(ids), std::move(respond));

    const Route* route = nullptr;
    bool pathKnown = false;
    for (const Route& candidate : kRoutes) {
        if (!matches(candidate.pattern, request.path, ids)) continue;
        pathKnown = true;
        if (request.method == candidate.method) {
            route = &candidate;
            break;
        }
    }
    if (!route) return respond(pathKnown ? apiError(405, ErrorCode::NotAllowed, "method") : apiError(404, ErrorCode::NotFound));
    store_.post([request = std::move(request), ids = std::move(ids), handler = route->handler,
                 listenLinkOpens = route->listenLinkOpens, recordingsDir = settings_.recordingsDir,
                 links = listenLinks_, respond = onServiceThread(std::move(respond))](Database& db) {
        failSafely(respond, [&] {
            const std::int64_t now = unixMillis();
            auto caller = authenticate(db, request.bearerToken, now);
            if (!caller && listenLinkOpens) caller = authenticateListenLink(db, *links, request, ids.at(0), now);
            if (!caller) return respond(unauthenticated(request));
            ApiContext context{db, request, *caller, ids, now, recordingsDir, links.get()};
            respond(handler(context));
        });
    });
}

void ApiService::signIn(ApiRequest request, Respond respond) {
    BodyReader body(request);
    const std::string login = body.text("login", 254);
    const std::string password = body.text("password", 1024);
    if (!body.ok()) return respond(body.problem());
    if (!limiter_.allowed(login, request.clientAddress, unixMillis())) {
        ++signInsRateLimited_;
        return respond(apiError(429, ErrorCode::RateLimited, "too many failed sign-ins; try again in 15 minutes"));
    }

    // The result comes back here (service thread) to update the limiter and answer.
    auto finish = [this, login, address = request.clientAddress, respond = std::move(respond)](ApiResponse response) {
        if (response.status == 200)
            limiter_.recordSuccess(login);
        else if (response.status == 401)
        {
            limiter_.recordFailure(login, address, unixMillis());
            ++signInsRefused_;
        }
        respond(std::move(response));
    };
    // Store thread: look the login up; password thread: verify (~50 ms); store thread: open a session.
    store_.post([this, login, password, finish = onServiceThread(std::move(finish))](Database& db) mutable {
      failSafely(finish, [&] {
        const auto credentials = PeopleStore(db).credentialsByLogin(login);
        const bool queued = passwords_.post([this, credentials, password, finish]() mutable {
          failSafely(finish, [&] {
            // An unknown login costs the same time as a wrong password and gets the same answer.
            const bool correct = credentials ? verifyPassword(credentials->passwordHash, password)
                                             : (verifyAgainstDummy(password, settings_.passwordCost), false);
            if (!correct) return finish(apiError(401, ErrorCode::InvalidCredentials));
            store_.post([this, person = credentials->person, finish](Database& db2) {
              failSafely(finish, [&] {
                const std::int64_t now = unixMillis();
                const std::string token = makeSessionToken();
                PeopleStore people(db2);
                people.createSession(secretHash(token), person.id, std::nullopt, now, now + settings_.sessionLifetimeMs);
                nlohmann::json memberships = nlohmann::json::array();
                for (const auto& m : people.memberships(person.id))
                    memberships.push_back(
                        {{"school_id", m.schoolId}, {"school_name", m.schoolName}, {"role", roleName(m.role)}});
                finish({200,
                        {{"token", token},
                         {"expires_at_ms", now + settings_.sessionLifetimeMs},
                         {"person", personJson(person)},
                         {"memberships", memberships}}});
              });
            });
          });
        });
        if (!queued) finish(apiError(429, ErrorCode::RateLimited, "the server is busy; try again"));
      });
    });
}

// No token: holding the code is what lets a guest see where it leads (the join page shows
// the school, room and lesson before the guest joins). Unknown codes count against the
// address like failed sign-ins, so codes cannot be guessed at speed.
void ApiService::lookupInvite(ApiRequest request, Respond respond) {
    const auto code = request.query.find("code");
    if (code == request.query.end() || code->second.empty() || code->second.size() > 64)
        return respond(apiError(400, ErrorCode::BadMessage, "code"));
    const std::string address = request.clientAddress;
    if (!limiter_.allowed("invite-lookup", address, unixMillis()))
        return respond(apiError(429, ErrorCode::RateLimited, "too many unknown invites; try again in 15 minutes"));
    auto finish = [this, address, respond = std::move(respond)](ApiResponse response) {
        if (response.status == 404) limiter_.recordFailure("invite-lookup", address, unixMillis());
        respond(std::move(response));
    };
    store_.post([code = code->second, finish = onServiceThread(std::move(finish))](Database& db) mutable {
        failSafely(finish, [&] {
            RoomCatalog catalog(db);
            const auto invite = catalog.inviteByCodeHash(secretHash(normaliseInviteCode(code)));
            if (!invite) return finish(apiError(404, ErrorCode::InvalidInvite, "unknown"));
            const std::int64_t now = unixMillis();
            std::string problem;
            if (invite->revokedAtMs) problem = "withdrawn";
            else if (invite->expiresAtMs <= now) problem = "expired";
            else if (invite->singleUse && invite->usedCount > 0) problem = "already used";
            if (!problem.empty()) return finish(apiError(410, ErrorCode::InvalidInvite, problem));
            const auto room = catalog.roomById(invite->roomId);
            const auto school = PeopleStore(db).school(invite->schoolId);
            nlohmann::json answer{{"room_code", room ? room->code : ""},
                                  {"room_name", room ? room->name : ""},
                                  {"school_name", school ? school->name : ""},
                                  {"expires_at_ms", invite->expiresAtMs}};
            if (invite->guestName) answer["guest_name"] = *invite->guestName;
            if (invite->lessonId)
                if (const auto lesson = catalog.lesson(*invite->lessonId)) answer["lesson_title"] = lesson->title;
            finish({200, answer});
        });
    });
}

void ApiService::addMember(ApiRequest request, std::vector<std::int64_t> ids, Respond respond) {
    // Store thread: check who asks and what; password thread: hash; store thread: insert.
    store_.post([this, request = std::move(request), ids = std::move(ids),
                 respond = onServiceThread(std::move(respond))](Database& db) mutable {
      failSafely(respond, [&] {
        const std::int64_t now = unixMillis();
        const auto caller = authenticate(db, request.bearerToken, now);
        if (!caller) return respond(unauthenticated(request));
        ApiContext context{db, request, *caller, ids, now, {}, nullptr};
        ApiResponse checked = checkNewMember(context);
        if (checked.status != 100) return respond(std::move(checked));
        const std::string password = request.body["password"].get<std::string>();
        const bool queued = passwords_.post([this, request, ids, caller = *caller, password, respond]() mutable {
          failSafely(respond, [&] {
            const auto hash = hashPassword(password, settings_.passwordCost);
            if (!hash) return respond(apiError(500, ErrorCode::Internal, "could not hash the password"));
            store_.post([request, ids, caller, hash = *hash, respond](Database& db2) {
                failSafely(respond, [&] {
                    ApiContext context2{db2, request, caller, ids, unixMillis(), {}, nullptr};
                    respond(samspil::server::addMember(context2, hash));
                });
            });
          });
        });
        if (!queued) respond(apiError(429, ErrorCode::RateLimited, "the server is busy; try again"));
      });
    });
}

}  // namespace samspil::server
