#include "admin_command.h"

#include "accounts/audit_log.h"
#include "accounts/credentials.h"
#include "accounts/people_store.h"
#include "recording/recording_retention.h"
#include "samspil/core/clock.h"
#include "server_options.h"
#include "samspil/core/validation.h"
#include "store/schema.h"
#include "store/sqlite.h"

#include <termios.h>
#include <unistd.h>

#include <charconv>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>

namespace samspil::server {
namespace {

using Flags = std::map<std::string, std::string>;

bool parseFlags(const std::vector<std::string>& args, std::size_t from, Flags& flags) {
    for (std::size_t i = from; i < args.size(); i += 2) {  // --flag value pairs
        if (args[i].rfind("--", 0) != 0 || i + 1 >= args.size()) {
            std::cerr << "samspil-server admin: expected --flag value, got " << args[i] << "\n";
            return false;
        }
        flags[args[i]] = args[i + 1];
    }
    return true;
}

// The password from --*-password-file, the environment, or typed at the terminal (not echoed).
std::string readPassword(const Flags& flags, const std::string& fileFlag, const char* environment) {
    if (auto it = flags.find(fileFlag); it != flags.end()) {
        std::ifstream in(it->second);
        std::string password;
        std::getline(in, password);
        return password;
    }
    if (const char* value = std::getenv(environment)) return value;
    if (!isatty(STDIN_FILENO)) return {};
    std::cerr << "Password (at least 8 characters): ";
    termios old{};
    tcgetattr(STDIN_FILENO, &old);
    termios quiet = old;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
    std::string password;
    std::getline(std::cin, password);
    tcsetattr(STDIN_FILENO, TCSANOW, &old);
    std::cerr << "\n";
    return password;
}

std::unique_ptr<SqliteDatabase> openDatabase(const Flags& flags) {
    const std::string path = flags.count("--db") ? flags.at("--db") : "var/samspil.db";
    const std::filesystem::path file(path);
    if (file.has_parent_path()) std::filesystem::create_directories(file.parent_path());
    auto db = std::make_unique<SqliteDatabase>(path);
    migrateSchema(*db);
    return db;
}

int createSchool(const Flags& flags) {
    for (const char* required : {"--name", "--admin-login", "--admin-name"})
        if (!flags.count(required)) {
            std::cerr << "samspil-server admin create-school: " << required << " is required\n";
            return 2;
        }
    const auto name = protocol::normalizeDisplayName(flags.at("--admin-name"));
    if (!name) {
        std::cerr << "samspil-server admin: --admin-name is not a valid name\n";
        return 2;
    }
    const std::string password = readPassword(flags, "--admin-password-file", "SAMSPIL_ADMIN_PASSWORD");
    if (password.size() < 8) {
        std::cerr << "samspil-server admin: the password must be at least 8 characters "
                     "(--admin-password-file FILE, $SAMSPIL_ADMIN_PASSWORD, or type it)\n";
        return 2;
    }
    const PasswordCost cost = flags.count("--fast-password-hashing") ? PasswordCost::Fast : PasswordCost::Interactive;
    const auto hash = hashPassword(password, cost);
    if (!hash) return 1;

    auto db = openDatabase(flags);
    PeopleStore people(*db);
    SqliteTransaction transaction(*db);
    const std::int64_t schoolId = people.createSchool(flags.at("--name"));
    std::int64_t personId;
    if (auto existing = people.credentialsByLogin(flags.at("--admin-login")))
        personId = existing->person.id;  // already an admin elsewhere: one login, several schools
    else
        personId = people.createPerson(flags.at("--admin-login"), *name, *hash);
    people.setMembership(schoolId, personId, Role::Admin);
    AuditEntry entry;
    entry.schoolId = schoolId;
    entry.actorName = "command line";
    entry.action = "school.create";
    entry.target = "school:" + std::to_string(schoolId);
    entry.detail = "admin person:" + std::to_string(personId);
    AuditLog(*db).record(entry);
    transaction.commit();
    std::cout << "created school " << schoolId << " (" << flags.at("--name") << ") with admin "
              << flags.at("--admin-login") << " (person " << personId << ")\n";
    return 0;
}

int listSchools(const Flags& flags) {
    auto db = openDatabase(flags);
    PeopleStore people(*db);
    for (const School& school : people.schools()) {
        std::cout << school.id << "\t" << school.name << "\n";
        for (const Member& member : people.members(school.id))
            if (member.role == Role::Admin) std::cout << "\tadmin\t" << member.person.login << "\n";
    }
    return 0;
}

int resetPassword(const Flags& flags) {
    if (!flags.count("--login")) {
        std::cerr << "samspil-server admin reset-password: --login is required\n";
        return 2;
    }
    const std::string password = readPassword(flags, "--password-file", "SAMSPIL_NEW_PASSWORD");
    if (password.size() < 8) {
        std::cerr << "samspil-server admin: the password must be at least 8 characters\n";
        return 2;
    }
    const auto hash = hashPassword(password, PasswordCost::Interactive);
    auto db = openDatabase(flags);
    db->prepare("UPDATE people SET password_hash = ?2 WHERE login = ?1").bind(1, flags.at("--login")).bind(2, *hash).run();
    if (db->changes() == 0) {
        std::cerr << "samspil-server admin: no such login\n";
        return 1;
    }
    // Signed-in sessions of that person end: a reset is usually because something leaked.
    db->prepare("UPDATE sessions SET revoked_at_ms = strftime('%s','now') * 1000 WHERE revoked_at_ms IS NULL AND "
                "person_id = (SELECT id FROM people WHERE login = ?1)")
        .bind(1, flags.at("--login"))
        .run();
    std::cout << "password changed; " << flags.at("--login") << " is signed out everywhere\n";
    return 0;
}

// Deletes recordings past their school's retention, as of now or of --as-of (Unix ms: for
// checking what a later run would delete, and for tests).
int expireOldRecordings(const Flags& flags) {
    ServerOptions options;
    if (flags.count("--db")) options.databasePath = flags.at("--db");
    if (flags.count("--recordings-dir")) options.recordingsDir = flags.at("--recordings-dir");
    std::int64_t asOf = unixMillis();
    if (flags.count("--as-of")) {
        const std::string& text = flags.at("--as-of");
        std::int64_t parsed = 0;
        const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), parsed);
        if (error != std::errc() || end != text.data() + text.size() || parsed <= 0) {
            std::cerr << "samspil-server admin expire-recordings: --as-of is Unix time in milliseconds\n";
            return 2;
        }
        asOf = parsed;
    }
    auto db = openDatabase(flags);
    const int deleted = expireRecordings(*db, recordingsDirectory(options), asOf);
    std::cout << "deleted " << deleted << " recording" << (deleted == 1 ? "" : "s") << " past their school's retention\n";
    return 0;
}

}  // namespace

std::string adminHelpText() {
    return R"(samspil-server admin — set up schools from the command line.

  samspil-server admin create-school --name NAME --admin-login LOGIN --admin-name NAME
                 [--admin-password-file FILE] [--db FILE]
      Creates a school and its first admin. The password comes from the file, from
      $SAMSPIL_ADMIN_PASSWORD, or is asked for at the terminal.
  samspil-server admin list-schools [--db FILE]
  samspil-server admin reset-password --login LOGIN [--password-file FILE] [--db FILE]
      Sets a new password ($SAMSPIL_NEW_PASSWORD or typed) and signs the person out.
  samspil-server admin expire-recordings [--db FILE] [--recordings-dir DIR] [--as-of UNIX_MS]
      Deletes lesson recordings older than their school's retention (the server does
      this itself every hour), with an audit row each.

The admin then signs in through the API (docs/api.md) to add teachers and students.
)";
}

int runAdminCommand(const std::vector<std::string>& args) {
    if (args.empty() || args[0] == "--help" || args[0] == "help") {
        std::cout << adminHelpText();
        return args.empty() ? 2 : 0;
    }
    Flags flags;
    if (!parseFlags(args, 1, flags)) return 2;
    try {
        if (args[0] == "create-school") return createSchool(flags);
        if (args[0] == "list-schools") return listSchools(flags);
        if (args[0] == "reset-password") return resetPassword(flags);
        if (args[0] == "expire-recordings") return expireOldRecordings(flags);
    } catch (const std::exception& error) {
        std::cerr << "samspil-server admin: " << error.what() << "\n";
        return 1;
    }
    std::cerr << "samspil-server admin: unknown command " << args[0] << " (see samspil-server admin --help)\n";
    return 2;
}

}  // namespace samspil::server
