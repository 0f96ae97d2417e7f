// The Range header of a recording's download: the forms browsers send when seeking, and
// everything else answered with the whole file or 416, never out of bounds.
#include "api/byte_range.h"

#include <catch2/catch.hpp>

#include <random>
#include <string>

using samspil::server::ByteRange;
using samspil::server::parseByteRange;
using Kind = ByteRange::Kind;

TEST_CASE("a download's Range header: first-last, first-, and the last N bytes", "[api][range]") {
    auto part = parseByteRange("bytes=0-99", 1000);
    CHECK(part.kind == Kind::Part);
    CHECK(part.first == 0);
    CHECK(part.last == 99);
    part = parseByteRange("bytes=500-", 1000);  // what an audio element sends when seeking
    CHECK((part.kind == Kind::Part && part.first == 500 && part.last == 999));
    part = parseByteRange("bytes=-100", 1000);
    CHECK((part.kind == Kind::Part && part.first == 900 && part.last == 999));
    part = parseByteRange("bytes=-5000", 1000);  // more than there is: all of it
    CHECK((part.kind == Kind::Part && part.first == 0 && part.last == 999));
    part = parseByteRange("bytes=990-5000", 1000);  // past the end: up to the end
    CHECK((part.kind == Kind::Part && part.first == 990 && part.last == 999));
    part = parseByteRange("bytes=0-0", 1);
    CHECK((part.kind == Kind::Part && part.first == 0 && part.last == 0));
}

TEST_CASE("a Range past the end is unsatisfiable, and anything malformed means the whole file", "[api][range]") {
    CHECK(parseByteRange("bytes=1000-", 1000).kind == Kind::Unsatisfiable);
    CHECK(parseByteRange("bytes=2000-3000", 1000).kind == Kind::Unsatisfiable);
    CHECK(parseByteRange("bytes=-0", 1000).kind == Kind::Unsatisfiable);
    CHECK(parseByteRange("bytes=0-", 0).kind == Kind::Unsatisfiable);
    for (const char* whole : {"", "bytes", "bytes=", "bytes=-", "bytes=5-1", "bytes=a-b", "bytes=1-2,4-5", "items=0-1",
                              "bytes=99999999999999999999-", "bytes=+1-2", "bytes=0x10-", "bytes=1 - 2"})
        CHECK(parseByteRange(whole, 1000).kind == Kind::Whole);
}

TEST_CASE("whatever the Range header, a part never reaches past the file", "[api][range]") {
    std::mt19937 random(12);
    const std::string alphabet = "bytes=0123456789-, ";
    for (int n = 0; n < 20000; ++n) {
        std::string header = n % 2 ? "bytes=" : "";
        const int length = static_cast<int>(random() % 14);
        for (int i = 0; i < length; ++i) header += alphabet[random() % alphabet.size()];
        const std::uint64_t size = random() % 3000;
        const auto range = parseByteRange(header, size);
        if (range.kind != Kind::Part) continue;
        INFO(header << " of " << size);
        REQUIRE(range.first <= range.last);
        REQUIRE(range.last < size);
    }
}
