// Command-line options of samspil-server.
#pragma once

#include "samspil/base/expected.h"

#include <optional>
#include <string>
#include <vector>

namespace samspil::server {

struct ServerOptions {
    int port = 7400;                      ///< 0 picks a free port (printed at startup)
    std::string bind = "127.0.0.1";       ///< address to listen on
    bool udp = true;                      ///< offer the UDP fast path (docs/protocol.md)
    int udpPort = -1;                     ///< -1: the same number as the TCP port; 0: a free one
    std::string udpBind;                  ///< UDP's address; empty: the same as bind
    std::string databasePath = "var/samspil.db";
    std::string staticDir;                ///< the browser client's files; empty: webDirectory() finds them
    std::string recordingsDir;            ///< lesson recordings; empty: "recordings" beside the database
    std::string nodeName;                 ///< one of several nodes sharing PostgreSQL; empty: the only server
    std::string nodeUrl;                  ///< the WebSocket URL clients reach this node on directly
    std::string certPath;                 ///< with keyPath: serve wss/https
    std::string keyPath;
    std::string eventLoop = "libev";      ///< "libev" (epoll) or "poll" (lws's own loop)
    int maxControlBacklogKb = 1024;       ///< per connection; a client further behind is closed (too_slow)
    bool openRooms = false;               ///< rooms no school owns can be joined by code alone (demo)
    bool fastPasswordHashing = false;     ///< cheap Argon2id parameters: for tests only
    bool allowPlaintext = false;          ///< listen beyond loopback without TLS (a TLS proxy in front)
    std::string configFile;               ///< --config FILE, read before the command line
    bool checkConfig = false;             ///< --check-config: validate and exit
    bool showHelp = false;
    bool showVersion = false;
};

/// Parses argv (without argv[0]), after the --config file if one is given (the command
/// line wins). Errors name the offending option (and the file's line).
[[nodiscard]] Expected<ServerOptions, std::string> parseServerOptions(const std::vector<std::string>& args);

/// Whether `address` (an IP literal) only reaches this machine: 127.0.0.0/8 or ::1.
bool isLoopbackAddress(const std::string& address);

/// Whether `address` is an IPv6 literal (the listening socket is then IPv6).
bool isIpv6Address(const std::string& address);

/// Why the server cannot run with these places (a PostgreSQL database without a
/// --recordings-dir that every node shares, --node without PostgreSQL, a --node-url that
/// is no address), or nothing. Admin commands that touch no recording do not ask.
std::optional<std::string> placesProblem(const ServerOptions& options);

/// Where lesson recordings are kept: --recordings-dir if given, else beside the database.
std::string recordingsDirectory(const ServerOptions& options);

/// Where the browser client's files are: --static-dir if given, else the install tree's
/// (share/samspil/web beside the binary's bin/), else the source tree's client-app/web.
/// Empty when none exists.
std::string webDirectory(const ServerOptions& options);
/// Where the guides the page links to (docs/*.md) are; "" when there are none.
std::string docsDirectory();

/// --check-config: whether the server could start with these options — the database's
/// folder writable, certificate and key readable, the web and recordings folders usable.
/// The lines to print (what it would do), or what is wrong.
[[nodiscard]] Expected<std::vector<std::string>, std::string> checkServerConfig(const ServerOptions& options);

/// The --help text.
std::string serverHelpText();

}  // namespace samspil::server
