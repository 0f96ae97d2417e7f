#include "api/byte_range.h"

#include <charconv>

namespace samspil::server {

namespace {

// A run of digits, all of it, as a number.
bool readNumber(std::string_view text, std::uint64_t& value) {
    if (text.empty() || text.size() > 19) return false;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    return error == std::errc() && end == text.data() + text.size();
}

}  // namespace

ByteRange parseByteRange(std::string_view header, std::uint64_t size) {
    constexpr std::string_view kUnit = "bytes=";
    if (header.substr(0, kUnit.size()) != kUnit) return {};
    std::string_view spec = header.substr(kUnit.size());
    while (!spec.empty() && spec.front() == ' ') spec.remove_prefix(1);
    while (!spec.empty() && spec.back() == ' ') spec.remove_suffix(1);
    if (spec.find(',') != std::string_view::npos) return {};  // several ranges: the whole file
    const auto dash = spec.find('-');
    if (dash == std::string_view::npos) return {};
    const std::string_view from = spec.substr(0, dash), to = spec.substr(dash + 1);
    std::uint64_t first = 0, last = 0;
    if (from.empty()) {  // "-N": the last N bytes
        std::uint64_t suffix = 0;
        if (!readNumber(to, suffix)) return {};
        if (suffix == 0 || size == 0) return {ByteRange::Kind::Unsatisfiable};
        first = suffix >= size ? 0 : size - suffix;
        return {ByteRange::Kind::Part, first, size - 1};
    }
    if (!readNumber(from, first)) return {};
    if (to.empty()) {
        last = size == 0 ? 0 : size - 1;
    } else {
        if (!readNumber(to, last) || last < first) return {};
        if (last >= size) last = size == 0 ? 0 : size - 1;
    }
    if (first >= size) return {ByteRange::Kind::Unsatisfiable};
    return {ByteRange::Kind::Part, first, last};
}

}  // namespace samspil::server
