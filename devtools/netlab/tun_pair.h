// Two network namespaces, "client side" and "server side", each holding one end of the
// lab's line: a TUN device whose packets this process reads and writes. Nothing else
// connects the namespaces, so every packet between them crosses the forwarder. Needs root
// (CAP_NET_ADMIN) and the `ip` command. Main thread.
#pragma once

#include <string>

namespace samspil::netlab {

class TunPair {
public:
    /// Creates namespaces `<prefix>-client` (address 10.77.0.1) and `<prefix>-server`
    /// (10.77.0.2) with loopback up. Throws std::runtime_error with a sentence on failure
    /// (and removes what it had made).
    explicit TunPair(const std::string& prefix);
    /// Closes the devices and deletes the namespaces.
    ~TunPair();
    TunPair(const TunPair&) = delete;
    TunPair& operator=(const TunPair&) = delete;

    int clientFd() const { return clientFd_; }  // packets the client side sends / is sent
    int serverFd() const { return serverFd_; }
    const std::string& clientNamespace() const { return clientNs_; }
    const std::string& serverNamespace() const { return serverNs_; }
    static constexpr const char* kClientAddress = "10.77.0.1";
    static constexpr const char* kServerAddress = "10.77.0.2";

private:
    void teardown();

    std::string clientNs_, serverNs_;
    int clientFd_ = -1, serverFd_ = -1;
    bool madeClientNs_ = false, madeServerNs_ = false;  // only what this lab made is removed
};

}  // namespace samspil::netlab
