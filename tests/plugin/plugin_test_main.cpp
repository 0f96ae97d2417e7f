// Catch2 main for the plugin tests: JUCE's message manager must exist for a processor
// (its session posts to the message thread), as it does in a host. The tests get a home
// folder of their own (the plugin reads and writes the person's language choice there,
// ui_language.h) and English unless a test chooses otherwise.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include <juce_events/juce_events.h>

#include <cstdlib>
#include <filesystem>
#include <string>

int main(int argc, char* argv[]) {
    std::string home = (std::filesystem::temp_directory_path() / "samspil-plugin-tests-XXXXXX").string();
    if (mkdtemp(home.data()) == nullptr) return 3;
    setenv("HOME", home.c_str(), 1);
    setenv("XDG_CONFIG_HOME", (home + "/.config").c_str(), 1);
    setenv("LANG", "C.UTF-8", 1);
    for (const char* name : {"LANGUAGE", "LC_ALL", "LC_MESSAGES"}) unsetenv(name);
    int result = 0;
    {
        const juce::ScopedJuceInitialiser_GUI juce;
        result = Catch::Session().run(argc, argv);
    }
    std::error_code ignored;
    std::filesystem::remove_all(home, ignored);
    return result;
}
