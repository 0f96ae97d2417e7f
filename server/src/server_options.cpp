#include "server_options.h"

#include "samspil/protocol/server_url.h"
#include "store/database.h"

#include <charconv>
#include <filesystem>
#include <fstream>
#include <set>
#include <system_error>

#include <arpa/inet.h>
#include <unistd.h>

namespace samspil::server {

std::string serverHelpText() {
    return R"(samspil-server — the Samspil relay: rooms, low-latency audio relay, chat.

Usage: samspil-server [options]
       samspil-server admin create-school|list-schools|reset-password ...
                                (set up a school and its admin; admin --help)

  --port N          TCP port for WebSocket and HTTP (default 7400; 0 picks a free
                    port and prints it)
  --udp-port N      UDP port of the media fast path (default: the same number as
                    --port; 0 picks a free one). Clients fall back to the
                    WebSocket by themselves where UDP does not get through
  --udp-bind ADDRESS
                    listen for UDP there instead of the --bind address: behind a
                    TLS proxy on this machine the WebSocket stays on loopback while
                    UDP (encrypted by itself) listens on the school's address
  --no-udp          offer no UDP path: all media goes over the WebSocket
  --bind ADDRESS    IP address to listen on, IPv4 or IPv6 (default 127.0.0.1,
                    loopback only; 0.0.0.0 or :: accept other machines, and
                    then need --cert/--key or --allow-plaintext)
  --db FILE | postgresql://USER@HOST/DATABASE
                    the SQLite database file, created on first run (default
                    var/samspil.db, relative to the working directory); or a
                    PostgreSQL database that several server nodes share
  --recordings-dir DIR
                    where lesson recordings are kept (default: a folder
                    "recordings" beside the SQLite file; with PostgreSQL it
                    must be given: a folder every node can read)
  --node NAME       one of several nodes sharing one PostgreSQL database (--db
                    postgresql://…): rooms are spread over the nodes, each on one
                    at a time (docs/operations.md, "Running more than one node")
  --node-url URL    the WebSocket URL clients reach this node on directly (behind
                    the proxy); default ws(s)://ADDRESS:PORT/ws
  --static-dir DIR  serve the browser client from DIR under / (by default the
                    installed or built client-app/web)
  --cert FILE       TLS certificate (PEM); with --key the server speaks wss/https
  --key FILE        TLS private key (PEM)
  --allow-plaintext listen beyond loopback without TLS: only behind a TLS proxy
                    (nginx) on another machine, or on a closed test network
  --event-loop L    libev (default; epoll, scales to many clients) or poll
  --open-rooms      also let anyone join rooms that no school owns, by code alone
                    (a demo mode; school rooms always need a sign-in or an invite)
  --max-control-backlog-kb N
                    control messages (chat, room state) queued for one client
                    that does not read them, before it is closed as too_slow
                    (default 1024)
  --fast-password-hashing
                    cheap password hashes, for automated tests only: never in use
  --config FILE     read options from FILE first (docs/operations.md): one
                    "name = value" per line, the names of these options without
                    "--" (switches: name = yes); the command line wins over it
  --check-config    check the options and the files and folders they name, print
                    what the server would do, and exit (0: fine, 2: not)
  --version         print the version and exit
  --help            this text

Endpoints on the one port:
  /ws               WebSocket, subprotocol samspil.v1 (see docs/protocol.md)
  /api/v1/...       the JSON API: sign-in, schools, people, rooms, lessons, invites
                    (see docs/api.md)
  GET /healthz      {"status":"ok",...} while serving, 503 while stopping
  GET /metrics      Prometheus text: connections, rooms, packets, drops, latency

SIGINT or SIGTERM: stop accepting, tell clients the server is going away,
flush the database, exit 0.
)";
}

std::optional<std::string> placesProblem(const ServerOptions& options) {
    if (!options.nodeName.empty() && !isPostgresUrl(options.databasePath))
        return "--node is for several servers sharing one PostgreSQL database (--db postgresql://…); an SQLite "
               "file has one server";
    if (!options.nodeUrl.empty() && !parseServerUrl(options.nodeUrl))
        return "--node-url " + options.nodeUrl + " is not a ws:// or wss:// address";
    if (isPostgresUrl(options.databasePath) && options.recordingsDir.empty())
        return "--db postgresql://… needs --recordings-dir: a folder every node sharing the database can read "
               "(a shared filesystem), since a lesson recorded on one node is listened to through another";
    return std::nullopt;
}

std::string recordingsDirectory(const ServerOptions& options) {
    if (!options.recordingsDir.empty()) return options.recordingsDir;
    const auto parent = std::filesystem::path(options.databasePath).parent_path();
    return (parent.empty() ? std::filesystem::path("recordings") : parent / "recordings").string();
}

namespace {

// A folder of the server's shared files: installed beside the binary (<prefix>/share/samspil/
// NAME), else the source tree's when it runs from a build tree; "" when neither holds `marker`.
std::string sharedFolder(const char* name, const char* sourceFolder, const char* marker) {
    std::error_code error;
    const auto exe = std::filesystem::read_symlink("/proc/self/exe", error);
    if (!error) {
        const auto installed = exe.parent_path().parent_path() / "share" / "samspil" / name;
        if (std::filesystem::exists(installed / marker, error)) return installed.string();
    }
    if (sourceFolder && std::filesystem::exists(std::filesystem::path(sourceFolder) / marker, error)) return sourceFolder;
    return {};
}

}  // namespace

std::string webDirectory(const ServerOptions& options) {
    if (!options.staticDir.empty()) return options.staticDir;
#ifdef SAMSPIL_SOURCE_WEB_DIR
    return sharedFolder("web", SAMSPIL_SOURCE_WEB_DIR, "index.html");
#else
    return sharedFolder("web", nullptr, "index.html");
#endif
}

std::string docsDirectory() {
#ifdef SAMSPIL_SOURCE_DOCS_DIR
    return sharedFolder("docs", SAMSPIL_SOURCE_DOCS_DIR, "operations.md");
#else
    return sharedFolder("docs", nullptr, "operations.md");
#endif
}

bool isLoopbackAddress(const std::string& address) {
    in_addr v4{};
    if (inet_pton(AF_INET, address.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
    in6_addr v6{};
    return inet_pton(AF_INET6, address.c_str(), &v6) == 1 && IN6_IS_ADDR_LOOPBACK(&v6);
}

bool isIpv6Address(const std::string& address) {
    in6_addr v6{};
    return inet_pton(AF_INET6, address.c_str(), &v6) == 1;
}

namespace {

bool isIpAddress(const std::string& address) {
    in_addr v4{};
    return inet_pton(AF_INET, address.c_str(), &v4) == 1 || isIpv6Address(address);
}

}  // namespace

namespace {

// Applies options from args to `options`, each in turn (the later wins); no checks across
// options. Used for the command line and for each line of the config file.
Expected<bool, std::string> applyOptions(ServerOptions& options, const std::vector<std::string>& args) {
    for (std::size_t i = 0; i < args.size(); ++i) {
        std::string name = args[i];
        std::string value;
        bool hasValue = false;
        if (const auto eq = name.find('='); name.rfind("--", 0) == 0 && eq != std::string::npos) {
            value = name.substr(eq + 1);
            name = name.substr(0, eq);
            hasValue = true;
        }
        auto takeValue = [&]() -> Expected<std::string, std::string> {
            if (hasValue) return value;
            if (i + 1 >= args.size()) return Unexpected{name + " needs a value"};
            return args[++i];
        };

        if (name == "--help" || name == "-h") {
            options.showHelp = true;
        } else if (name == "--check-config") {
            options.checkConfig = true;
        } else if (name == "--config") {
            auto text = takeValue();  // read before everything else (parseServerOptions)
            if (!text) return Unexpected{text.error()};
        } else if (name == "--version") {
            options.showVersion = true;
        } else if (name == "--open-rooms") {
            options.openRooms = true;
        } else if (name == "--allow-plaintext") {
            options.allowPlaintext = true;
        } else if (name == "--fast-password-hashing") {
            options.fastPasswordHashing = true;
        } else if (name == "--port" || name == "--udp-port") {
            auto text = takeValue();
            if (!text) return Unexpected{text.error()};
            int port = -1;
            const auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), port);
            if (ec != std::errc() || end != text->data() + text->size() || port < 0 || port > 65535)
                return Unexpected{name + " must be a number from 0 to 65535"};
            (name == "--port" ? options.port : options.udpPort) = port;
        } else if (name == "--no-udp") {
            options.udp = false;
        } else if (name == "--max-control-backlog-kb") {
            auto text = takeValue();
            if (!text) return Unexpected{text.error()};
            int kb = -1;
            const auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), kb);
            if (ec != std::errc() || end != text->data() + text->size() || kb < 16 || kb > 1024 * 1024)
                return Unexpected{"--max-control-backlog-kb must be a number from 16 to 1048576"};
            options.maxControlBacklogKb = kb;
        } else if (name == "--bind" || name == "--db" || name == "--static-dir" || name == "--cert" ||
                   name == "--key" || name == "--event-loop" || name == "--udp-bind" || name == "--recordings-dir" ||
                   name == "--node" || name == "--node-url") {
            auto text = takeValue();
            if (!text) return Unexpected{text.error()};
            if (text->empty()) return Unexpected{name + " needs a value"};
            if (name == "--bind") options.bind = *text;
            if (name == "--udp-bind") options.udpBind = *text;
            if (name == "--db") options.databasePath = *text;
            if (name == "--static-dir") options.staticDir = *text;
            if (name == "--recordings-dir") options.recordingsDir = *text;
            if (name == "--node") options.nodeName = *text;
            if (name == "--node-url") options.nodeUrl = *text;
            if (name == "--cert") options.certPath = *text;
            if (name == "--key") options.keyPath = *text;
            if (name == "--event-loop") {
                if (*text != "libev" && *text != "poll") return Unexpected{std::string("--event-loop is libev or poll")};
                options.eventLoop = *text;
            }
        } else {
            return Unexpected{"unknown option " + name + " (see --help)"};
        }
    }
    return true;
}

std::string trimmed(const std::string& text) {
    const auto first = text.find_first_not_of(" \t\r");
    if (first == std::string::npos) return {};
    return text.substr(first, text.find_last_not_of(" \t\r") - first + 1);
}

// The config file's `name = value` lines applied to `options`; errors say file and line.
Expected<bool, std::string> applyConfigFile(ServerOptions& options, const std::string& path) {
    std::ifstream in(path);
    if (!in) return Unexpected{"cannot read the config file " + path};
    static const std::set<std::string> kSwitches{"open-rooms", "allow-plaintext", "no-udp", "fast-password-hashing"};
    static const std::set<std::string> kNotInFile{"help", "version", "config", "check-config"};
    std::string line;
    for (int number = 1; std::getline(in, line); ++number) {
        const std::string where = path + " line " + std::to_string(number) + ": ";
        line = trimmed(line.substr(0, line.find('#')));
        if (line.empty()) continue;
        const auto eq = line.find('=');
        if (eq == std::string::npos) return Unexpected{where + "expected name = value"};
        const std::string name = trimmed(line.substr(0, eq)), value = trimmed(line.substr(eq + 1));
        if (kNotInFile.count(name)) return Unexpected{where + name + " belongs on the command line"};
        std::vector<std::string> args;
        if (kSwitches.count(name)) {
            if (value != "true" && value != "false" && value != "yes" && value != "no")
                return Unexpected{where + name + " is yes or no (true or false)"};
            if (value == "true" || value == "yes") args.push_back("--" + name);
        } else {
            args = {"--" + name, value};
        }
        auto applied = applyOptions(options, args);
        if (!applied) return Unexpected{where + applied.error()};
    }
    return true;
}

}  // namespace

Expected<ServerOptions, std::string> parseServerOptions(const std::vector<std::string>& args) {
    ServerOptions options;
    // The config file first, whatever its place among the arguments: the command line wins.
    for (std::size_t i = 0; i < args.size(); ++i) {
        std::string file;
        if (args[i] == "--config" && i + 1 < args.size()) file = args[i + 1];
        if (args[i].rfind("--config=", 0) == 0) file = args[i].substr(9);
        if (file.empty()) continue;
        options.configFile = file;
        auto applied = applyConfigFile(options, file);
        if (!applied) return Unexpected{applied.error()};
    }
    auto applied = applyOptions(options, args);
    if (!applied) return Unexpected{applied.error()};
    if (options.certPath.empty() != options.keyPath.empty())
        return Unexpected{std::string("--cert and --key go together")};
    if (!isIpAddress(options.bind))
        return Unexpected{"--bind takes an IP address (127.0.0.1, 0.0.0.0, ::1, ::), not " + options.bind};
    // Passwords, session tokens and invite codes must not cross a network in clear text.
    if (!isLoopbackAddress(options.bind) && options.certPath.empty() && !options.allowPlaintext)
        return Unexpected{"--bind " + options.bind +
                          " lets other machines connect, and without --cert and --key their passwords and "
                          "invite codes would cross the network unencrypted. Give --cert and --key (wss), "
                          "or --allow-plaintext when a TLS proxy in front does the encryption."};
    return options;
}

}  // namespace samspil::server
