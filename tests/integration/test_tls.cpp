// wss: the server with a certificate, the client with and without trust in it.
#include "samspil/net/http_client.h"
#include "test_server.h"

#include <catch2/catch.hpp>

#include <cstdlib>

using namespace samspil::test;

TEST_CASE("wss works with --cert/--key, and an untrusted certificate is refused", "[integration][tls][untimed]") {
    TempDir dir;
    const std::string makeCert = "openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=localhost -keyout " +
                                 dir.file("key.pem") + " -out " + dir.file("cert.pem") + " >/dev/null 2>&1";
    REQUIRE(std::system(makeCert.c_str()) == 0);
    TestServer server(dir, {"--cert", dir.file("cert.pem"), "--key", dir.file("key.pem")});
    const std::string url = "wss://127.0.0.1:" + std::to_string(server.port());

    CliRun trusting(dir, "trusting", {"--server", url, "--room", "secure", "--name", "T", "--insecure", "--duration", "1"});
    CHECK(trusting.finish() == 0);
    CHECK(trusting.stats()["joined"] == true);

    CliRun withCa(dir, "ca", {"--server", "wss://localhost:" + std::to_string(server.port()), "--room", "secure",
                              "--name", "C", "--ca", dir.file("cert.pem"), "--duration", "1"});
    CHECK(withCa.finish() == 0);
    CHECK(withCa.stats()["joined"] == true);

    // The apps' HTTP client (sign-in, invites) over https, checking the name against the CA
    // with the port in its Host header.
    samspil::net::HttpOptions trust;
    trust.caFile = dir.file("cert.pem");
    const auto health = samspil::net::httpRequest("wss://localhost:" + std::to_string(server.port()), "GET",
                                                  "/healthz", "", trust);
    REQUIRE(health);
    CHECK(health->status == 200);
    CHECK_FALSE(samspil::net::httpRequest(url, "GET", "/healthz", ""));  // untrusted: no answer

    CliRun suspicious(dir, "suspicious", {"--server", url, "--room", "secure", "--name", "S", "--duration", "1.5"});
    CHECK(suspicious.finish() == 4);
    CHECK(suspicious.stats()["joined"] == false);
    CHECK(server.stop() == 0);
}
