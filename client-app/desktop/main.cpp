// The Samspil desktop app: one window for teachers and students. See --help.
#include "app_options.h"
#include "main_component.h"
#include "samspil/base/version.h"

#include <iostream>

namespace {

samspil::desktop::AppOptions gOptions;  // parsed in main() before JUCE starts

class MainWindow : public juce::DocumentWindow {
public:
    MainWindow(std::unique_ptr<samspil::desktop::MainComponent> content)
        : DocumentWindow("Samspil", samspil::ui::colours::background, DocumentWindow::allButtons) {
        setUsingNativeTitleBar(true);
        setResizable(true, true);
        setResizeLimits(900, 600, 4000, 3000);
        setContentOwned(content.release(), true);
        centreWithSize(getWidth(), getHeight());
        setVisible(true);
    }
    void closeButtonPressed() override { juce::JUCEApplication::getInstance()->systemRequestedQuit(); }
    samspil::desktop::MainComponent& main() { return *static_cast<samspil::desktop::MainComponent*>(getContentComponent()); }
};

class SamspilApplication : public juce::JUCEApplication {
public:
    const juce::String getApplicationName() override { return "Samspil"; }
    const juce::String getApplicationVersion() override { return samspil::kVersion; }
    bool moreThanOneInstanceAllowed() override { return true; }

    void initialise(const juce::String&) override {
        const std::string settingsPath =
            gOptions.settingsFile ? *gOptions.settingsFile : samspil::ui::personalSettingsPath();
        // The language first: every page is made in it. Saved choice, else the system's.
        const std::string chosen = gOptions.language ? *gOptions.language : samspil::loadClientSettings(settingsPath).language;
        samspil::ui::useLanguage(samspil::ui::chooseLanguage(chosen));
        window_ = std::make_unique<MainWindow>(makePages(gOptions, settingsPath));
        if (gOptions.screenshotFile) {
            const juce::File file(juce::File::getCurrentWorkingDirectory().getChildFile(juce::String(*gOptions.screenshotFile)));
            juce::Timer::callAfterDelay(static_cast<int>(gOptions.screenshotAfterSeconds * 1000), [this, file] {
                const bool saved = window_ && window_->main().saveScreenshot(file);
                std::cout << "samspil: screenshot " << (saved ? "saved to " : "FAILED: ") << file.getFullPathName() << std::endl;
                systemRequestedQuit();
            });
        }
        if (gOptions.quitAfterSeconds)
            juce::Timer::callAfterDelay(static_cast<int>(*gOptions.quitAfterSeconds * 1000), [this] { systemRequestedQuit(); });
    }

    void shutdown() override {
        if (window_) window_->main().shutdown();
        window_.reset();
    }

    void systemRequestedQuit() override { quit(); }

private:
    std::unique_ptr<samspil::desktop::MainComponent> makePages(const samspil::desktop::AppOptions& options,
                                                               const std::string& settingsPath) {
        auto pages = std::make_unique<samspil::desktop::MainComponent>(options, settingsPath);
        // Another language: the pages are made again in it, after this click has returned
        // (the combo box that called belongs to the pages being replaced).
        pages->onLanguageChosen = [this, settingsPath](samspil::ui::Language language, samspil::desktop::AppOptions next) {
            juce::MessageManager::callAsync([this, settingsPath, language, next] {
                if (!window_) return;
                window_->main().shutdown();
                samspil::ui::useLanguage(language);
                window_->setContentOwned(makePages(next, settingsPath).release(), false);
            });
        };
        return pages;
    }

    std::unique_ptr<MainWindow> window_;
};

}  // namespace

JUCE_CREATE_APPLICATION_DEFINE(SamspilApplication)

// Our own main: --help and bad options answer on the terminal without opening a window
// (or needing a display).
int main(int argc, char* argv[]) {
    auto options = samspil::desktop::parseAppOptions(std::vector<std::string>(argv + 1, argv + argc));
    if (!options) {
        std::cerr << "samspil: " << options.error() << "\n";
        return 2;
    }
    if (options->showHelp) {
        std::cout << samspil::desktop::appHelpText();
        return 0;
    }
    gOptions = *options;
    juce::JUCEApplicationBase::createInstance = &juce_CreateApplication;
    return juce::JUCEApplicationBase::main(argc, const_cast<const char**>(argv));
}
