#include "samspil/udp/udp_datagram.h"

#include <sodium.h>

#include <cstring>
#include <stdexcept>

namespace samspil::udp {
namespace {

void writeHeader(const Header& header, std::uint8_t* out) {
    out[0] = kVersion;
    out[1] = static_cast<std::uint8_t>(header.kind);
    for (int i = 0; i < 4; ++i) out[2 + i] = static_cast<std::uint8_t>(header.sessionId >> (24 - 8 * i));
    for (int i = 0; i < 8; ++i) out[6 + i] = static_cast<std::uint8_t>(header.counter >> (56 - 8 * i));
}

// 12-byte IETF nonce: direction, three zero bytes, the counter (big-endian).
std::array<std::uint8_t, crypto_aead_chacha20poly1305_IETF_NPUBBYTES> nonceOf(Direction direction, std::uint64_t counter) {
    std::array<std::uint8_t, crypto_aead_chacha20poly1305_IETF_NPUBBYTES> nonce{};
    nonce[0] = static_cast<std::uint8_t>(direction);
    for (int i = 0; i < 8; ++i) nonce[4 + i] = static_cast<std::uint8_t>(counter >> (56 - 8 * i));
    return nonce;
}

void ensureSodium() {
    if (sodium_init() < 0) throw std::runtime_error("libsodium could not be initialised");
}

}  // namespace

std::string_view describe(DatagramError error) {
    switch (error) {
        case DatagramError::TooShort: return "datagram shorter than its header and tag";
        case DatagramError::TooLong: return "datagram longer than 1400 bytes";
        case DatagramError::BadVersion: return "unknown UDP datagram version";
        case DatagramError::BadKind: return "unknown UDP datagram kind";
        case DatagramError::Forged: return "datagram failed authentication";
    }
    return "unknown datagram error";
}

Expected<Header, DatagramError> peekHeader(std::span<const std::uint8_t> datagram) {
    if (datagram.size() < kHeaderBytes + kTagBytes) return Unexpected{DatagramError::TooShort};
    if (datagram.size() > kMaxDatagramBytes) return Unexpected{DatagramError::TooLong};
    if (datagram[0] != kVersion) return Unexpected{DatagramError::BadVersion};
    if (datagram[1] < static_cast<std::uint8_t>(Kind::Hello) || datagram[1] > static_cast<std::uint8_t>(Kind::Video))
        return Unexpected{DatagramError::BadKind};
    Header header;
    header.kind = static_cast<Kind>(datagram[1]);
    for (int i = 0; i < 4; ++i) header.sessionId = (header.sessionId << 8) | datagram[2 + i];
    for (int i = 0; i < 8; ++i) header.counter = (header.counter << 8) | datagram[6 + i];
    return header;
}

Expected<std::size_t, DatagramError> seal(const Key& key, Direction direction, const Header& header,
                                          std::span<const std::uint8_t> body, std::span<std::uint8_t> out) {
    const std::size_t total = kHeaderBytes + body.size() + kTagBytes;
    if (body.size() > kMaxBodyBytes || out.size() < total) return Unexpected{DatagramError::TooLong};
    ensureSodium();
    writeHeader(header, out.data());
    const auto nonce = nonceOf(direction, header.counter);
    unsigned long long sealedBytes = 0;
    crypto_aead_chacha20poly1305_ietf_encrypt(out.data() + kHeaderBytes, &sealedBytes, body.data(), body.size(),
                                              out.data(), kHeaderBytes, nullptr, nonce.data(), key.data());
    return kHeaderBytes + static_cast<std::size_t>(sealedBytes);
}

Expected<Opened, DatagramError> open(const Key& key, Direction direction, std::span<const std::uint8_t> datagram,
                                     std::span<std::uint8_t> out) {
    const auto header = peekHeader(datagram);
    if (!header) return Unexpected{header.error()};
    if (out.size() < datagram.size()) return Unexpected{DatagramError::TooLong};
    ensureSodium();
    const auto nonce = nonceOf(direction, header->counter);
    unsigned long long bodyBytes = 0;
    if (crypto_aead_chacha20poly1305_ietf_decrypt(out.data(), &bodyBytes, nullptr, datagram.data() + kHeaderBytes,
                                                  datagram.size() - kHeaderBytes, datagram.data(), kHeaderBytes,
                                                  nonce.data(), key.data()) != 0)
        return Unexpected{DatagramError::Forged};
    return Opened{*header, static_cast<std::size_t>(bodyBytes)};
}

Key freshKey() {
    ensureSodium();
    Key key;
    randombytes_buf(key.data(), key.size());
    return key;
}

std::uint32_t freshSessionId() {
    ensureSodium();
    return randombytes_random();
}

std::string keyToBase64(const Key& key) {
    ensureSodium();
    char text[sodium_base64_ENCODED_LEN(kKeyBytes, sodium_base64_VARIANT_ORIGINAL)];
    sodium_bin2base64(text, sizeof text, key.data(), key.size(), sodium_base64_VARIANT_ORIGINAL);
    return text;
}

std::optional<Key> keyFromBase64(std::string_view text) {
    ensureSodium();
    Key key{};
    std::size_t length = 0;
    if (sodium_base642bin(key.data(), key.size(), text.data(), text.size(), nullptr, &length, nullptr,
                          sodium_base64_VARIANT_ORIGINAL) != 0 ||
        length != kKeyBytes)
        return std::nullopt;
    return key;
}

}  // namespace samspil::udp
