// What users may type: room codes, names (Danish letters count as one), chat text.
#include "samspil/protocol/validation.h"

#include <catch2/catch.hpp>

using namespace samspil::protocol;

TEST_CASE("room codes are 1-64 letters, digits, - and _", "[protocol][validation]") {
    CHECK(isValidRoomCode("klaver-3b_2026"));
    CHECK(isValidRoomCode(std::string(64, 'a')));
    CHECK_FALSE(isValidRoomCode(""));
    CHECK_FALSE(isValidRoomCode(std::string(65, 'a')));
    CHECK_FALSE(isValidRoomCode("rum med mellemrum"));
    CHECK_FALSE(isValidRoomCode("sal/1"));
    CHECK_FALSE(isValidRoomCode("kor-æ"));
    CHECK_FALSE(isValidRoomCode("x'; DROP TABLE rooms;--"));
}

TEST_CASE("display names are trimmed, Unicode, and free of control characters", "[protocol][validation]") {
    CHECK(normalizeDisplayName("  Søren Ærbø  ") == "Søren Ærbø");
    CHECK(normalizeDisplayName("李雷 🎻") == "李雷 🎻");
    CHECK_FALSE(normalizeDisplayName(""));
    CHECK_FALSE(normalizeDisplayName("   "));
    CHECK_FALSE(normalizeDisplayName("tab\there"));
    CHECK_FALSE(normalizeDisplayName("bell\x07"));
    CHECK_FALSE(normalizeDisplayName("c1\xc2\x85"));  // U+0085, a C1 control
    std::string sixtyFourAe;
    for (int i = 0; i < 64; ++i) sixtyFourAe += "æ";  // 128 bytes, 64 characters
    CHECK(normalizeDisplayName(sixtyFourAe));
    CHECK_FALSE(normalizeDisplayName(sixtyFourAe + "ø"));
}

TEST_CASE("malformed UTF-8 is refused everywhere", "[protocol][validation]") {
    CHECK(utf8Length("æøå") == 3u);
    CHECK(utf8Length("a\xF0\x9F\x8E\xBB") == 2u);
    CHECK_FALSE(utf8Length("\xC0\xAF"));          // overlong '/'
    CHECK_FALSE(utf8Length("\xED\xA0\x80"));      // a UTF-16 surrogate
    CHECK_FALSE(utf8Length("\xF4\x90\x80\x80"));  // past U+10FFFF
    CHECK_FALSE(utf8Length("\xE2\x82"));          // cut short
    CHECK_FALSE(normalizeDisplayName("Jens \xff"));
    CHECK_FALSE(isValidChatText("ok \x80"));
}

TEST_CASE("chat text is 1-2000 characters with something visible", "[protocol][validation]") {
    CHECK(isValidChatText("Hej!\nSes på torsdag.\tTak"));
    CHECK_FALSE(isValidChatText(""));
    CHECK_FALSE(isValidChatText(" \n\t "));
    CHECK_FALSE(isValidChatText("null\x01byte"));
    CHECK(isValidChatText(std::string(2000, 'x')));
    CHECK_FALSE(isValidChatText(std::string(2001, 'x')));
}
