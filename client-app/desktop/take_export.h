// A take (or any recording) made ready for a DAW: each person's Ogg Opus track decoded to a
// 48 kHz WAV file that starts at the recording's sample 0 — so every file starts at the
// same instant and they line up when placed at the project's start — plus a REAPER project
// (.RPP) and an Audacity import list (.lof) that place them there. For a take, the REAPER
// project carries its tempo and time signature, so the DAW's bar lines fall on the take's.
// Plain C++ (libopusfile); runs on whichever thread calls it (the app: a background job).
#pragma once

#include "samspil/base/expected.h"

#include <string>
#include <vector>

namespace samspil {

struct DawTrack {
    std::string name;      ///< the person, as the recording names them
    std::string opusFile;  ///< their track, downloaded
};

struct DawExport {
    std::string title;     ///< names the project files
    std::vector<DawTrack> tracks;
    double bpm = 0;        ///< a take's tempo; 0: no tempo (a lesson recording)
    int beatsPerBar = 4;
    std::string folder;    ///< where the files go (it exists)
};

struct DawExportFiles {
    std::vector<std::string> wavFiles;  ///< one per track, in order
    std::string reaperProject;
    std::string audacityList;
};

/// Writes the WAV files and the two project files into export.folder.
[[nodiscard]] Expected<DawExportFiles, std::string> exportForDaw(const DawExport& request);

/// A file name made of a person's name or a title: no path separators or control characters.
std::string safeFileName(const std::string& name);

}  // namespace samspil
