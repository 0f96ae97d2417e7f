// What the server says in its own words (docs/protocol.md: an error's `message`, a notice's
// `message`) is English. In Danish the windows show their own sentence for each error code
// and notice code a person meets; in English the server's sentence as it came. Anything
// unknown is shown as the server said it. Message thread.
#pragma once

#include "samspil/protocol/control_message.h"

#include <juce_core/juce_core.h>

namespace samspil::ui {

juce::String serverErrorText(const protocol::ErrorMessage& error);
juce::String serverNoticeText(const protocol::Notice& notice);

}  // namespace samspil::ui
