// The UDP fast path on a real server: two samspil-cli take it by default and hear each
// other through it; datagrams from a stranger (junk, a made-up session) are dropped and
// counted while the lesson goes on; a participant who keeps to the WebSocket (--no-udp)
// and one on UDP still hear each other, the repeated copies reaching only the UDP side.
#include "samspil/audio/wav_file.h"
#include "signal_analysis.h"
#include "test_server.h"

#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <iostream>
#include <thread>

using namespace samspil;
using namespace samspil::test;

namespace {

// Sends datagrams that are not ours to the server's UDP port, as a scanner on the
// internet would.
int sendStrangerDatagrams(int port, int count) {
    const int fd = socket(AF_INET, SOCK_DGRAM, 0);
    REQUIRE(fd >= 0);
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(static_cast<std::uint16_t>(port));
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int sent = 0;
    for (int i = 0; i < count; ++i) {
        // Even: three bytes of junk. Odd: a well-formed header for a session nobody holds.
        std::vector<std::uint8_t> datagram = i % 2 == 0 ? std::vector<std::uint8_t>{0xde, 0xad, 0x01}
                                                        : std::vector<std::uint8_t>(60, 0x00);
        if (i % 2 == 1) {
            datagram[0] = 1;     // version
            datagram[1] = 3;     // media
            datagram[2] = 0x7f;  // a session id nobody was offered (ids are random: this one is unlikely)
            datagram[5] = static_cast<std::uint8_t>(i);
        }
        if (sendto(fd, datagram.data(), datagram.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof to) > 0) ++sent;
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    close(fd);
    return sent;
}

double metricValue(const std::string& metrics, const std::string& name) {
    const auto at = metrics.find("\n" + name + " ");
    if (at == std::string::npos) return -1;
    return std::stod(metrics.substr(at + name.size() + 2));
}

// The listener heard the tone: median over 50 ms windows across two seconds.
void checkTone(const TempDir& dir, const CliRun& listener, const std::string& listenerName, const std::string& heardName,
               double hz) {
    const auto* peer = listener.peerNamed(heardName);
    REQUIRE(peer != nullptr);
    CHECK((*peer)["received"].get<int>() > 300);
    const auto recording = readWavFile(dir.file("heard-by-" + listenerName + "/" + heardName + ".wav"));
    REQUIRE(recording);
    const auto heard = recording->channel(0);
    const WindowedMatch match = compareWithTone(heard, hz, 2.0);
    CHECK(match.windows >= 35);
    std::cout << "  " << listenerName << " hears " << heardName << ": median correlation " << match.medianCorrelation
              << ", mouth-to-ear p50 " << (*peer)["mouth_to_ear_ms"]["p50"] << " ms, concealed " << (*peer)["concealed"]
              << ", duplicates " << (*peer)["duplicates"] << "\n";
    CHECK(match.medianCorrelation > 0.95);
    CHECK(match.fractionAbove > 0.9);
}

std::vector<std::string> toneArgs(const TestServer& server, const TempDir& dir, const std::string& name, const std::string& hz,
                                  std::vector<std::string> extra) {
    std::vector<std::string> args{"--server", server.url(), "--room", "udp-lesson", "--name", name, "--tone", hz,
                                  "--duration", "4", "--record", dir.file("heard-by-" + name)};
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
}

}  // namespace

TEST_CASE("udp: a lesson takes the UDP fast path by default, and a stranger's datagrams are dropped, not relayed",
          "[integration][udp]") {
    TempDir dir;
    TestServer server(dir);
    const auto health = nlohmann::json::parse(httpGet(server.port(), "/healthz").body);
    REQUIRE(health["udp_port"].is_number());
    CHECK(health["udp_port"].get<int>() == server.port());  // one number for a school's firewall

    CliRun teacher(dir, "teacher", toneArgs(server, dir, "teacher", "660", {}));
    CliRun student(dir, "student", toneArgs(server, dir, "student", "440", {}));
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    const int strangers = sendStrangerDatagrams(server.port(), 40);
    CHECK(teacher.finish() == 0);
    CHECK(student.finish() == 0);

    for (const CliRun* run : {&teacher, &student}) {
        const auto& udp = run->stats()["udp"];
        std::cout << "  " << run->stats()["name"] << ": udp " << udp.dump() << ", media sent " << run->stats()["media_sent"] << "\n";
        CHECK(udp["state"] == "up");
        CHECK(udp["fallbacks"] == 0);
        // Nearly all of 4 s at 5 ms frames went by UDP (the first few, before the hello was
        // answered, by WebSocket).
        CHECK(udp["media_sent"].get<int>() > 700);
        CHECK(udp["media_received"].get<int>() > 700);
    }
    checkTone(dir, teacher, "teacher", "student", 440);
    checkTone(dir, student, "student", "teacher", 660);
    // Redundancy 1 (the default): each frame came a second time in the next datagram.
    CHECK((*teacher.peerNamed("student"))["duplicates"].get<int>() > 500);

    const std::string metrics = httpGet(server.port(), "/metrics").body;
    // Half the strangers' datagrams were junk, half named a session nobody holds (to those
    // a client's last keep-alives after leaving may add a few).
    CHECK(metricValue(metrics, "samspil_udp_datagrams_dropped_total{reason=\"malformed\"}") == strangers / 2);
    const double unknown = metricValue(metrics, "samspil_udp_datagrams_dropped_total{reason=\"unknown_session\"}");
    CHECK(unknown >= strangers / 2);
    CHECK(unknown <= strangers / 2 + 6);
    CHECK(metricValue(metrics, "samspil_udp_datagrams_dropped_total{reason=\"forged\"}") == 0);
    CHECK(metricValue(metrics, "samspil_udp_media_packets_out_total") > 1400);
    CHECK(server.stop() == 0);
}

TEST_CASE("udp: a participant on the WebSocket (--no-udp) and one on UDP hear each other, copies only on UDP",
          "[integration][udp]") {
    TempDir dir;
    TestServer server(dir);
    CliRun teacher(dir, "teacher", toneArgs(server, dir, "teacher", "660", {"--udp-redundancy", "2"}));
    CliRun student(dir, "student", toneArgs(server, dir, "student", "440", {"--no-udp"}));
    CHECK(teacher.finish() == 0);
    CHECK(student.finish() == 0);
    CHECK(teacher.stats()["udp"]["state"] == "up");
    CHECK(student.stats()["udp"]["state"] == "off");
    CHECK(student.stats()["udp"]["media_sent"] == 0);
    checkTone(dir, teacher, "teacher", "student", 440);
    checkTone(dir, student, "student", "teacher", 660);
    // The teacher sends each frame three times (itself and two repeats); the WebSocket
    // student gets each once, so it sees no duplicates.
    CHECK((*student.peerNamed("teacher"))["duplicates"].get<int>() == 0);
    CHECK(server.stop() == 0);
}
