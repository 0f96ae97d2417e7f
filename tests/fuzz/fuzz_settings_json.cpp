// libFuzzer harness: the app settings and plugin state readers, and invite links.
// They accept or refuse any bytes without crashing; what they accept saves and loads back.
#include "plugin_state.h"
#include "samspil/settings/client_settings.h"
#include "samspil/protocol/invite_link.h"

#include <cstdint>
#include <cstdlib>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    if (auto settings = samspil::ClientSettings::fromJson(text)) {
        auto again = samspil::ClientSettings::fromJson(settings->toJson());
        if (!again || again->toJson() != settings->toJson()) std::abort();
    }
    if (auto state = samspil::plugin::PluginState::fromJson(text)) {
        auto again = samspil::plugin::PluginState::fromJson(state->toJson());
        if (!again || again->toJson() != state->toJson()) std::abort();
    }
    (void)samspil::parseInviteLink(text);
    return 0;
}
