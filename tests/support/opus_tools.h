// Opus's own command-line tools and ffprobe, run on files the server wrote (recordings).
#pragma once

#include "process.h"

#include <optional>
#include <string>
#include <vector>

namespace samspil::test {

/// Runs a tool in dir to the end (30 s at most); its exit code (-1 on timeout). Its output
/// is in dir/<program>.stdout and .stderr.
int runTool(const TempDir& dir, const std::string& program, const std::vector<std::string>& args);

/// The first channel of an Ogg Opus file as decoded by opusdec (libopus's own decoder,
/// which honours the pre-skip) at 48 kHz; nullopt when opusdec refuses it.
std::optional<std::vector<float>> decodeOggOpus(const TempDir& dir, const std::string& path);

}  // namespace samspil::test
