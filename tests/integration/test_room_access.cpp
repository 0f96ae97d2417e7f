// Who may enter a school's room, and the teacher's controls in it, over real WebSockets:
// the join matrix (roles, strangers, forged tokens, invites fresh, used, withdrawn,
// expired), the waiting room, mute, remove, lock, hand-over, and the audit log.
#include "raw_websocket.h"
#include "school_fixture.h"
#include "store/database.h"

#include <catch2/catch.hpp>

using namespace samspil::test;
using nlohmann::json;

namespace {

// A participant on a raw WebSocket, for reading exactly what the server says.
struct Participant {
    RawWebSocket socket;
    json first;  // welcome, waiting or error
    std::uint32_t id = 0;

    std::string outcome() const {
        const std::string type = first.value("type", "");
        return type == "error" ? first["code"].get<std::string>() : type;
    }
};

std::unique_ptr<Participant> join(SchoolFixture& f, const std::string& room, json credentials,
                                   const std::string& name = "Somebody") {
    auto p = std::make_unique<Participant>();
    REQUIRE(p->socket.connect(f.server->port()) == 101);
    json join{{"v", 1}, {"type", "join"}, {"room", room}, {"name", name}};
    join.update(credentials);
    REQUIRE(p->socket.sendText(join.dump()));
    for (int i = 0; i < 20; ++i) {
        auto frame = p->socket.receive(5000);
        REQUIRE(frame);
        if (frame->opcode != 1) continue;
        auto message = json::parse(frame->payload);
        const std::string type = message["type"];
        if (type == "welcome" || type == "waiting" || type == "error") {
            p->first = message;
            if (message.contains("participant_id")) p->id = message["participant_id"].get<std::uint32_t>();
            return p;
        }
    }
    FAIL("no answer to join");
    return p;
}

json token(SchoolFixture& f, const std::string& who) {
    return {{"token", f.token[who]}};
}

json nextOfType(Participant& p, const std::string& type) {
    auto text = p.socket.receiveType(type, 5000);
    REQUIRE(text);
    return json::parse(*text);
}

// Reads messages of a type until one satisfies the condition (older ones are stale).
json nextWhere(Participant& p, const std::string& type, const std::function<bool(const json&)>& condition) {
    for (int i = 0; i < 50; ++i) {
        auto message = nextOfType(p, type);
        if (condition(message)) return message;
    }
    FAIL("no " + type + " message matched");
    return nullptr;
}

void control(Participant& p, json message) {
    message["v"] = 1;
    REQUIRE(p.socket.sendText(message.dump()));
}

std::string createInvite(SchoolFixture& f, json options) {
    const auto invite = f.call("POST", "rooms/" + std::to_string(f.roomId) + "/invites", options, f.token["teacher"]);
    REQUIRE(invite.status == 201);
    return invite.body["code"].get<std::string>();
}

}  // namespace

TEST_CASE("who may enter a school's room, and in which role", "[integration][rooms][accounts][untimed]") {
    SchoolFixture f;
    auto teacher = join(f, "klaver-1", token(f, "teacher"));
    CHECK(teacher->outcome() == "welcome");
    CHECK(teacher->first["role"] == "teacher");
    auto admin = join(f, "klaver-1", token(f, "admin"));
    CHECK(admin->outcome() == "welcome");
    CHECK(admin->first["role"] == "teacher");

    CHECK(join(f, "klaver-1", token(f, "student"))->outcome() == "waiting");   // in today's lesson
    CHECK(join(f, "klaver-1", token(f, "mentor"))->outcome() == "waiting");    // in today's lesson
    CHECK(join(f, "klaver-1", token(f, "teacher2"))->outcome() == "not_allowed");  // not their room
    CHECK(join(f, "klaver-1", token(f, "student2"))->outcome() == "not_allowed");  // no lesson here now
    CHECK(join(f, "klaver-1", token(f, "studentB"))->outcome() == "not_allowed");  // another school
    CHECK(join(f, "klaver-1", token(f, "adminB"))->outcome() == "not_allowed");
    CHECK(join(f, "klaver-1", json::object())->outcome() == "auth_required");
    CHECK(join(f, "klaver-1", {{"token", std::string(43, 'z')}})->outcome() == "invalid_token");
    CHECK(join(f, "no-such-room", token(f, "admin"))->outcome() == "not_allowed");

    // A student's name in the room is their account's, whatever they type.
    auto student = join(f, "klaver-1", token(f, "student"), "Not My Name");
    nextWhere(*teacher, "room_state", [&](const json& state) {
        for (const auto& waiting : state["waiting"])
            if (waiting["participant_id"] == student->id) return waiting["name"] == "student";
        return false;
    });

    // A drop-in room lets students in without a lesson and without waiting.
    const auto dropIn = f.call("POST", "schools/1/rooms", {{"code", "workshop"}, {"drop_in", true}}, f.token["teacher"]);
    REQUIRE(dropIn.status == 201);
    auto walkIn = join(f, "workshop", token(f, "student2"));
    CHECK(walkIn->outcome() == "welcome");
    CHECK(walkIn->first["role"] == "student");
}

TEST_CASE("invites: one room, until they expire, once if single-use, never after withdrawal", "[integration][rooms][accounts][untimed]") {
    SchoolFixture f;
    auto teacher = join(f, "klaver-1", token(f, "teacher"));
    const std::string once = createInvite(f, {{"single_use", true}, {"guest_name", "Mentor Mads"}});
    auto guest = join(f, "klaver-1", {{"invite", once}}, "typed name");
    CHECK(guest->outcome() == "waiting");
    CHECK(join(f, "klaver-1", {{"invite", once}})->outcome() == "invalid_invite");  // used up

    // Typed with capitals and without dashes, it is the same invite.
    const std::string many = createInvite(f, {{"single_use", false}});
    std::string typed;
    for (char c : many)
        if (c != '-') typed += static_cast<char>(std::toupper(c));
    CHECK(join(f, "klaver-1", {{"invite", typed}})->outcome() == "waiting");
    CHECK(join(f, "klaver-1", {{"invite", many}})->outcome() == "waiting");

    const auto withdrawn = f.call("POST", "rooms/" + std::to_string(f.roomId) + "/invites", {{"single_use", false}},
                                  f.token["teacher"]);
    CHECK(f.call("DELETE", "invites/" + std::to_string(withdrawn.body["id"].get<int>()), nullptr, f.token["teacher"])
              .status == 204);
    CHECK(join(f, "klaver-1", {{"invite", withdrawn.body["code"]}})->outcome() == "invalid_invite");

    const std::string expiring = createInvite(f, {{"single_use", false}, {"expires_in_minutes", 1}});
    {
        auto dbConnection = samspil::server::openDatabase(f.server->databasePath());
    auto& db = *dbConnection;
        db.exec("UPDATE invites SET expires_at_ms = 1000 WHERE single_use = 0 AND used_count = 0");
    }
    CHECK(join(f, "klaver-1", {{"invite", expiring}})->outcome() == "invalid_invite");
    CHECK(join(f, "klaver-1", {{"invite", "aaaa-bbbb-cccc-dddd"}})->outcome() == "invalid_invite");
    // An invite opens its own room only.
    const auto other = f.call("POST", "schools/1/rooms", {{"code", "sal-2"}}, f.token["teacher"]);
    REQUIRE(other.status == 201);
    CHECK(join(f, "sal-2", {{"invite", many}})->outcome() == "invalid_invite");

    // Let the single-use guest in: they get a token to come back with after a dropped line.
    control(*teacher, {{"type", "admit"}, {"participant_id", guest->id}});
    const auto welcome = nextOfType(guest->socket.isOpen() ? *guest : *guest, "welcome");
    CHECK(welcome["role"] == "guest");
    REQUIRE(welcome.contains("resume_token"));
    auto peers = nextOfType(*guest, "peers");
    bool named = false;
    for (const auto& peer : peers["peers"]) named |= peer["name"] == "Mentor Mads";
    CHECK(named);  // the name the teacher gave the invite
    guest->socket.abort();
    CHECK(join(f, "klaver-1", {{"token", welcome["resume_token"]}})->outcome() == "waiting");
}

TEST_CASE("only the room's teacher holds the controls and every use is in the audit log", "[integration][rooms][accounts][untimed]") {
    SchoolFixture f;
    auto teacher = join(f, "klaver-1", token(f, "teacher"));
    auto admin = join(f, "klaver-1", token(f, "admin"));  // a co-teacher, not holding the controls
    auto student = join(f, "klaver-1", token(f, "student"));
    auto mentor = join(f, "klaver-1", token(f, "mentor"));
    REQUIRE(student->outcome() == "waiting");

    // Nobody but the room's teacher may let anyone in.
    for (Participant* who : {admin.get(), mentor.get(), student.get()}) {
        control(*who, {{"type", "admit"}, {"participant_id", student->id}});
        if (who == admin.get()) CHECK(nextOfType(*who, "error")["code"] == "not_allowed");
    }
    control(*teacher, {{"type", "admit"}, {"participant_id", student->id}});
    CHECK(nextOfType(*student, "welcome")["role"] == "student");
    control(*teacher, {{"type", "admit"}, {"participant_id", mentor->id}});
    CHECK(nextOfType(*mentor, "welcome")["role"] == "mentor");

    // A student may not mute, lock or remove anyone.
    for (json message : {json{{"type", "mute"}, {"participant_id", teacher->id}, {"muted", true}},
                         json{{"type", "lock"}, {"locked", true}},
                         json{{"type", "remove"}, {"participant_id", teacher->id}},
                         json{{"type", "hand_over"}, {"participant_id", student->id}}}) {
        control(*student, message);
        CHECK(nextOfType(*student, "error")["code"] == "not_allowed");
    }

    // Lock: another student in today's lesson cannot come in now; teachers still can.
    control(*teacher, {{"type", "lock"}, {"locked", true}});
    CHECK(nextOfType(*student, "room_state")["locked"] == true);
    const std::string invite = createInvite(f, {{"single_use", false}});
    CHECK(join(f, "klaver-1", {{"invite", invite}})->outcome() == "room_locked");
    control(*teacher, {{"type", "lock"}, {"locked", false}});

    // Mute: the student is told, and everyone sees it in the peer list.
    control(*teacher, {{"type", "mute"}, {"participant_id", student->id}, {"muted", true}});
    const auto notice = nextOfType(*student, "notice");
    CHECK(notice["code"] == "muted");
    nextWhere(*admin, "peers", [&](const json& peers) {
        for (const auto& peer : peers["peers"])
            if (peer["participant_id"] == student->id) return peer["muted"] == true;
        return false;
    });

    // Hand over to a student: refused. To the co-teacher: they hold the controls now.
    control(*teacher, {{"type", "hand_over"}, {"participant_id", student->id}});
    CHECK(nextOfType(*teacher, "error")["code"] == "not_allowed");
    control(*teacher, {{"type", "hand_over"}, {"participant_id", admin->id}});
    CHECK(nextOfType(*admin, "notice")["code"] == "now_teacher");
    control(*teacher, {{"type", "lock"}, {"locked", true}});
    CHECK(nextOfType(*teacher, "error")["code"] == "not_allowed");

    // Remove: the student is sent out and cannot come back while the room is open.
    control(*admin, {{"type", "remove"}, {"participant_id", student->id}});
    CHECK(nextOfType(*student, "error")["code"] == "removed");
    CHECK(join(f, "klaver-1", token(f, "student"))->outcome() == "removed");

    const auto audit = f.call("GET", "schools/1/audit", nullptr, f.token["admin"]);
    std::vector<std::string> actions;
    for (const auto& entry : audit.body["entries"]) actions.push_back(entry["action"]);
    for (const char* action : {"room.admit", "room.lock", "room.unlock", "room.mute", "room.hand_over", "room.remove"})
        CHECK(std::find(actions.begin(), actions.end(), action) != actions.end());
}
