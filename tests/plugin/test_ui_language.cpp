// Danish and English in the JUCE windows (desktop app and plugin share the pages): every
// text the code passes to tr() has its Danish line, the system's language picks the
// default, and the plugin's window switches language from its connect page and remembers
// the choice for the person. The plugin tests run with HOME in a fresh folder
// (plugin_test_main.cpp), so the person's settings file here is the test's own.
#include "component_search.h"
#include "samspil/settings/client_settings.h"
#include "samspil_processor.h"
#include "server_text.h"
#include "ui_language.h"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

using namespace samspil;
using samspil::test::buttonNamed;
using samspil::test::findComponent;
using samspil::test::showsText;

namespace {

// Every literal passed to tr() in the JUCE clients' sources (adjacent literals joined).
std::set<std::string> textsPassedToTr() {
    std::set<std::string> texts;
    const juce::File root(SAMSPIL_SOURCE_DIR);
    const std::regex call(R"re(\btr\(((?:\s*"(?:[^"\\]|\\.)*")+)\s*\))re");
    const std::regex literal(R"re("((?:[^"\\]|\\.)*)")re");
    for (const char* folder : {"client-app/juce-common", "client-app/desktop", "plugin/source"}) {
        for (const auto& file : root.getChildFile(folder).findChildFiles(juce::File::findFiles, false, "*.cpp;*.h")) {
            const std::string source = file.loadFileAsString().toStdString();
            for (std::sregex_iterator it(source.begin(), source.end(), call), end; it != end; ++it) {
                const std::string arguments = (*it)[1].str();
                std::string text;
                for (std::sregex_iterator part(arguments.begin(), arguments.end(), literal); part != end; ++part) text += (*part)[1].str();
                texts.insert(text);
            }
        }
    }
    return texts;
}

std::set<std::string> placeholders(const std::string& text) {
    std::set<std::string> found;
    const std::regex brace(R"(\{[a-z]+\})");
    for (std::sregex_iterator it(text.begin(), text.end(), brace), end; it != end; ++it) found.insert(it->str());
    return found;
}

void pump(int milliseconds) {
    juce::MessageManager::getInstance()->runDispatchLoopUntil(milliseconds);
}

void setEnvironment(const char* language, const char* lang) {
    if (language) setenv("LANGUAGE", language, 1); else unsetenv("LANGUAGE");
    setenv("LANG", lang, 1);
}

}  // namespace

TEST_CASE("every text the windows show has its Danish with the same placeholders and no Danish line is left over",
          "[plugin][language]") {
    const auto texts = textsPassedToTr();
    REQUIRE(texts.size() > 150);  // the scan found the windows' texts
    const juce::LocalisedStrings danish(juce::String::fromUTF8(ui::danishCatalogue()), false);
    CHECK(danish.getLanguageName() == "Dansk");
    std::set<std::string> catalogued;
    for (const auto& key : danish.getMappings().getAllKeys()) catalogued.insert(key.toStdString());
    for (const auto& text : texts) {
        INFO("tr(\"" << text << "\")");
        REQUIRE(catalogued.count(text) == 1);
        const std::string translated = danish.translate(juce::String::fromUTF8(text.c_str())).toStdString();
        CHECK(placeholders(translated) == placeholders(text));
    }
    for (const auto& key : catalogued) {
        INFO("a Danish line for a text no code shows: " << key);
        CHECK(texts.count(key) == 1);
    }
    // Spot checks of words a Danish child reads first.
    ui::useLanguage(ui::Language::Danish);
    CHECK(ui::tr("Join") == juce::String::fromUTF8("Deltag"));
    CHECK(ui::tr("Not let in: {why}").replace("{why}", "x") == juce::String::fromUTF8("Du kom ikke ind: x"));
    CHECK(ui::roleName("teacher") == juce::String::fromUTF8("lærer"));
    // The server's sentences (English on the wire) get the window's own Danish ones.
    const auto expired = protocol::makeError(protocol::ErrorCode::InvalidInvite, "expired", true);
    CHECK(ui::serverErrorText(expired) == juce::String::fromUTF8("Invitationen er udløbet. Bed din lærer om et nyt link."));
    CHECK(ui::serverErrorText(protocol::makeError(protocol::ErrorCode::RoomLocked, {}, true)) ==
          juce::String::fromUTF8("Læreren har låst rummet."));
    CHECK(ui::serverNoticeText({"recording_started", "The lesson is being recorded."}) ==
          juce::String::fromUTF8("Timen bliver optaget."));
    CHECK(ui::serverNoticeText({"something_new", "A sentence from a newer server."}) == "A sentence from a newer server.");
    ui::useLanguage(ui::Language::English);
    CHECK(ui::tr("Join") == "Join");
    CHECK(ui::serverErrorText(expired).toStdString() == expired.message);  // in English, as the server said it
}

TEST_CASE("the language follows the person's choice or else the system's - Danish for da nb nn and sv", "[plugin][language]") {
    setEnvironment(nullptr, "da_DK.UTF-8");
    CHECK(ui::systemLanguage() == ui::Language::Danish);
    setEnvironment("nb_NO:en", "C.UTF-8");
    CHECK(ui::systemLanguage() == ui::Language::Danish);
    setEnvironment(nullptr, "sv_SE.UTF-8");
    CHECK(ui::systemLanguage() == ui::Language::Danish);
    setEnvironment(nullptr, "de_DE.UTF-8");
    CHECK(ui::systemLanguage() == ui::Language::English);
    setEnvironment(nullptr, "C.UTF-8");
    CHECK(ui::systemLanguage() == ui::Language::English);
    setEnvironment("en_GB", "da_DK.UTF-8");  // LANGUAGE comes first, as in gettext
    CHECK(ui::systemLanguage() == ui::Language::English);
    setEnvironment(nullptr, "da_DK.UTF-8");
    CHECK(ui::chooseLanguage("en") == ui::Language::English);  // a choice beats the system
    CHECK(ui::chooseLanguage("") == ui::Language::Danish);
    setEnvironment(nullptr, "C.UTF-8");
    CHECK(ui::chooseLanguage("da") == ui::Language::Danish);
}

TEST_CASE("the plugin's window in Danish switched to English on its connect page and remembered for the person",
          "[plugin][language]") {
    REQUIRE(juce::String(std::getenv("HOME")).contains("samspil-plugin-tests"));  // never the real person's file
    REQUIRE(ui::saveLanguage(ui::Language::Danish));
    plugin::SamspilProcessor processor;
    processor.prepareToPlay(48000, 240);
    {
        std::unique_ptr<juce::AudioProcessorEditor> editor(processor.createEditor());
        REQUIRE(editor);
        pump(100);
        CHECK(buttonNamed(*editor, juce::String::fromUTF8("Deltag")));
        CHECK(buttonNamed(*editor, juce::String::fromUTF8("Lyt til sporet")));
        CHECK(buttonNamed(*editor, juce::String::fromUTF8("Del DAW'ens tempo")));
        CHECK(showsText(*editor, juce::String::fromUTF8("Deltag i en time eller en session")));
        CHECK(showsText(*editor, juce::String::fromUTF8("Adgangskode")));
        CHECK_FALSE(buttonNamed(*editor, "Join"));
        auto* tabs = findComponent<juce::TabbedComponent>(*editor);
        REQUIRE(tabs);
        CHECK(tabs->getTabNames() == juce::StringArray{"Forbind", "Rum"});

        // The person picks English: the same window now speaks it, and the choice is kept.
        auto* language = findComponent<juce::ComboBox>(*editor, [](auto& box) { return box.getTitle() == "Sprog / Language"; });
        REQUIRE(language);
        CHECK(language->isVisible());
        CHECK(language->getSelectedId() == 1);
        language->setSelectedId(2, juce::sendNotification);
        pump(200);
        CHECK(buttonNamed(*editor, "Join"));
        CHECK(buttonNamed(*editor, "Monitor the track"));
        CHECK(showsText(*editor, "Join a lesson or a session"));
        CHECK_FALSE(buttonNamed(*editor, juce::String::fromUTF8("Deltag")));
        CHECK(tabs->getTabNames() == juce::StringArray{"Connect", "Room"});
    }
    CHECK(ui::savedLanguage() == "en");
    CHECK(loadClientSettings(ui::personalSettingsPath()).language == "en");
    // The next window opens in English.
    std::unique_ptr<juce::AudioProcessorEditor> again(processor.createEditor());
    pump(50);
    CHECK(buttonNamed(*again, "Join"));
}
