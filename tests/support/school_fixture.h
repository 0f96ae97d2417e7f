// Two schools on a real server, set up the way a school's IT person would: the admin from
// `samspil-server admin create-school`, everyone else through the API.
#pragma once

#include "test_server.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <string>

namespace samspil::test {

/// An API answer: status and parsed body (null when empty or not JSON).
struct ApiAnswer {
    int status = 0;
    nlohmann::json body;
    std::string errorCode() const;
};

class SchoolFixture {
public:
    /// School A (id 1): admin, teacher (owns room "klaver-1"), teacher2, student (in a lesson
    /// in klaver-1 now), student2 (no lesson), mentor. School B (id 2): adminB, teacherB,
    /// studentB. All passwords: "password-<name>".
    explicit SchoolFixture(std::vector<std::string> extraServerArgs = {});

    ApiAnswer call(const std::string& method, const std::string& path, const nlohmann::json& body = nullptr,
                   const std::string& token = {});
    /// Signs in one of the people above by name.
    std::string signIn(const std::string& name);

    TempDir dir;
    std::unique_ptr<TestServer> server;
    std::map<std::string, std::int64_t> personId;  ///< by name
    std::map<std::string, std::string> token;      ///< by name, all signed in
    std::int64_t roomId = 0;                       ///< klaver-1
    std::int64_t lessonId = 0;                     ///< teacher + student, running now

    /// Adds a member through the API (as adminName); their password is "password-<name>".
    std::int64_t addMember(std::int64_t school, const std::string& adminName, const std::string& name,
                           const std::string& role);
};

}  // namespace samspil::test
