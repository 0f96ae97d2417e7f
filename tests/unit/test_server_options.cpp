// samspil-server's command line.
#include "admin_command.h"
#include "process.h"
#include "server_options.h"
#include "store/database.h"
#include "upgrade_check.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <fstream>

using namespace samspil::server;

TEST_CASE("defaults are the embedded, loopback-only setup", "[server][options]") {
    auto options = parseServerOptions({});
    REQUIRE(options);
    CHECK(options->port == 7400);
    CHECK(options->bind == "127.0.0.1");
    CHECK(options->databasePath == "var/samspil.db");
    CHECK(options->staticDir.empty());
}

TEST_CASE("every flag is read, in both spellings", "[server][options]") {
    auto options = parseServerOptions({"--port", "0", "--bind=0.0.0.0", "--db", "/tmp/x.db", "--static-dir",
                                       "client-app/web", "--cert", "c.pem", "--key=k.pem"});
    REQUIRE(options);
    CHECK(options->port == 0);
    CHECK(options->bind == "0.0.0.0");
    CHECK(options->databasePath == "/tmp/x.db");
    CHECK(options->staticDir == "client-app/web");
    CHECK(options->certPath == "c.pem");
    CHECK(options->keyPath == "k.pem");
}

TEST_CASE("beyond loopback the server needs TLS, or --allow-plaintext said out loud", "[server][options]") {
    for (const char* address : {"0.0.0.0", "::", "192.168.1.20", "fe80::1"}) {
        CAPTURE(address);
        const auto refused = parseServerOptions({"--bind", address});
        REQUIRE_FALSE(refused);
        CHECK(refused.error().find("--cert") != std::string::npos);
        CHECK(refused.error().find("--allow-plaintext") != std::string::npos);
        CHECK(parseServerOptions({"--bind", address, "--cert", "c.pem", "--key", "k.pem"}));
        CHECK(parseServerOptions({"--bind", address, "--allow-plaintext"}));
    }
    for (const char* address : {"127.0.0.1", "127.0.0.2", "::1"}) {
        CAPTURE(address);
        CHECK(parseServerOptions({"--bind", address}));
        CHECK(isLoopbackAddress(address));
    }
    CHECK(isIpv6Address("::1"));
    CHECK_FALSE(isIpv6Address("127.0.0.1"));
    const auto hostname = parseServerOptions({"--bind", "localhost"});
    REQUIRE_FALSE(hostname);
    CHECK(hostname.error().find("IP address") != std::string::npos);
}

TEST_CASE("mistakes are named", "[server][options]") {
    CHECK(parseServerOptions({"--port", "99999"}).error().find("--port") != std::string::npos);
    CHECK(parseServerOptions({"--port"}).error().find("needs a value") != std::string::npos);
    CHECK(parseServerOptions({"--colour"}).error().find("--colour") != std::string::npos);
    CHECK(parseServerOptions({"--cert", "c.pem"}).error().find("--key") != std::string::npos);
    CHECK(parseServerOptions({"--help"})->showHelp);
    CHECK(serverHelpText().find("--static-dir") != std::string::npos);
}

TEST_CASE("a WebSocket upgrade is served on /ws with samspil.v1 only, anything else is refused with a sentence",
          "[server][upgrade]") {
    using samspil::server::checkUpgrade;
    CHECK_FALSE(checkUpgrade("/ws", "samspil.v1"));
    CHECK_FALSE(checkUpgrade("/ws?x=1", "chat, samspil.v1"));
    CHECK_FALSE(checkUpgrade("/ws", " samspil.v1 ,other"));
    const auto noProtocol = checkUpgrade("/ws", "");
    REQUIRE(noProtocol);
    CHECK(noProtocol->status == 400);
    CHECK(noProtocol->sentence.find("samspil.v1") != std::string::npos);
    CHECK(checkUpgrade("/ws", "samspil.v10"));
    CHECK(checkUpgrade("/ws", "samspil"));
    const auto wrongPath = checkUpgrade("/socket", "samspil.v1");
    REQUIRE(wrongPath);
    CHECK(wrongPath->status == 404);
    CHECK(checkUpgrade("/ws/", "samspil.v1"));
    CHECK(checkUpgrade("", "samspil.v1"));
}

TEST_CASE("the control backlog limit is an option with a floor", "[server][options]") {
    using samspil::server::parseServerOptions;
    CHECK(parseServerOptions({})->maxControlBacklogKb == 1024);
    CHECK(parseServerOptions({"--max-control-backlog-kb", "64"})->maxControlBacklogKb == 64);
    CHECK_FALSE(parseServerOptions({"--max-control-backlog-kb", "8"}));
    CHECK_FALSE(parseServerOptions({"--max-control-backlog-kb=lots"}));
}

TEST_CASE("the UDP fast path is on by default on the WebSocket's port number, and can move or be switched off",
          "[server][options][udp]") {
    auto defaults = parseServerOptions({});
    REQUIRE(defaults);
    CHECK(defaults->udp);
    CHECK(defaults->udpPort == -1);  // the same number as --port
    CHECK(defaults->udpBind.empty());
    // UDP is sealed by itself: listening for it beyond loopback needs no --allow-plaintext.
    auto moved = parseServerOptions({"--udp-port", "7500", "--udp-bind", "0.0.0.0"});
    REQUIRE(moved);
    CHECK(moved->udpPort == 7500);
    CHECK(moved->udpBind == "0.0.0.0");
    auto off = parseServerOptions({"--no-udp"});
    REQUIRE(off);
    CHECK_FALSE(off->udp);
    auto bad = parseServerOptions({"--udp-port", "70000"});
    REQUIRE_FALSE(bad);
    CHECK(bad.error() == "--udp-port must be a number from 0 to 65535");
}

TEST_CASE("a config file gives the same options as the flags, and the command line wins", "[server][options][config]") {
    samspil::test::TempDir dir;
    const std::string conf = dir.file("samspil.conf");
    std::ofstream(conf) << "# /etc/samspil/samspil.conf\n"
                           "port = 7500\n"
                           "bind = 0.0.0.0   # the school's network\n"
                           "allow-plaintext = yes\n"
                           "db = /var/lib/samspil/samspil.db\n"
                           "\n"
                           "open-rooms = no\n"
                           "udp-port=7501\n";
    auto options = parseServerOptions({"--config", conf});
    REQUIRE(options);
    CHECK(options->port == 7500);
    CHECK(options->udpPort == 7501);
    CHECK(options->bind == "0.0.0.0");
    CHECK(options->allowPlaintext);
    CHECK_FALSE(options->openRooms);
    CHECK(options->databasePath == "/var/lib/samspil/samspil.db");
    CHECK(options->configFile == conf);
    // The command line wins, wherever --config stands.
    options = parseServerOptions({"--port", "7600", "--config=" + conf, "--db", "here.db"});
    REQUIRE(options);
    CHECK(options->port == 7600);
    CHECK(options->databasePath == "here.db");
    CHECK(options->bind == "0.0.0.0");
    // The checks across options see both: loopback from the command line needs no TLS.
    CHECK(parseServerOptions({"--config", conf, "--bind", "127.0.0.1"}));

    // Mistakes say where they are.
    const auto broken = [&](const std::string& text) {
        std::ofstream(conf) << "port = 7500\n" << text << "\n";
        auto parsed = parseServerOptions({"--config", conf});
        REQUIRE_FALSE(parsed);
        return parsed.error();
    };
    CHECK(broken("prot = 7400") == conf + " line 2: unknown option --prot (see --help)");
    CHECK(broken("port = lots") == conf + " line 2: --port must be a number from 0 to 65535");
    CHECK(broken("open-rooms = maybe") == conf + " line 2: open-rooms is yes or no (true or false)");
    CHECK(broken("just words") == conf + " line 2: expected name = value");
    CHECK(broken("config = other.conf") == conf + " line 2: config belongs on the command line");
    CHECK(broken("bind = 0.0.0.0").find("unencrypted") != std::string::npos);
    CHECK(parseServerOptions({"--config", dir.file("missing.conf")}).error() == "cannot read the config file " + dir.file("missing.conf"));
}

TEST_CASE("checking the config names what would not work, and says what the server would do", "[server][options][config]") {
    samspil::test::TempDir dir;
    auto options = parseServerOptions({"--check-config", "--db", dir.file("data/samspil.db"), "--port", "7400"});
    REQUIRE(options);
    CHECK(options->checkConfig);
    auto fine = checkServerConfig(*options);
    REQUIRE(fine);
    CHECK(std::find(fine->begin(), fine->end(), "listens on ws://127.0.0.1:7400, UDP fast path on port 7400") != fine->end());

    std::ofstream(dir.file("a-file")) << "not a folder\n";  // (root may write anywhere: a file stands in the way)
    options = parseServerOptions({"--check-config", "--db", dir.file("a-file/samspil.db"), "--cert", dir.file("no.pem"), "--key",
                                  dir.file("no.key"), "--static-dir", dir.path()});
    REQUIRE(options);
    auto problems = checkServerConfig(*options);
    REQUIRE_FALSE(problems);
    CHECK(problems.error().find("the database (--db)") != std::string::npos);
    CHECK(problems.error().find("the certificate (--cert): cannot read") != std::string::npos);
    CHECK(problems.error().find("the browser client (--static-dir): no index.html") != std::string::npos);
}

TEST_CASE("admin commands find the service's data through its config file, and --db wins", "[server][options][config][admin]") {
    samspil::test::TempDir dir;
    const std::string conf = dir.file("samspil.conf");
    std::ofstream(conf) << "db = " << dir.file("var-lib/samspil.db") << "\nport = 7400\n";
    std::ofstream(dir.file("password")) << "anne-secret-1\n";
    const std::vector<std::string> create{"create-school", "--config", conf, "--name", "Odense Musikskole", "--admin-login",
                                          "anne@odense.dk", "--admin-name", "Anne Admin", "--admin-password-file",
                                          dir.file("password")};
    const auto schoolsIn = [](const std::string& path) {
        auto dbConnection = openDatabase(path);
    auto& db = *dbConnection;
        auto query = db.prepare("SELECT group_concat(name, ', ') FROM schools");
        REQUIRE(query.step());
        return query.columnText(0);
    };
    REQUIRE(runAdminCommand(create) == 0);
    CHECK(schoolsIn(dir.file("var-lib/samspil.db")) == "Odense Musikskole");

    auto withDb = create;
    withDb.insert(withDb.end(), {"--db", dir.file("elsewhere.db")});
    withDb[4] = "Svendborg Musikskole";
    withDb[6] = "bo@svendborg.dk";
    REQUIRE(runAdminCommand(withDb) == 0);
    CHECK(schoolsIn(dir.file("elsewhere.db")) == "Svendborg Musikskole");
    CHECK(schoolsIn(dir.file("var-lib/samspil.db")) == "Odense Musikskole");

    // A broken config file is named, and nothing is touched.
    std::ofstream(conf) << "prot = 7400\n";
    CHECK(runAdminCommand({"list-schools", "--config", conf}) == 1);
    CHECK(runAdminCommand({"list-schools", "--config", dir.file("missing.conf")}) == 1);
}
