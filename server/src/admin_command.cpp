#include "admin_command.h"

#include "accounts/audit_log.h"
#include "accounts/credentials.h"
#include "accounts/people_store.h"
#include "recording/recording_retention.h"
#include "samspil/time/clock.h"
#include "server_options.h"
#include "store/backup.h"
#include "store/database_copy.h"
#include "store/database_lock.h"
#include "samspil/protocol/validation.h"
#include "store/schema.h"
#include "store/database.h"

#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <stdexcept>

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

// Where the data lives: the --config file's db and recordings-dir (the service's
// /etc/samspil/samspil.conf), then --db and --recordings-dir, which win.
ServerOptions dataPlaces(const Flags& flags) {
    std::vector<std::string> args;
    for (const char* flag : {"--config", "--db", "--recordings-dir"})
        if (flags.count(flag)) args.insert(args.end(), {flag, flags.at(flag)});
    auto options = parseServerOptions(args);
    if (!options) throw std::runtime_error(options.error());
    return *options;
}

std::unique_ptr<Database> openMigrated(const Flags& flags) {
    auto db = openDatabase(dataPlaces(flags).databasePath);
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

    auto db = openMigrated(flags);
    PeopleStore people(*db);
    Transaction transaction(*db);
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
    auto db = openMigrated(flags);
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
    auto db = openMigrated(flags);
    db->prepare("UPDATE people SET password_hash = ?2 WHERE lower(login) = lower(?1)")
        .bind(1, flags.at("--login"))
        .bind(2, *hash)
        .run();
    if (db->changes() == 0) {
        std::cerr << "samspil-server admin: no such login\n";
        return 1;
    }
    // Signed-in sessions of that person end: a reset is usually because something leaked.
    db->prepare("UPDATE sessions SET revoked_at_ms = ?2 WHERE revoked_at_ms IS NULL AND "
                "person_id = (SELECT id FROM people WHERE lower(login) = lower(?1))")
        .bind(1, flags.at("--login"))
        .bind(2, unixMillis())
        .run();
    std::cout << "password changed; " << flags.at("--login") << " is signed out everywhere\n";
    return 0;
}

// Deletes recordings past their school's retention, as of now or of --as-of (Unix ms: for
// checking what a later run would delete, and for tests).
int expireOldRecordings(const Flags& flags) {
    const ServerOptions options = dataPlaces(flags);
    if (auto problem = placesProblem(options)) throw std::runtime_error(*problem);
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
    auto db = openMigrated(flags);
    const int deleted = expireRecordings(*db, recordingsDirectory(options), asOf);
    std::cout << "deleted " << deleted << " recording" << (deleted == 1 ? "" : "s") << " past their school's retention\n";
    return 0;
}

std::string megabytes(std::int64_t bytes) {
    char text[32];
    std::snprintf(text, sizeof text, "%.1f MB", static_cast<double>(bytes) / 1e6);
    return text;
}

std::string counted(std::int64_t n, const char* one, const char* many) {
    return std::to_string(n) + " " + (n == 1 ? one : many);
}

void printSummary(const char* what, const std::string& file, const BackupSummary& summary) {
    std::cout << what << " " << file << ": " << counted(summary.schools, "school", "schools") << ", "
              << counted(summary.people, "person", "people") << ", "
              << counted(summary.recordings, "recording", "recordings") << " ("
              << counted(summary.files, "file", "files") << ", " << megabytes(summary.fileBytes) << "), schema "
              << summary.schemaVersion << "\n";
}

// A consistent copy while the server runs: SQLite's online backup plus the recordings.
int backup(const std::string& file, const Flags& flags) {
    const ServerOptions places = dataPlaces(flags);
    if (auto problem = placesProblem(places)) throw std::runtime_error(*problem);
    auto made = backupServerData(places.databasePath, recordingsDirectory(places), file);
    if (!made) {
        std::cerr << "samspil-server admin backup: " << made.error() << "\n";
        return 1;
    }
    printSummary("backed up to", file, *made);
    return 0;
}

int restore(const std::string& file, const Flags& flags, bool replace) {
    const ServerOptions places = dataPlaces(flags);
    if (auto problem = placesProblem(places)) throw std::runtime_error(*problem);
    auto restored = restoreServerData(file, places.databasePath, recordingsDirectory(places), replace);
    if (!restored) {
        std::cerr << "samspil-server admin restore: " << restored.error() << "\n";
        return 1;
    }
    printSummary("restored from", file, *restored);
    return 0;
}

// Moving a school's server to PostgreSQL: every row of its (stopped) SQLite file into an
// empty PostgreSQL database. The recordings stay where they are (--recordings-dir).
int copyDatabase(const Flags& flags) {
    if (!flags.count("--from") || !flags.count("--to")) {
        std::cerr << "samspil-server admin copy-database: --from and --to are required\n";
        return 2;
    }
    const std::string& from = flags.at("--from");
    const std::string& to = flags.at("--to");
    std::optional<DatabaseLock> lock;  // a running server would go on writing what is not copied
    if (!isPostgresUrl(from)) {
        if (!std::filesystem::is_regular_file(from)) {
            std::cerr << "samspil-server admin copy-database: there is no database at " << from << "\n";
            return 1;
        }
        auto taken = DatabaseLock::take(from);
        if (!taken) {
            std::cerr << "samspil-server admin copy-database: " << taken.error() << " (stop it first)\n";
            return 1;
        }
        lock.emplace(std::move(*taken));
    }
    auto source = openDatabase(from);
    migrateSchema(*source);  // what the server would do at its next start
    auto target = openDatabase(to);
    migrateSchema(*target);
    auto copied = copyStoreData(*source, *target);
    if (!copied) {
        std::cerr << "samspil-server admin copy-database: " << copied.error() << "\n";
        return 1;
    }
    PeopleStore people(*target);
    std::cout << "copied " << copied->rows << " rows of " << copied->tables << " tables: "
              << counted(static_cast<std::int64_t>(people.schools().size()), "school", "schools") << "\n";
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
  samspil-server admin backup FILE [--db FILE] [--recordings-dir DIR]
      Copies the database and every recording into FILE while the server runs (SQLite's
      online backup: a consistent copy as of one instant; writers carry on).
  samspil-server admin restore FILE [--db FILE] [--recordings-dir DIR] [--replace]
      Puts a backup back, onto a stopped server. Into an empty place unless --replace
      (then the old database is kept beside it as <db>.before-restore-<time>).
      Into PostgreSQL: an empty database (keep an old one with pg_dump).
  samspil-server admin copy-database --from FILE --to postgresql://USER@HOST/DATABASE
      Copies every row of a stopped server's SQLite file into an empty PostgreSQL
      database, to run several nodes on it (docs/operations.md). The file is kept.

--db is an SQLite file or a postgresql:// URL; with PostgreSQL, the commands that touch
recordings (expire-recordings, backup, restore) need --recordings-dir. For PostgreSQL,
pg_dump is the database's own backup; backup FILE makes the same portable file as for
SQLite, recordings included.

Every command also takes --config FILE: the database and recordings folder named in the
server's config file (a packaged server: /etc/samspil/samspil.conf; run the command as the
samspil user, e.g. runuser -u samspil -- samspil-server admin list-schools --config
/etc/samspil/samspil.conf). --db and --recordings-dir win over it.

The admin then signs in through the API (docs/api.md) to add teachers and students.
)";
}

int runAdminCommand(const std::vector<std::string>& args) {
    if (args.empty() || args[0] == "--help" || args[0] == "help") {
        std::cout << adminHelpText();
        return args.empty() ? 2 : 0;
    }
    // backup and restore take the file first, and restore may take --replace.
    const bool withFile = args[0] == "backup" || args[0] == "restore";
    if (withFile && (args.size() < 2 || args[1].rfind("--", 0) == 0)) {
        std::cerr << "samspil-server admin " << args[0] << ": give the backup FILE first (see samspil-server admin --help)\n";
        return 2;
    }
    std::vector<std::string> rest(args.begin(), args.end());
    const auto replaceFlag = std::find(rest.begin(), rest.end(), std::string("--replace"));
    const bool replace = replaceFlag != rest.end() && args[0] == "restore";
    if (replace) rest.erase(replaceFlag);
    Flags flags;
    if (!parseFlags(rest, withFile ? 2 : 1, flags)) return 2;
    try {
        if (args[0] == "backup") return backup(args[1], flags);
        if (args[0] == "restore") return restore(args[1], flags, replace);
        if (args[0] == "create-school") return createSchool(flags);
        if (args[0] == "list-schools") return listSchools(flags);
        if (args[0] == "reset-password") return resetPassword(flags);
        if (args[0] == "expire-recordings") return expireOldRecordings(flags);
        if (args[0] == "copy-database") return copyDatabase(flags);
    } catch (const std::exception& error) {
        std::cerr << "samspil-server admin: " << error.what() << "\n";
        return 1;
    }
    std::cerr << "samspil-server admin: unknown command " << args[0] << " (see samspil-server admin --help)\n";
    return 2;
}

}  // namespace samspil::server
