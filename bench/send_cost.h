// The floor to compare the relay against: CPU time of one plain send() of a packet on
// loopback TCP with TCP_NODELAY, measured here and now.
#pragma once

#include <cstddef>

namespace samspil::bench {

/// Sends `count` messages of `bytes` over a loopback TCP connection (a thread drains the
/// other end) and returns the sender's CPU microseconds per send().
double measureLoopbackSendMicros(std::size_t bytes, int count);

}  // namespace samspil::bench
