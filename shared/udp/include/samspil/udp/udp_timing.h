// The UDP path's timings (docs/protocol.md, "The UDP path"), beside its wire format: the
// client's UdpPathMachine and the server's UdpPaths both keep them, and a test holds the
// page's copy (when it has one) to them.
#pragma once

#include <cstdint>

namespace samspil::udp {

/// While probing, the client sends a hello this often.
inline constexpr std::int64_t kHelloEveryUs = 100'000;
/// A probe nobody answers for this long: media stays on (or goes back to) the WebSocket.
inline constexpr std::int64_t kProbeGiveUpUs = 1'000'000;
/// While the path is up, the client sends a keep-alive this often; the server echoes each.
inline constexpr std::int64_t kKeepAliveEveryUs = 100'000;
/// Nothing heard on a working path for this long: that side stops sending media on it.
inline constexpr std::int64_t kSilenceUs = 300'000;
/// After a working path was lost the client probes again this often…
inline constexpr std::int64_t kQuickProbeEveryUs = 250'000;
/// …for this long, then only every kProbeEveryUs.
inline constexpr std::int64_t kQuickProbeForUs = 10'000'000;
inline constexpr std::int64_t kProbeEveryUs = 10'000'000;

}  // namespace samspil::udp
