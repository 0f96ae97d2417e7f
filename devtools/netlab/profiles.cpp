#include "profiles.h"

namespace samspil::netlab {

std::optional<LinkProfile> profileNamed(const std::string& name) {
    LinkProfile p;
    if (name == "none") return p;  // the forwarder alone: its own cost
    if (name == "lan") {
        p.delayMs = 0.5;
        return p;
    }
    if (name == "city") {  // two schools in one town: fibre, a little jitter, rare loss
        p.delayMs = 10;
        p.jitterMs = 2;
        p.lossRate = 0.001;
        return p;
    }
    if (name == "country") {  // across the country: longer, more jitter, loss in bursts
        p.delayMs = 25;
        p.jitterMs = 5;
        p.burstLossRate = 0.005;
        p.burstLengthPackets = 3;
        return p;
    }
    if (name == "bad-wifi") {  // a student's home Wi-Fi: jitter as large as the delay, 2 % in bursts
        p.delayMs = 15;
        p.jitterMs = 15;
        p.burstLossRate = 0.02;
        p.burstLengthPackets = 4;
        return p;
    }
    if (name == "udp-blocked") {  // a school firewall that lets only TCP out, on a city line
        p.delayMs = 10;
        p.jitterMs = 2;
        p.lossRate = 0.001;
        p.blockUdp = true;
        return p;
    }
    if (name == "home-dsl") {  // a family's DSL: 2 Mbit/s down, 0.5 up, a modem with a 64 KB buffer
        p.delayMs = 20;
        p.rateKbps = 2000;
        p.upRateKbps = 500;
        p.queueBytes = 64 * 1024;
        return p;
    }
    return std::nullopt;
}

std::vector<std::string> profileNames() { return {"none", "lan", "city", "country", "bad-wifi", "udp-blocked", "home-dsl"}; }

}  // namespace samspil::netlab
