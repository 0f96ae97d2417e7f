#include "connection_cut.h"

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

namespace samspil::test {

namespace {

std::string runAndRead(const std::string& command) {
    std::string out;
    std::unique_ptr<FILE, int (*)(FILE*)> pipe(::popen(command.c_str(), "r"), ::pclose);
    if (!pipe) return out;
    char buffer[4096];
    while (std::fgets(buffer, sizeof buffer, pipe.get())) out += buffer;
    return out;
}

}  // namespace

int cutTcpConnections(pid_t pid, int serverPort) {
    // "ESTAB 0 0 127.0.0.1:41234 127.0.0.1:7400 users:(("samspil-cli",pid=123,fd=7))"
    const std::string port = std::to_string(serverPort);
    const std::string listing = runAndRead("ss -tnpH state established '( dport = :" + port + " )' 2>/dev/null");
    const std::string owner = "pid=" + std::to_string(pid) + ",";
    std::vector<std::string> localPorts;
    std::size_t lineStart = 0;
    while (lineStart < listing.size()) {
        std::size_t lineEnd = listing.find('\n', lineStart);
        if (lineEnd == std::string::npos) lineEnd = listing.size();
        const std::string line = listing.substr(lineStart, lineEnd - lineStart);
        lineStart = lineEnd + 1;
        if (line.find(owner) == std::string::npos) continue;
        // With a state filter the columns are Recv-Q, Send-Q, local, peer, users.
        char local[128] = {};
        if (std::sscanf(line.c_str(), "%*s %*s %127s", local) != 1) continue;
        const std::string address = local;
        const auto colon = address.rfind(':');
        if (colon != std::string::npos) localPorts.push_back(address.substr(colon + 1));
    }
    int cut = 0;
    for (const std::string& localPort : localPorts) {
        const std::string killed = runAndRead("ss -K -tnH state established '( sport = :" + localPort + " and dport = :" + port +
                                              " )' 2>/dev/null");
        if (killed.find(localPort) != std::string::npos) ++cut;
    }
    return cut;
}

}  // namespace samspil::test
