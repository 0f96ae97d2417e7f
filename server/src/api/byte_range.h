// The Range header of a download (RFC 9110 14.1.2), for seeking in a recording in the
// browser's audio element. Pure: the header's text and the file's size in, the bytes to
// send out. One range of bytes is served; several at once are answered with the whole file.
#pragma once

#include <cstdint>
#include <string_view>

namespace samspil::server {

struct ByteRange {
    enum class Kind { Whole, Part, Unsatisfiable };
    Kind kind = Kind::Whole;
    std::uint64_t first = 0;  ///< with Part: the first byte sent
    std::uint64_t last = 0;   ///< with Part: the last byte sent (inclusive)
};

/// header: the Range header's value ("" when absent). A malformed or multi-range header
/// means the whole file, as the RFC allows.
ByteRange parseByteRange(std::string_view header, std::uint64_t size);

}  // namespace samspil::server
