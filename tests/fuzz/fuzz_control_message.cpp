// libFuzzer harness: the control-message parsers (client → server and server → client).
// A parse either fails with a typed error or yields a message that serialises and parses
// back to the same message.
#include "samspil/protocol/control_message.h"

#include <cstdint>
#include <cstdlib>
#include <string_view>

using namespace samspil::protocol;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    if (auto client = parseClientMessage(text, 8'000'000'000)) {
        const std::string again = serialize(*client);
        auto reparsed = parseClientMessage(again, 8'000'000'000);
        if (!reparsed || serialize(*reparsed) != again) std::abort();  // not a fixed point
    }
    if (auto server = parseServerMessage(text)) {
        const std::string again = serialize(*server);
        auto reparsed = parseServerMessage(again);
        if (!reparsed || serialize(*reparsed) != again) std::abort();
    }
    return 0;
}
