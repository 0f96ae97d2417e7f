// The mix of a recorded lesson: every track (Ogg Opus files on one timeline, written by
// OggOpusTrack) decoded, summed — mono tracks in the middle, at the level the room heard
// them — kept under full scale by a gain that rides down on loud moments and back up,
// and encoded as one stereo Ogg Opus file at 128 kbit/s. Runs after the recording ends,
// on a thread of its own (a long lesson takes seconds of CPU).
#pragma once

#include "samspil/base/expected.h"

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

namespace samspil::server {

/// Writes the mix of `tracks` to `mixPath` (which must not exist yet); its length in
/// 48 kHz samples, or why not. Gives up ("stopped") as soon as `stop` is set (the server
/// is stopping: a long lesson's mix must not hold that up).
Expected<std::int64_t, std::string> mixTracks(const std::vector<std::string>& tracks, const std::string& mixPath,
                                              const std::atomic<bool>* stop = nullptr);

}  // namespace samspil::server
