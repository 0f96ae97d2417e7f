#include "take_export.h"

#include "samspil/audio/wav_file.h"

#include <opusfile.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>

namespace samspil {

namespace {

struct OpusFileCloser {
    void operator()(OggOpusFile* file) const { op_free(file); }
};

// Decodes a whole track into `wav` (its channels as they are), streaming: an hour-long
// track never sits in memory at once. Returns its length in frames.
Expected<std::uint64_t, std::string> decodeToWav(const std::string& opusFile, const std::string& wav) {
    int error = 0;
    std::unique_ptr<OggOpusFile, OpusFileCloser> file(op_open_file(opusFile.c_str(), &error));
    if (!file) return Unexpected{"cannot read " + opusFile + " as Ogg Opus (error " + std::to_string(error) + ")"};
    const int channels = op_channel_count(file.get(), -1);
    WavWriter writer;
    if (!writer.open(wav, channels, 48000)) return Unexpected{writer.error()};
    std::vector<float> block(static_cast<std::size_t>(5760 * channels));
    for (;;) {
        // op_read_float leaves out the pre-skip, so frame 0 is the recording's sample 0.
        const int frames = op_read_float(file.get(), block.data(), static_cast<int>(block.size()), nullptr);
        if (frames == OP_HOLE) continue;  // a gap in the file's pages: skip on
        if (frames < 0) return Unexpected{"decoding " + opusFile + " failed (error " + std::to_string(frames) + ")"};
        if (frames == 0) break;
        writer.write(block.data(), static_cast<std::size_t>(frames));
    }
    writer.close();
    if (!writer.error().empty()) return Unexpected{writer.error()};
    return writer.framesWritten();
}

// RPP strings are double-quoted; a quote inside one cannot be escaped, so it becomes '.
std::string rppText(std::string text) {
    for (char& c : text)
        if (c == '"') c = '\'';
    return "\"" + text + "\"";
}

}  // namespace

std::string safeFileName(const std::string& name) {
    std::string out;
    for (const unsigned char c : name) out += (c < 0x20 || c == '/' || c == '\\' || c == ':' || c == '"') ? '_' : static_cast<char>(c);
    while (!out.empty() && (out.front() == '.' || out.front() == ' ')) out.erase(out.begin());
    return out.empty() ? std::string("track") : out;
}

Expected<DawExportFiles, std::string> exportForDaw(const DawExport& request) {
    namespace fs = std::filesystem;
    DawExportFiles files;
    std::vector<std::pair<std::string, std::uint64_t>> decoded;  // WAV file name, frames
    for (const DawTrack& track : request.tracks) {
        std::string base = safeFileName(track.name);
        for (int n = 2; std::any_of(decoded.begin(), decoded.end(), [&](const auto& d) { return d.first == base + ".wav"; }); ++n)
            base = safeFileName(track.name) + " " + std::to_string(n);  // two people of the same name
        const std::string wav = (fs::path(request.folder) / (base + ".wav")).string();
        auto frames = decodeToWav(track.opusFile, wav);
        if (!frames) return Unexpected{frames.error()};
        decoded.emplace_back(base + ".wav", *frames);
        files.wavFiles.push_back(wav);
    }

    // REAPER: one track per person, each item at 0 s, its source the WAV beside the project.
    const std::string title = safeFileName(request.title);
    files.reaperProject = (fs::path(request.folder) / (title + ".RPP")).string();
    std::ofstream rpp(files.reaperProject);
    rpp << "<REAPER_PROJECT 0.1 \"6.0\" 0\n  SAMPLERATE 48000 0 0\n";
    if (request.bpm > 0) rpp << "  TEMPO " << request.bpm << " " << request.beatsPerBar << " 4\n";
    for (std::size_t i = 0; i < decoded.size(); ++i) {
        const double seconds = static_cast<double>(decoded[i].second) / 48000.0;
        rpp << "  <TRACK\n    NAME " << rppText(request.tracks[i].name) << "\n    <ITEM\n      POSITION 0\n      LENGTH "
            << seconds << "\n      NAME " << rppText(request.tracks[i].name) << "\n      <SOURCE WAVE\n        FILE "
            << rppText(decoded[i].first) << "\n      >\n    >\n  >\n";
    }
    rpp << ">\n";
    // Audacity's "Import > Audio…" of a .lof list: every file at offset 0.
    files.audacityList = (fs::path(request.folder) / (title + ".lof")).string();
    std::ofstream lof(files.audacityList);
    for (const auto& [wav, frames] : decoded) lof << "file \"" << wav << "\" offset 0\n";
    if (!rpp.good() || !lof.good()) return Unexpected{"cannot write the project files in " + request.folder};
    return files;
}

}  // namespace samspil
