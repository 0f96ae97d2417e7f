// Passwords (Argon2id, libsodium), session tokens and invite codes. Tokens and codes are
// random, shown to their owner once, and stored only as a BLAKE2b hash.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace samspil::server {

/// How expensive password hashing is. Interactive is the production setting (~50 ms and
/// 64 MiB per hash on a small server); Fast exists for tests only.
enum class PasswordCost { Interactive, Fast };

/// Initialises libsodium once; false if it cannot (no entropy source).
bool initialiseCrypto();

/// An Argon2id hash string (with its salt and parameters), or nullopt if out of memory.
std::optional<std::string> hashPassword(std::string_view password, PasswordCost cost);

/// True when password matches the stored hash string.
bool verifyPassword(std::string_view storedHash, std::string_view password);

/// A dummy verification with the same cost, so that an unknown login takes as long as a
/// wrong password (sign-in never reveals whether an account exists).
void verifyAgainstDummy(std::string_view password, PasswordCost cost);

/// A new session token: 32 random bytes, base64url (43 characters).
std::string makeSessionToken();

/// A new invite code people can read aloud: 16 characters of an unambiguous alphabet in
/// four groups ("k7mq-4xf9-pdh2-w8nc", 80 bits).
std::string makeInviteCode();

/// Canonical form of an invite code as typed (lower case, dashes and spaces dropped).
std::string normaliseInviteCode(std::string_view code);

/// The stored form of a token or code: BLAKE2b-256 of its bytes.
std::vector<std::uint8_t> secretHash(std::string_view secret);

}  // namespace samspil::server
