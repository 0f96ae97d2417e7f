// The UDP fast path's datagrams (docs/protocol.md, "The UDP path"): a clear 14-byte header
// (version, kind, session id, counter) and a body sealed with ChaCha20-Poly1305 (IETF)
// under the session's key, the header authenticated with it. The nonce is the direction
// and the counter, so the two sides never reuse one under a key; a ReplayWindow lets each
// counter in once. Pure (no sockets); any thread. libsodium does the cryptography.
#pragma once

#include "samspil/base/expected.h"
#include "samspil/base/seen_window.h"

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <span>
#include <string_view>

namespace samspil::udp {

inline constexpr std::uint8_t kVersion = 1;
inline constexpr std::size_t kHeaderBytes = 14;
inline constexpr std::size_t kTagBytes = 16;
inline constexpr std::size_t kKeyBytes = 32;
/// Whole datagram at most (fits a 1500-byte MTU under IPv6 + UDP headers, and a
/// tunnel's few more): media plus two redundant frames at 256 kbit/s stay well under.
inline constexpr std::size_t kMaxDatagramBytes = 1400;
inline constexpr std::size_t kMaxBodyBytes = kMaxDatagramBytes - kHeaderBytes - kTagBytes;

using Key = std::array<std::uint8_t, kKeyBytes>;

enum class Kind : std::uint8_t {
    Hello = 1,      ///< client → server: proves the path (body: empty)
    HelloAck = 2,   ///< server → client: the path works both ways (body: empty)
    Media = 3,      ///< media packets as on the WebSocket (docs/protocol.md, "Media")
    KeepAlive = 4,  ///< either way, when no media flowed for a while (body: empty)
    Video = 5,      ///< either way: one fragment of a video frame (docs/protocol.md, "Video on the UDP path")
};

/// Who sealed it: part of the nonce, so a datagram cannot be reflected back to its sender.
enum class Direction : std::uint8_t { ClientToServer = 0, ServerToClient = 1 };

struct Header {
    Kind kind = Kind::Media;
    std::uint32_t sessionId = 0;  ///< from the `udp` offer in `welcome`
    std::uint64_t counter = 0;    ///< per sender, +1 per datagram, never reused under a key
};

enum class DatagramError {
    TooShort,    ///< shorter than a header and a tag
    TooLong,     ///< longer than kMaxDatagramBytes (or a body that would make it so)
    BadVersion,  ///< not version 1
    BadKind,     ///< a kind this version does not know
    Forged,      ///< authentication failed: wrong key, wrong direction, altered bytes
};
std::string_view describe(DatagramError error);

/// Reads the clear header to find the session. Nothing in it is trusted until open().
[[nodiscard]] Expected<Header, DatagramError> peekHeader(std::span<const std::uint8_t> datagram);

/// Seals `body` into `out` (at least body + kHeaderBytes + kTagBytes); returns the datagram's length.
[[nodiscard]] Expected<std::size_t, DatagramError> seal(const Key& key, Direction direction, const Header& header,
                                                        std::span<const std::uint8_t> body, std::span<std::uint8_t> out);

/// Authenticates and decrypts into `out` (at least the datagram's length); returns the
/// header and the body's length. Says nothing about replays: see ReplayWindow.
struct Opened {
    Header header;
    std::size_t bodyBytes = 0;
};
[[nodiscard]] Expected<Opened, DatagramError> open(const Key& key, Direction direction,
                                                   std::span<const std::uint8_t> datagram, std::span<std::uint8_t> out);

/// A fresh random key (libsodium's CSPRNG).
Key freshKey();
/// A random session id for an offer.
std::uint32_t freshSessionId();
/// The key as the `udp` offer carries it (standard base64 with padding), and back;
/// nullopt for text that is not exactly 32 bytes of base64.
std::string keyToBase64(const Key& key);
std::optional<Key> keyFromBase64(std::string_view text);

/// Lets each counter in at most once, and none older than the last kSpan (RFC 6479's
/// sliding bitmap, SeenWindow). Call accept() only after open() succeeded, or a forger
/// could move the window.
class ReplayWindow {
public:
    static constexpr std::uint64_t kSpan = 1024;
    /// True (and remembered) the first time a counter within the window is seen.
    bool accept(std::uint64_t counter) { return window_.note(counter) == SeenWindow<kSpan>::Verdict::New; }
    std::uint64_t highest() const { return window_.highest(); }

private:
    SeenWindow<kSpan> window_;
};

}  // namespace samspil::udp
