// The server address a teacher types or pastes.
#include "samspil/protocol/server_url.h"

#include <catch2/catch.hpp>

using namespace samspil;

TEST_CASE("server addresses in the forms people type", "[net][url]") {
    auto plain = parseServerUrl("ws://127.0.0.1:7400");
    REQUIRE(plain);
    CHECK_FALSE(plain->secure);
    CHECK(plain->host == "127.0.0.1");
    CHECK(plain->port == 7400);
    CHECK(plain->path == "/ws");
    CHECK(plain->toString() == "ws://127.0.0.1:7400/ws");

    auto secure = parseServerUrl("wss://samspil.musikskole.dk/ws");
    REQUIRE(secure);
    CHECK(secure->secure);
    CHECK(secure->port == 443);

    auto https = parseServerUrl("https://samspil.example/custom");
    REQUIRE(https);
    CHECK(https->secure);
    CHECK(https->path == "/custom");

    auto bare = parseServerUrl("localhost:9000");
    REQUIRE(bare);
    CHECK(bare->host == "localhost");
    CHECK(bare->port == 9000);

    auto ipv6 = parseServerUrl("ws://[::1]:7400/ws");
    REQUIRE(ipv6);
    CHECK(ipv6->host == "::1");
    CHECK(ipv6->toString() == "ws://[::1]:7400/ws");
}

TEST_CASE("the Host header names the port unless it is the scheme's default", "[net][url]") {
    CHECK(parseServerUrl("ws://127.0.0.1:7400")->hostHeader() == "127.0.0.1:7400");
    CHECK(parseServerUrl("wss://samspil.musikskole.dk")->hostHeader() == "samspil.musikskole.dk");
    CHECK(parseServerUrl("wss://samspil.musikskole.dk:8443")->hostHeader() == "samspil.musikskole.dk:8443");
    CHECK(parseServerUrl("ws://samspil.example:80")->hostHeader() == "samspil.example");
    CHECK(parseServerUrl("ws://[::1]:7400")->hostHeader() == "[::1]:7400");
    CHECK(parseServerUrl("wss://[2001:db8::1]")->hostHeader() == "[2001:db8::1]");
}

TEST_CASE("malformed addresses say what is wrong", "[net][url]") {
    CHECK_FALSE(parseServerUrl("ftp://host"));
    CHECK_FALSE(parseServerUrl("ws://"));
    CHECK_FALSE(parseServerUrl("ws://host:0"));
    CHECK_FALSE(parseServerUrl("ws://host:70000"));
    CHECK_FALSE(parseServerUrl("ws://host:12ab"));
    CHECK_FALSE(parseServerUrl("ws://[::1"));
    CHECK_FALSE(parseServerUrl("ws://user@host"));
    CHECK(parseServerUrl("ftp://host").error().find("ws://") != std::string::npos);
}
