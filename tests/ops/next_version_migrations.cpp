// The package upgrade test's "next version" of samspil-server (tests/ops/check_install.sh):
// the shipped migrations plus one more, linked in place of store/schema_migrations.cpp, so
// that upgrading the installed package runs a migration on a lesson's real data.
#include "store/schema.h"

#include <vector>

namespace samspil::server {

std::span<const char* const> schemaMigrations() {
    static const std::vector<const char*> migrations = [] {
        auto shipped = shippedMigrations();
        std::vector<const char*> all(shipped.begin(), shipped.end());
        all.push_back(R"sql(
            CREATE TABLE upgrade_check (note TEXT NOT NULL);
            INSERT INTO upgrade_check VALUES ('migrated by the next version');
        )sql");
        return all;
    }();
    return migrations;
}

}  // namespace samspil::server
