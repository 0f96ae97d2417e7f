#include "school_fixture.h"

#include "test_database.h"

#include "samspil/time/clock.h"

#include <fstream>
#include <stdexcept>

namespace samspil::test {

std::string ApiAnswer::errorCode() const {
    if (body.is_object() && body.contains("error")) return body["error"].value("code", "");
    return {};
}

ApiAnswer SchoolFixture::call(const std::string& method, const std::string& path, const nlohmann::json& body,
                              const std::string& bearer) {
    const auto response = httpRequest(server->port(), method, "/api/v1/" + path, body.is_null() ? "" : body.dump(), bearer);
    ApiAnswer answer{response.status, nlohmann::json::parse(response.body, nullptr, false)};
    if (answer.body.is_discarded()) answer.body = nullptr;
    return answer;
}

std::string SchoolFixture::signIn(const std::string& name) {
    const auto answer = call("POST", "sign-in", {{"login", name + "@school"}, {"password", "password-" + name}});
    if (answer.status != 200) throw std::runtime_error("sign-in of " + name + " failed: " + answer.body.dump());
    return answer.body["token"].get<std::string>();
}

std::int64_t SchoolFixture::addMember(std::int64_t school, const std::string& adminName, const std::string& name,
                                      const std::string& role) {
    const auto answer = call("POST", "schools/" + std::to_string(school) + "/members",
                             {{"login", name + "@school"}, {"display_name", name}, {"password", "password-" + name},
                              {"role", role}},
                             token.at(adminName));
    if (answer.status != 201) throw std::runtime_error("adding " + name + " failed: " + answer.body.dump());
    return answer.body["person_id"].get<std::int64_t>();
}

SchoolFixture::SchoolFixture(std::vector<std::string> extraServerArgs) {
    // The first admin of each school comes from the command line, as on a new server.
    for (auto [school, admin] : {std::pair{"Aarhus Musikskole", "admin"}, std::pair{"Vejle Musikskole", "adminB"}}) {
        const std::string passwordFile = dir.file(std::string("password-") + admin);
        std::ofstream(passwordFile) << "password-" << admin << "\n";
        ChildProcess create(serverBinary(),
                            {"admin", "create-school", "--name", school, "--admin-login", std::string(admin) + "@school",
                             "--admin-name", admin, "--admin-password-file", passwordFile, "--db",
                             freshDatabase(dir, "var/samspil.db"), "--fast-password-hashing", "yes"},
                            dir.path(), dir.file(std::string("create-") + admin));
        if (create.wait(std::chrono::seconds(20)) != 0)
            throw std::runtime_error("create-school failed: " + create.stderrText());
    }
    server = std::make_unique<TestServer>(dir, extraServerArgs, 0, /*openRooms=*/false);
    personId["admin"] = 1;
    personId["adminB"] = 2;
    token["admin"] = signIn("admin");
    token["adminB"] = signIn("adminB");
    for (auto [name, role] : {std::pair{"teacher", "teacher"}, std::pair{"teacher2", "teacher"},
                              std::pair{"student", "student"}, std::pair{"student2", "student"},
                              std::pair{"mentor", "mentor"}})
        personId[name] = addMember(1, "admin", name, role);
    for (auto [name, role] : {std::pair{"teacherB", "teacher"}, std::pair{"studentB", "student"}})
        personId[name] = addMember(2, "adminB", name, role);
    for (const auto& [name, id] : personId)
        if (!token.count(name)) token[name] = signIn(name);

    const auto room = call("POST", "schools/1/rooms", {{"code", "klaver-1"}, {"name", "Klaverværelset"}}, token["teacher"]);
    if (room.status != 201) throw std::runtime_error("room: " + room.body.dump());
    roomId = room.body["id"].get<std::int64_t>();
    const std::int64_t now = unixMillis();
    const auto lesson = call("POST", "schools/1/lessons",
                             {{"room_id", roomId},
                              {"title", "Klaver med Ida"},
                              {"starts_at_ms", now - 5 * 60'000},
                              {"ends_at_ms", now + 60 * 60'000},
                              {"participant_ids", {personId["student"], personId["mentor"]}}},
                             token["teacher"]);
    if (lesson.status != 201) throw std::runtime_error("lesson: " + lesson.body.dump());
    lessonId = lesson.body["id"].get<std::int64_t>();
}

}  // namespace samspil::test
