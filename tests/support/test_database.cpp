#include "test_database.h"

#include <libpq-fe.h>

#include <cstdlib>
#include <cstring>
#include <functional>
#include <stdexcept>

namespace samspil::test {

bool testingPostgres() {
    const char* url = std::getenv("SAMSPIL_TEST_POSTGRES");
    return url && *url;
}

std::string freshDatabase(const TempDir& dir, const std::string& name) {
    const std::string file = dir.file(name);
    if (!testingPostgres()) return file;
    // SAMSPIL_TEST_POSTGRES names the server's maintenance database. The test's database is
    // named after the file it stands for, so a server restarted on the same folder finds
    // its data again, as it would in the SQLite file.
    const std::string database = "samspil_test_" + std::to_string(std::hash<std::string>{}(file));
    const std::string base = std::getenv("SAMSPIL_TEST_POSTGRES");
    PGconn* admin = PQconnectdb(base.c_str());
    PGresult* made = PQexec(admin, ("CREATE DATABASE " + database).c_str());
    const char* state = PQresultErrorField(made, PG_DIAG_SQLSTATE);
    const bool ok = PQresultStatus(made) == PGRES_COMMAND_OK || (state && std::strcmp(state, "42P04") == 0);  // exists
    const std::string why = PQerrorMessage(admin);
    PQclear(made);
    PQfinish(admin);
    if (!ok) throw std::runtime_error("creating a test database on " + base + ": " + why);
    // postgresql://postgres@/postgres?host=/dir → postgresql://postgres@/samspil_test_…?host=/dir
    const auto slash = base.find('/', base.find("://") + 3);
    const auto query = base.find('?', slash);
    return base.substr(0, slash + 1) + database + (query == std::string::npos ? "" : base.substr(query));
}

}  // namespace samspil::test
