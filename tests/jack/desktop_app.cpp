#include "desktop_app.h"

#include <algorithm>

namespace samspil::test {
namespace {

int occurrences(const std::string& text, const std::string& needle) {
    int found = 0;
    for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++found;
    return found;
}

}  // namespace

std::string desktopBinary() {
    return SAMSPIL_DESKTOP_BINARY;
}

DesktopApp::DesktopApp(const TempDir& dir, const std::string& label, std::vector<std::string> args) {
    // English unless the test asks for Danish: the tests read the app's sentences, and the
    // machine's own language must not change them.
    if (std::find(args.begin(), args.end(), "--language") == args.end()) args.insert(args.begin(), {"--language", "en"});
    args.insert(args.begin(), {"-a", "-s", "-screen 0 1280x800x24", desktopBinary(), "--settings", dir.file(label + "-settings.json")});
    process_ = std::make_unique<ChildProcess>("xvfb-run", args, dir.path(), dir.file("app-" + label));
}

bool DesktopApp::waitForOutput(const std::string& text, std::chrono::milliseconds timeout, int times) {
    waitUntil([&] { return occurrences(process_->stdoutText(), text) >= times || !process_->running(); }, timeout);
    return occurrences(process_->stdoutText(), text) >= times;
}

}  // namespace samspil::test
