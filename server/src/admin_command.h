// `samspil-server admin ...`: set up schools and their admins from the command line,
// straight on the database file (the server may be running; SQLite serialises writers).
#pragma once

#include <string>
#include <vector>

namespace samspil::server {

/// Runs an admin subcommand (args after "admin"); returns the process exit code.
int runAdminCommand(const std::vector<std::string>& args);

/// The help text of the admin subcommands.
std::string adminHelpText();

}  // namespace samspil::server
