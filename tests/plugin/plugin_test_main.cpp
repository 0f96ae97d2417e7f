// Catch2 main for the plugin tests: JUCE's message manager must exist for a processor
// (its session posts to the message thread), as it does in a host.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include <juce_events/juce_events.h>

int main(int argc, char* argv[]) {
    const juce::ScopedJuceInitialiser_GUI juce;
    return Catch::Session().run(argc, argv);
}
