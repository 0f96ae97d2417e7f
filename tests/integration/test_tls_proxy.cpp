// The server behind Debian's nginx and Debian's Caddy as TLS-terminating reverse proxies,
// exactly as docs/examples/nginx-samspil.conf and docs/examples/samspil.Caddyfile set them up
// (only names, ports and paths replaced): wss and https on the proxy, plain ws on loopback
// behind it. A school's teacher and student sign in and join through the proxy and hear each
// other; the page answers through it, and an invite made through it links to https:// and
// the proxy's port.
#include "samspil/audio/wav_file.h"
#include "samspil/net/http_client.h"
#include "school_fixture.h"
#include "signal_analysis.h"
#include "test_server.h"

#include <catch2/catch.hpp>

#include <csignal>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <regex>
#include <sstream>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

using namespace samspil;
using namespace samspil::test;

namespace {

// A loopback port nobody listens on now (the kernel's choice).
int freePort() {
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
    socklen_t length = sizeof address;
    getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
    close(fd);
    return ntohs(address.sin_port);
}

// The documented site configuration with this test's ports and files, inside a minimal
// nginx.conf whose logs, pid and temp files stay in `dir`.
std::string nginxConfig(const TempDir& dir, int proxyPort, int serverPort) {
    std::string text = readFile(SAMSPIL_SOURCE_DIR "/docs/examples/nginx-samspil.conf");
    REQUIRE(text.find("proxy_pass http://127.0.0.1:7400;") != std::string::npos);
    text = std::regex_replace(text, std::regex(":443 ssl"), ":" + std::to_string(proxyPort) + " ssl");
    text = std::regex_replace(text, std::regex("listen 443 ssl"), "listen 127.0.0.1:" + std::to_string(proxyPort) + " ssl");
    text = std::regex_replace(text, std::regex("listen \\[::\\]:[0-9]+ ssl;"), "");  // loopback IPv4 is enough here
    text = std::regex_replace(text, std::regex("127\\.0\\.0\\.1:7400"), "127.0.0.1:" + std::to_string(serverPort));
    text = std::regex_replace(text, std::regex("/etc/ssl/samspil/"), dir.path() + "/");
    std::ostringstream conf;
    conf << "daemon off;\nmaster_process on;\nworker_processes 1;\nuser root;\npid " << dir.file("nginx.pid") << ";\n"
         << "error_log " << dir.file("nginx-error.log") << " info;\nevents { worker_connections 256; }\n"
         << "http {\n  access_log " << dir.file("nginx-access.log") << ";\n"
         << "  client_body_temp_path " << dir.file("nginx-body") << ";\n  proxy_temp_path " << dir.file("nginx-proxy") << ";\n"
         << "  fastcgi_temp_path " << dir.file("nginx-fastcgi") << ";\n  uwsgi_temp_path " << dir.file("nginx-uwsgi") << ";\n"
         << "  scgi_temp_path " << dir.file("nginx-scgi") << ";\n"
         << text << "\n}\n";
    const std::string path = dir.file("nginx.conf");
    std::ofstream(path) << conf.str();
    return path;
}

// The documented Caddyfile with this test's name, ports and files, after global options that
// keep Caddy to this test: no admin port, no HTTP redirect listener, its state in `dir`.
std::string caddyConfig(const TempDir& dir, int proxyPort, int serverPort) {
    std::string text = readFile(SAMSPIL_SOURCE_DIR "/docs/examples/samspil.Caddyfile");
    REQUIRE(text.find("reverse_proxy 127.0.0.1:7400") != std::string::npos);
    text = std::regex_replace(text, std::regex("samspil\\.school\\.example"), "localhost:" + std::to_string(proxyPort));
    text = std::regex_replace(text, std::regex("127\\.0\\.0\\.1:7400"), "127.0.0.1:" + std::to_string(serverPort));
    text = std::regex_replace(text, std::regex("/etc/ssl/samspil/"), dir.path() + "/");
    text = std::regex_replace(text, std::regex("/var/log/caddy/samspil-access\\.log"), dir.file("caddy-access.log"));
    const std::string path = dir.file("Caddyfile");
    std::ofstream(path) << "{\n\tadmin off\n\tauto_https disable_redirects\n\tstorage file_system " << dir.file("caddy-data")
                        << "\n}\n\n" << text;
    return path;
}

// A proxy from Debian's packages in front of the server, as its documented config says.
struct TlsProxy {
    std::string name;
    ChildProcess process;
    std::string accessLog;
    // Whether its access log shows a WebSocket session on /ws: nginx logs the 101; Caddy 2.6
    // logs an upgraded connection with status 0 when it closes, so: the upgrade request, and
    // that it stayed open over a second (the lesson).
    bool loggedWebSocketSession() const {
        const std::string log = readFile(accessLog);
        // The clients put the room in the address (/ws?room=CODE, docs/protocol.md).
        if (name == "nginx") return std::regex_search(log, std::regex("\"GET /ws(\\?[^ ]*)? HTTP/1.1\" 101"));
        return std::regex_search(log,
                                 std::regex("\"uri\":\"/ws(\\?[^\"]*)?\".*\"Upgrade\":\\[\"websocket\"\\].*\"duration\":[1-9]"));
    }
};

TlsProxy startProxy(const std::string& name, const TempDir& dir, int proxyPort, int serverPort) {
    if (name == "nginx")
        return {name,
                ChildProcess("/usr/sbin/nginx", {"-c", nginxConfig(dir, proxyPort, serverPort), "-e", dir.file("nginx-error.log")},
                             dir.path(), dir.file("nginx")),
                dir.file("nginx-access.log")};
    // HOME: where Caddy would keep its autosaved config, inside the test's folder.
    return {name,
            ChildProcess("/usr/bin/env", {"HOME=" + dir.file("caddy-home"), "/usr/bin/caddy", "run", "--config",
                                          caddyConfig(dir, proxyPort, serverPort), "--adapter", "caddyfile"},
                         dir.path(), dir.file("caddy")),
            dir.file("caddy-access.log")};
}

}  // namespace

TEST_CASE("behind nginx or Caddy as the documented TLS proxy: sign-in, invite links, the page and audio pass through", "[integration][tls]") {
    const std::string proxyName = GENERATE(as<std::string>{}, "nginx", "Caddy");
    INFO("behind " << proxyName);
    SchoolFixture school;
    const TempDir& dir = school.dir;
    TestServer& server = *school.server;  // plain ws on loopback, as the docs say
    REQUIRE(std::system(("bash " SAMSPIL_SOURCE_DIR "/scripts/make-dev-cert.sh " + dir.path() + " localhost >/dev/null").c_str()) == 0);
    const int proxyPort = freePort();
    TlsProxy proxy = startProxy(proxyName == "Caddy" ? "caddy" : "nginx", dir, proxyPort, server.port());
    ChildProcess& proxyProcess = proxy.process;
    const std::string url = "wss://localhost:" + std::to_string(proxyPort);
    net::HttpOptions trust;
    trust.caFile = dir.file("cert.pem");
    // Up when it answers /healthz through the proxy (checking the certificate).
    int healthStatus = 0;
    std::string healthBody;
    REQUIRE(waitUntil(
        [&] {
            if (const auto answer = net::httpRequest(url, "GET", "/healthz", "", trust)) {
                healthStatus = answer->status;
                healthBody = answer->body;
                return true;
            }
            return !proxyProcess.running();
        },
        std::chrono::seconds(10)));
    REQUIRE(proxyProcess.running());
    CHECK(healthStatus == 200);
    CHECK(healthBody.find("\"ok\"") != std::string::npos);
    // What a browser is offered for its WebSocket: HTTP/2 may be there, but not WebSockets
    // over it (RFC 8441) unless they work — offered, browsers try them first (the server's
    // own TLS did, and Firefox never joined).
    ChildProcess probe("/usr/bin/env", {"node", SAMSPIL_SOURCE_DIR "/tests/net/h2_websocket_offer.mjs", "localhost",
                                        std::to_string(proxyPort)}, dir.path(), dir.file("h2-probe"));
    REQUIRE(probe.wait(std::chrono::seconds(20)) == 0);
    const std::string offer = probe.stdoutText();
    std::cout << "  " << proxyName << " offers a browser: " << offer;
    const auto offered = nlohmann::json::parse(offer, nullptr, false);
    REQUIRE(offered.is_object());
    CHECK_FALSE(offered.value("connectProtocol", true));
    const auto page = net::httpRequest(url, "GET", "/", "", trust);
    REQUIRE(page);
    CHECK(page->status == 200);
    CHECK(page->body.find("<html") != std::string::npos);

    // The API through the proxy: a wrong password gets the server's own answer; the teacher
    // signs in and invites a guest, and the link says how the guest reaches the server —
    // https, the proxy's name and port (the proxy vouches for both from loopback).
    const auto wrong = net::signIn(url, "teacher@school", "not-the-password", trust);
    CHECK_FALSE(wrong);
    const auto teacherToken = net::signIn(url, "teacher@school", "password-teacher", trust);
    REQUIRE(teacherToken);
    net::HttpOptions asTeacher = trust;
    asTeacher.bearerToken = *teacherToken;
    const auto invite = net::httpRequest(url, "POST", "/api/v1/rooms/" + std::to_string(school.roomId) + "/invites",
                                         nlohmann::json{{"guest_name", "Mentor Mads"}, {"lesson_id", school.lessonId}}.dump(), asTeacher);
    REQUIRE(invite);
    CHECK(invite->status == 201);
    const auto inviteBody = nlohmann::json::parse(invite->body, nullptr, false);
    REQUIRE(inviteBody.is_object());
    const std::string code = inviteBody.value("code", "");
    CHECK(inviteBody.value("web_link", "") == "https://localhost:" + std::to_string(proxyPort) + "/join/" + code);
    const auto joinPage = net::httpRequest(url, "GET", "/join/" + code, "", trust);
    REQUIRE(joinPage);
    CHECK(joinPage->status == 200);

    // A lesson through the proxy: the teacher lets the student in; each hears the other's tone.
    std::vector<std::string> common{"--server", url, "--ca", dir.file("cert.pem"), "--room", "klaver-1", "--duration", "5"};
    auto cliArgs = [&](const std::string& who, const std::string& hz, std::vector<std::string> extra) {
        const std::string passwordFile = dir.file("pw-" + who);
        std::ofstream(passwordFile) << "password-" << who << "\n";
        std::vector<std::string> args = common;
        args.insert(args.end(), {"--name", who, "--sign-in", who + "@school", "--password-file", passwordFile, "--tone", hz,
                                 "--record", dir.file("heard-by-" + who)});
        args.insert(args.end(), extra.begin(), extra.end());
        return args;
    };
    CliRun teacher(dir, "teacher", cliArgs("teacher", "660", {"--admit-all"}));
    CliRun student(dir, "student", cliArgs("student", "440", {}));
    CHECK(teacher.finish() == 0);
    CHECK(student.finish() == 0);
    for (const auto& [listener, listenerName, heardName, hz] :
         {std::tuple{&teacher, std::string("teacher"), std::string("student"), 440.0},
          std::tuple{&student, std::string("student"), std::string("teacher"), 660.0}}) {
        const auto* peer = listener->peerNamed(heardName);
        REQUIRE(peer != nullptr);
        CHECK((*peer)["received"].get<int>() > 200);
        const auto recording = readWavFile(dir.file("heard-by-" + listenerName + "/" + heardName + ".wav"));
        REQUIRE(recording);
        const auto heard = recording->channel(0);
        // Three seconds of what was heard against the tone that was sent, window by window, so
        // one early jitter-buffer step on a busy machine does not decide the verdict;
        // silence, noise or a wrong tone would.
        const WindowedMatch match = compareWithTone(heard, hz, 3.0);
        std::cout << "  through " << proxyName << ", the " << heardName << "'s " << hz << " Hz tone: median correlation "
                  << match.medianCorrelation << " over " << match.windows << " windows (" << match.fractionAbove * 100
                  << " % above 0.9), mouth-to-ear p50 " << (*peer)["mouth_to_ear_ms"]["p50"] << " ms, concealed "
                  << (*peer)["concealed"] << "\n";
        CHECK(match.windows >= 55);
        CHECK(match.medianCorrelation > 0.95);
        CHECK(match.fractionAbove > 0.9);
    }
    // The proxy really carried it: its access log has the WebSocket sessions (Caddy writes the
    // line when the connection closes, just after the clients left).
    CHECK(waitUntil([&] { return proxy.loggedWebSocketSession(); }, std::chrono::seconds(5)));
    proxyProcess.signal(SIGTERM);
    CHECK(proxyProcess.wait(std::chrono::seconds(10)).has_value());
    CHECK(server.stop() == 0);
}
