#include "ui_language.h"

#include "samspil/settings/client_settings.h"

#include <cstdlib>

namespace samspil::ui {
namespace {

Language gLanguage = Language::English;

bool isScandinavian(const juce::String& tag) {
    const juce::String lang = tag.toLowerCase().upToFirstOccurrenceOf("_", false, false).upToFirstOccurrenceOf("-", false, false)
                                  .upToFirstOccurrenceOf(".", false, false);
    return lang == "da" || lang == "nb" || lang == "nn" || lang == "no" || lang == "sv";
}

}  // namespace

Language systemLanguage() {
#if JUCE_LINUX || JUCE_BSD
    // gettext's order: LANGUAGE (a list, the first counts) before LC_ALL, LC_MESSAGES and
    // LANG. Read directly: JUCE asks the C library, which knows a locale only when it has
    // been generated on the machine.
    for (const char* name : {"LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"}) {
        const char* value = std::getenv(name);
        if (value == nullptr || *value == '\0') continue;
        const juce::String first = juce::String::fromUTF8(value).upToFirstOccurrenceOf(":", false, false);
        if (first == "C" || first.startsWith("C.") || first == "POSIX") return Language::English;
        return isScandinavian(first) ? Language::Danish : Language::English;
    }
    return Language::English;
#else
    return isScandinavian(juce::SystemStats::getUserLanguage()) ? Language::Danish : Language::English;
#endif
}

std::optional<Language> languageFromCode(const std::string& code) {
    if (code == "da") return Language::Danish;
    if (code == "en") return Language::English;
    return std::nullopt;
}

std::string languageCode(Language language) {
    return language == Language::Danish ? "da" : "en";
}

std::string personalSettingsPath() {
    return juce::File::getSpecialLocation(juce::File::userApplicationDataDirectory)
        .getChildFile("Samspil")
        .getChildFile("settings.json")
        .getFullPathName()
        .toStdString();
}

std::string savedLanguage() {
    return loadClientSettings(personalSettingsPath()).language;
}

bool saveLanguage(Language language) {
    ClientSettings settings = loadClientSettings(personalSettingsPath());
    settings.language = languageCode(language);
    return saveClientSettings(settings, personalSettingsPath());
}

Language chooseLanguage(const std::string& saved) {
    if (const auto chosen = languageFromCode(saved)) return *chosen;
    return systemLanguage();
}

void useLanguage(Language language) {
    gLanguage = language;
    juce::LocalisedStrings::setCurrentMappings(
        language == Language::Danish ? new juce::LocalisedStrings(juce::String::fromUTF8(danishCatalogue()), false) : nullptr);
}

Language currentLanguage() {
    return gLanguage;
}

juce::String tr(const char* englishUtf8) {
    return juce::translate(juce::String::fromUTF8(englishUtf8));
}

juce::String roleName(const std::string& role) {
    if (role == "teacher") return tr("teacher");
    if (role == "student") return tr("student");
    if (role == "mentor") return tr("mentor");
    if (role == "guest") return tr("guest");
    if (role == "participant") return tr("participant");
    return juce::String::fromUTF8(role.c_str());
}

}  // namespace samspil::ui
