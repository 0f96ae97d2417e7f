#include "accounts/credentials.h"

#include <sodium.h>

#include <cctype>
#include <mutex>

namespace samspil::server {
namespace {

unsigned long long opsLimit(PasswordCost cost) {
    return cost == PasswordCost::Interactive ? crypto_pwhash_OPSLIMIT_INTERACTIVE : crypto_pwhash_OPSLIMIT_MIN;
}

std::size_t memLimit(PasswordCost cost) {
    return cost == PasswordCost::Interactive ? crypto_pwhash_MEMLIMIT_INTERACTIVE : crypto_pwhash_MEMLIMIT_MIN;
}

constexpr char kInviteAlphabet[] = "abcdefghjkmnpqrstuvwxyz23456789";  // no 0/o, 1/l/i

}  // namespace

bool initialiseCrypto() {
    static const bool ok = sodium_init() >= 0;
    return ok;
}

std::optional<std::string> hashPassword(std::string_view password, PasswordCost cost) {
    initialiseCrypto();
    char out[crypto_pwhash_STRBYTES];
    if (crypto_pwhash_str(out, password.data(), password.size(), opsLimit(cost), memLimit(cost)) != 0)
        return std::nullopt;
    return std::string(out);
}

bool verifyPassword(std::string_view storedHash, std::string_view password) {
    initialiseCrypto();
    const std::string hash(storedHash);  // must be NUL-terminated
    return crypto_pwhash_str_verify(hash.c_str(), password.data(), password.size()) == 0;
}

void verifyAgainstDummy(std::string_view password, PasswordCost cost) {
    static std::once_flag once;
    static std::string dummy;
    std::call_once(once, [cost] { dummy = hashPassword("not a real account", cost).value_or(""); });
    if (!dummy.empty()) (void)verifyPassword(dummy, password);
}

std::string makeSessionToken() {
    initialiseCrypto();
    unsigned char bytes[32];
    randombytes_buf(bytes, sizeof bytes);
    char out[sodium_base64_ENCODED_LEN(32, sodium_base64_VARIANT_URLSAFE_NO_PADDING)];
    sodium_bin2base64(out, sizeof out, bytes, sizeof bytes, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    return out;
}

std::string makeInviteCode() {
    initialiseCrypto();
    std::string code;
    for (int i = 0; i < 16; ++i) {
        if (i > 0 && i % 4 == 0) code += '-';
        code += kInviteAlphabet[randombytes_uniform(sizeof kInviteAlphabet - 1)];
    }
    return code;
}

std::string normaliseInviteCode(std::string_view code) {
    std::string out;
    for (char c : code)
        if (c != '-' && c != ' ') out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

std::vector<std::uint8_t> secretHash(std::string_view secret) {
    std::vector<std::uint8_t> hash(crypto_generichash_BYTES);
    crypto_generichash(hash.data(), hash.size(), reinterpret_cast<const unsigned char*>(secret.data()), secret.size(),
                       nullptr, 0);
    return hash;
}

}  // namespace samspil::server
