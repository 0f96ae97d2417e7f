// The page speaks the same wire as the native clients, from its own JavaScript: its
// constants (client-app/web/js/protocol.js) must be the C++ ones (shared/protocol), and the
// error codes it treats as final must be codes the server has. Read from the page's source.
#include "samspil/protocol/control_message.h"
#include "samspil/protocol/error_code.h"
#include "samspil/protocol/media_format.h"
#include "samspil/protocol/media_packet.h"

#include <catch2/catch.hpp>

#include <fstream>
#include <map>
#include <regex>
#include <sstream>

using namespace samspil;
using namespace samspil::protocol;

namespace {

// `export const NAME = VALUE;` lines of the page's protocol module.
std::map<std::string, std::string> pageConstants() {
    std::ifstream file(SAMSPIL_SOURCE_DIR "/client-app/web/js/protocol.js");
    REQUIRE(file);
    std::stringstream text;
    text << file.rdbuf();
    const std::string source = text.str();
    std::map<std::string, std::string> constants;
    const std::regex declaration(R"(export const ([A-Z_]+) = ([^;]+);)");
    for (auto it = std::sregex_iterator(source.begin(), source.end(), declaration); it != std::sregex_iterator(); ++it)
        constants[(*it)[1]] = (*it)[2];
    return constants;
}

// A number as the page writes it: 14, 0x02, 16 * 1024.
long long number(const std::string& text) {
    long long value = 1;
    std::stringstream parts(text);
    std::string factor;
    while (std::getline(parts, factor, '*')) value *= std::stoll(factor, nullptr, 0);
    return value;
}

}  // namespace

TEST_CASE("the page's wire constants are the native clients' and the server's", "[protocol][web]") {
    const auto page = pageConstants();
    const auto valueOf = [&](const std::string& name) {
        INFO(name);
        REQUIRE(page.count(name) == 1);
        return page.at(name);
    };
    CHECK(valueOf("SUBPROTOCOL") == "'" + std::string(kSubprotocol) + "'");
    CHECK(number(valueOf("PROTOCOL_VERSION")) == kProtocolVersion);
    CHECK(number(valueOf("MEDIA_VERSION")) == kMediaVersion);
    CHECK(number(valueOf("MEDIA_HEADER_BYTES")) == static_cast<long long>(kMediaHeaderBytes));
    CHECK(number(valueOf("MAX_OPUS_PAYLOAD_BYTES")) == static_cast<long long>(kMaxOpusPayloadBytes));
    CHECK(number(valueOf("MAX_CLIENT_MEDIA_MESSAGE_BYTES")) == static_cast<long long>(kMaxClientMediaMessageBytes));
    CHECK(number(valueOf("MAX_CLIENT_MEDIA_MESSAGE_PACKETS")) == static_cast<long long>(kMaxClientMediaMessagePackets));
    CHECK(number(valueOf("MAX_CONTROL_MESSAGE_BYTES")) == static_cast<long long>(kMaxControlMessageBytes));
    CHECK(number(valueOf("FLAG_STEREO")) == kMediaFlagStereo);
    CHECK(number(valueOf("FLAG_STREAM_START")) == kMediaFlagStreamStart);
    CHECK(number(valueOf("OPUS_LOOKAHEAD_SAMPLES")) == kOpusCodecDelaySamples);
    CHECK(number(valueOf("SAMPLE_RATE")) == 48000);
    std::string sizes;
    for (int samples = 1; samples <= 960; ++samples)
        if (isSupportedFrameSize(samples)) sizes += (sizes.empty() ? "" : ", ") + std::to_string(samples);
    CHECK(valueOf("FRAME_SIZES") == "[" + sizes + "]");

    // Every code the page treats as final is one the server sends.
    const std::string finals = valueOf("FINAL_ERRORS");
    const std::regex code("'([a-z_]+)'");
    int codes = 0;
    for (auto it = std::sregex_iterator(finals.begin(), finals.end(), code); it != std::sregex_iterator(); ++it, ++codes) {
        INFO((*it)[1]);
        CHECK(errorCodeFromName((*it)[1].str()).has_value());
    }
    CHECK(codes >= 10);
}
