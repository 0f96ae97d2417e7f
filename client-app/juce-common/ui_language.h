// The language the JUCE windows (desktop app, plugin) speak: Danish or English, as the
// browser page. Every text a person reads goes through tr(), whose English text is its own
// key in the Danish catalogue (danish_catalogue.cpp); a test checks that each key has its
// Danish. Message thread.
#pragma once

#include <juce_core/juce_core.h>

#include <string>

namespace samspil::ui {

enum class Language { Danish, English };

/// The language for a person: their saved choice ("da" or "en"), else the system's —
/// Danish for da, nb, nn and sv (Scandinavians read Danish better than English, as on the
/// page), English otherwise.
Language chooseLanguage(const std::string& saved);
/// The system's language alone (LANGUAGE, LC_ALL, LC_MESSAGES, LANG on Linux).
Language systemLanguage();
/// Where the desktop app keeps a person's settings (the plugin reads and writes the language there too).
std::string personalSettingsPath();
/// The person's saved language choice from that file ("" when none).
std::string savedLanguage();
/// Saves the choice there, keeping everything else in the file.
bool saveLanguage(Language language);

/// "da" or "en", as settings and --language spell it; nullopt for anything else.
std::optional<Language> languageFromCode(const std::string& code);
std::string languageCode(Language language);

/// From now on tr() answers in this language. Before the windows are made.
void useLanguage(Language language);
Language currentLanguage();

/// An English UTF-8 text in the current language. Use a literal, so that the catalogue
/// test finds it; fill in {placeholders} with .replace() afterwards.
juce::String tr(const char* englishUtf8);

/// A room role as the protocol names it ("teacher", "student", ...), in the current language.
juce::String roleName(const std::string& role);

/// The Danish catalogue in JUCE's LocalisedStrings format ("English" = "Dansk" lines).
const char* danishCatalogue();

}  // namespace samspil::ui
