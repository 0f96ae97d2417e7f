// Passwords, session tokens, invite codes, and the sign-in limiter.
#include "accounts/credentials.h"
#include "accounts/sign_in_limiter.h"

#include <catch2/catch.hpp>

#include <set>

using namespace samspil::server;

TEST_CASE("passwords are stored as Argon2id and only the right one verifies", "[accounts][credentials]") {
    const auto hash = hashPassword("klaver-æøå-123", PasswordCost::Fast);
    REQUIRE(hash);
    CHECK(hash->rfind("$argon2id$", 0) == 0);
    CHECK(hash->find("klaver") == std::string::npos);
    CHECK(verifyPassword(*hash, "klaver-æøå-123"));
    CHECK_FALSE(verifyPassword(*hash, "klaver-æøå-124"));
    CHECK_FALSE(verifyPassword(*hash, ""));
    CHECK_FALSE(verifyPassword("not a hash", "klaver-æøå-123"));
    const auto again = hashPassword("klaver-æøå-123", PasswordCost::Fast);
    CHECK(*again != *hash);  // salted
}

TEST_CASE("tokens and invite codes are random, and stored only as hashes", "[accounts][credentials]") {
    std::set<std::string> tokens, codes;
    for (int i = 0; i < 200; ++i) {
        tokens.insert(makeSessionToken());
        codes.insert(makeInviteCode());
    }
    CHECK(tokens.size() == 200);
    CHECK(codes.size() == 200);
    const std::string token = *tokens.begin();
    CHECK(token.size() == 43);
    const std::string code = *codes.begin();
    CHECK(code.size() == 19);
    CHECK(code[4] == '-');
    for (char c : code) CHECK(std::string("abcdefghjkmnpqrstuvwxyz23456789-").find(c) != std::string::npos);
    CHECK(normaliseInviteCode("K7MQ-4XF9 pdh2-W8NC") == "k7mq4xf9pdh2w8nc");
    CHECK(secretHash(token).size() == 32);
    CHECK(secretHash(token) == secretHash(token));
    CHECK(secretHash(token) != secretHash(token + "x"));
}

TEST_CASE("failed sign-ins are limited per login and per address, within a window", "[accounts][limiter]") {
    SignInLimiter limiter({3, 5, 60'000});
    for (int i = 0; i < 3; ++i) {
        CHECK(limiter.allowed("Ida@School", "10.0.0.1", 1000));
        limiter.recordFailure("Ida@School", "10.0.0.1", 1000);
    }
    CHECK_FALSE(limiter.allowed("ida@school", "10.0.0.2", 2000));  // logins compare without case
    CHECK(limiter.allowed("emil@school", "10.0.0.2", 2000));
    CHECK(limiter.allowed("ida@school", "10.0.0.2", 62'000));     // the window moved on

    for (int i = 0; i < 5; ++i) limiter.recordFailure("user" + std::to_string(i), "10.9.9.9", 5000);
    CHECK_FALSE(limiter.allowed("fresh@school", "10.9.9.9", 5000));  // one address guessing many logins
    CHECK(limiter.allowed("fresh@school", "10.9.9.8", 5000));

    limiter.recordFailure("emil@school", "10.1.1.1", 7000);
    limiter.recordSuccess("emil@school");
    for (int i = 0; i < 2; ++i) limiter.recordFailure("emil@school", "10.1.1.1", 7000);
    CHECK(limiter.allowed("emil@school", "10.1.1.2", 7000));  // the success cleared the earlier failure
}
