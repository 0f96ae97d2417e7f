// samspil-netlab: a line between two towns on one machine. Puts a "client side" and a
// "server side" network namespace on either end of a user-space forwarder that delays,
// jitters, loses (randomly or in bursts), rate-limits and cuts the traffic, per direction
// and reproducibly from a seed. docs/operations.md shows how to run a lesson through it.
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <stdexcept>
#include <string>

#include "forwarder.h"
#include "profiles.h"
#include "tun_pair.h"

namespace {

std::atomic<bool> stopRequested{false};

void onSignal(int) { stopRequested.store(true); }

void usage(std::ostream& out) {
    out << "samspil-netlab — a line with delay, jitter and loss between two network namespaces\n\n"
           "Usage: samspil-netlab [--profile NAME] [options]     (as root)\n\n"
           "  --profile NAME      none, lan, city, country, bad-wifi, udp-blocked or home-dsl (default lan)\n"
           "  --block-udp         drop every UDP packet (a firewall that lets only TCP through)\n"
           "  --block-udp-way W   up (client to server), down or both (default both): a one-way firewall or NAT\n"
           "  --block-udp-from S  block UDP only from second S of the run on (a path that worked, then broke)\n"
           "  --delay-ms MS       one-way delay, each direction\n"
           "  --jitter-ms MS      each packet's delay varies by ± this\n"
           "  --reorder           let jitter reorder packets (off: order is kept)\n"
           "  --loss RATE         random loss, 0..1\n"
           "  --burst-loss RATE[:LEN]  loss in bursts (Gilbert–Elliott), LEN packets a burst\n"
           "  --rate-kbps KBPS    bottleneck rate, with --queue-ms MS of queue (default 100)\n"
           "  --up-rate-kbps KBPS the client-to-server rate where it differs (a home line's upload)\n"
           "  --queue-bytes N     the bottleneck's queue in bytes instead of time\n"
           "  --rate-drop AT:FOR:KBPS  from second AT of the run for FOR seconds the line carries KBPS\n"
           "  --outage AT:FOR     drop everything from second AT of the run for FOR seconds\n"
           "  --seed N            the run's randomness (default 1): same seed, same run\n"
           "  --name PREFIX       namespaces PREFIX-client and PREFIX-server (default samspil-lab)\n"
           "  --duration SECONDS  stop by itself after this long (default: at Ctrl-C / SIGTERM)\n"
           "  --figures FILE      also write the closing figures (JSON) to FILE\n\n"
           "Once it prints `ready`, the client side is 10.77.0.1 and the server side 10.77.0.2:\n"
           "  ip netns exec samspil-lab-server samspil-server --bind 10.77.0.2 --allow-plaintext\n"
           "  ip netns exec samspil-lab-client samspil-cli --server ws://10.77.0.2:7400 ...\n"
           "On exit it prints what it forwarded and dropped, and its own added delay.\n";
}

double number(const std::string& option, const std::string& text) {
    try {
        std::size_t used = 0;
        const double value = std::stod(text, &used);
        if (used == text.size() && value >= 0) return value;
    } catch (const std::exception&) {
    }
    throw std::invalid_argument(option + " needs a number ≥ 0, not '" + text + "'");
}

// "A:B" → {A, B}; "A" → {A, fallback}.
std::pair<double, double> pairOf(const std::string& option, const std::string& text, double fallback) {
    const auto colon = text.find(':');
    if (colon == std::string::npos) return {number(option, text), fallback};
    return {number(option, text.substr(0, colon)), number(option, text.substr(colon + 1))};
}

}  // namespace

int main(int argc, char** argv) {
    using namespace samspil::netlab;
    LinkProfile profile = *profileNamed("lan");
    std::string profileName = "lan", prefix = "samspil-lab", figuresFile;
    std::uint64_t seed = 1;
    double duration = 0;
    std::string udpWay = "both";
    try {
        // The profile first, so the other options refine it whatever their order.
        for (int i = 1; i + 1 < argc; ++i)
            if (std::string(argv[i]) == "--profile") {
                profileName = argv[i + 1];
                const auto named = profileNamed(profileName);
                if (!named) throw std::invalid_argument("no profile '" + profileName + "'");
                profile = *named;
            }
        for (int i = 1; i < argc; ++i) {
            const std::string option = argv[i];
            if (option == "--help" || option == "-h") {
                usage(std::cout);
                return 0;
            }
            if (option == "--reorder") {
                profile.reorder = true;
                continue;
            }
            if (option == "--block-udp") {
                profile.blockUdp = true;
                continue;
            }
            if (i + 1 >= argc) throw std::invalid_argument(option + " needs a value");
            const std::string value = argv[++i];
            if (option == "--profile") continue;
            else if (option == "--delay-ms") profile.delayMs = number(option, value);
            else if (option == "--jitter-ms") profile.jitterMs = number(option, value);
            else if (option == "--loss") profile.lossRate = number(option, value);
            else if (option == "--burst-loss") std::tie(profile.burstLossRate, profile.burstLengthPackets) = pairOf(option, value, 3);
            else if (option == "--rate-kbps") profile.rateKbps = number(option, value);
            else if (option == "--queue-ms") profile.queueMs = number(option, value);
            else if (option == "--up-rate-kbps") profile.upRateKbps = number(option, value);
            else if (option == "--queue-bytes") profile.queueBytes = number(option, value);
            else if (option == "--rate-drop") {
                const auto first = value.find(':'), second = value.rfind(':');
                if (first == std::string::npos || first == second) throw std::invalid_argument("--rate-drop is AT:FOR:KBPS");
                profile.rateDropAtS = number(option, value.substr(0, first));
                profile.rateDropForS = number(option, value.substr(first + 1, second - first - 1));
                profile.rateDropKbps = number(option, value.substr(second + 1));
                if (profile.rateDropKbps <= 0) throw std::invalid_argument("--rate-drop needs a rate above 0");
            }
            else if (option == "--outage") std::tie(profile.outageAtS, profile.outageForS) = pairOf(option, value, 2);
            else if (option == "--seed") seed = static_cast<std::uint64_t>(number(option, value));
            else if (option == "--name") prefix = value;
            else if (option == "--duration") duration = number(option, value);
            else if (option == "--figures") figuresFile = value;
            else if (option == "--block-udp-way") udpWay = value;
            else if (option == "--block-udp-from") profile.blockUdpFromS = number(option, value);
            else throw std::invalid_argument("unknown option " + option);
        }
        if (profile.lossRate > 1 || profile.burstLossRate >= 1) throw std::invalid_argument("a loss rate is between 0 and 1");
        if (udpWay != "both" && udpWay != "up" && udpWay != "down")
            throw std::invalid_argument("--block-udp-way is up, down or both");
    } catch (const std::exception& error) {
        std::cerr << "samspil-netlab: " << error.what() << "\n\n";
        usage(std::cerr);
        return 2;
    }

    std::signal(SIGINT, onSignal);
    std::signal(SIGTERM, onSignal);
    try {
        TunPair lab(prefix);
        LinkProfile up = profile, down = profile;
        up.blockUdp = profile.blockUdp && udpWay != "down";
        if (profile.upRateKbps > 0) up.rateKbps = profile.upRateKbps;
        down.blockUdp = profile.blockUdp && udpWay != "up";
        Forwarder forwarder(lab.clientFd(), lab.serverFd(), up, down, seed);
        std::cout << "netlab: ready — profile " << profileName << ", seed " << seed << "; client side "
                  << lab.clientNamespace() << " (" << TunPair::kClientAddress << "), server side "
                  << lab.serverNamespace() << " (" << TunPair::kServerAddress << ")" << std::endl;
        forwarder.run(stopRequested, duration);
        auto figures = forwarder.figures();
        figures["profile"] = profileName;
        figures["seed"] = seed;
        std::cout << figures.dump() << std::endl;
        if (!figuresFile.empty()) std::ofstream(figuresFile) << figures.dump(2) << "\n";
    } catch (const std::exception& error) {
        std::cerr << error.what() << "\n";
        return 1;
    }
    return 0;
}
