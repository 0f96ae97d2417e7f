#include "opus_tools.h"

#include "samspil/audio/wav_file.h"

namespace samspil::test {

int runTool(const TempDir& dir, const std::string& program, const std::vector<std::string>& args) {
    ChildProcess tool(program, args, dir.path(), dir.file(program));
    return tool.wait(std::chrono::seconds(30)).value_or(-1);
}

std::optional<std::vector<float>> decodeOggOpus(const TempDir& dir, const std::string& path) {
    const std::string decoded = dir.file("decoded.wav");
    if (runTool(dir, "opusdec", {"--quiet", "--float", "--rate", "48000", path, decoded}) != 0) return std::nullopt;
    auto wav = readWavFile(decoded);
    if (!wav) return std::nullopt;
    return wav->channel(0);
}

}  // namespace samspil::test
