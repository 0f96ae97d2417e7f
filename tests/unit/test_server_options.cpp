// samspil-server's command line.
#include "server_options.h"

#include <catch2/catch.hpp>

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

TEST_CASE("mistakes are named", "[server][options]") {
    CHECK(parseServerOptions({"--port", "99999"}).error().find("--port") != std::string::npos);
    CHECK(parseServerOptions({"--port"}).error().find("needs a value") != std::string::npos);
    CHECK(parseServerOptions({"--colour"}).error().find("--colour") != std::string::npos);
    CHECK(parseServerOptions({"--cert", "c.pem"}).error().find("--key") != std::string::npos);
    CHECK(parseServerOptions({"--help"})->showHelp);
    CHECK(serverHelpText().find("--static-dir") != std::string::npos);
}
