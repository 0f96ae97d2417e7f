// Cutting a client's TCP connection from outside, as a broken line or a restarted home
// router would: the kernel aborts the socket (`ss -K`, needs CAP_NET_ADMIN, as the network
// tests already do), the client sees its connection die and has to reconnect by itself.
#pragma once

#include <sys/types.h>

namespace samspil::test {

/// Aborts every established TCP connection process `pid` has to `serverPort` on this
/// machine. Returns how many were cut (0: none found, or not allowed to).
int cutTcpConnections(pid_t pid, int serverPort);

}  // namespace samspil::test
