// The migrations this server applies. Alone in its file: the package upgrade test links a
// server whose own definition (shipped + one more) takes this one's place (schema.h).
#include "store/schema.h"

namespace samspil::server {

std::span<const char* const> schemaMigrations() {
    return shippedMigrations();
}

}  // namespace samspil::server
