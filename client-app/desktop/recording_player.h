// Plays a downloaded lesson recording (Ogg Opus) through the app's audio device, while
// the room's audio goes on. libopusfile decodes on the player's own thread into a queue of
// chunks; the audio thread only copies from the queue (no lock, no allocation, no file
// access). A seek or a new file bumps a generation number: the audio thread drops chunks of
// an older one, the decoder starts over where it was asked. Plain C++ (no JUCE) so the
// tests drive it without a sound card.
#pragma once

#include "samspil/base/expected.h"
#include "samspil/rt/spsc_queue.h"

#include <array>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

struct OggOpusFile;

namespace samspil::desktop {

class RecordingPlayer {
public:
    static constexpr int kSampleRate = 48000;  ///< Opus decodes at 48 kHz, the app's rate
    static constexpr int kChunkFrames = 1024;

    RecordingPlayer();
    ~RecordingPlayer();  ///< stops the decoder thread
    RecordingPlayer(const RecordingPlayer&) = delete;
    RecordingPlayer& operator=(const RecordingPlayer&) = delete;

    /// Message thread: opens a file, paused at its start (the previous one is closed). Its
    /// length in seconds, or why it cannot be played.
    [[nodiscard]] Expected<double, std::string> open(const std::string& path);
    /// Message thread. Play after the end starts again from the beginning.
    void play();
    void pause() { playing_.store(false); }
    void seek(double seconds);

    /// Any thread.
    bool isPlaying() const { return playing_.load(); }
    bool reachedEnd() const { return ended_.load(); }
    double lengthSeconds() const { return static_cast<double>(lengthSamples_.load()) / kSampleRate; }
    double positionSeconds() const { return static_cast<double>(positionSamples_.load()) / kSampleRate; }

    /// Audio thread: adds the next `frames` of the recording (when playing) to left and right.
    void addTo(float* left, float* right, int frames) noexcept;

private:
    struct Chunk {
        std::uint32_t generation = 0;
        std::int64_t firstSample = 0;  ///< where in the recording the chunk starts
        int frames = 0;                ///< 0 with `last`: the end of the recording
        bool last = false;
        std::array<float, 2 * kChunkFrames> samples{};  ///< interleaved left, right
    };
    struct FileCloser {
        void operator()(OggOpusFile* file) const;
    };
    using FileHandle = std::unique_ptr<OggOpusFile, FileCloser>;

    void decodeLoop();  // decoder thread

    SpscQueue<Chunk> chunks_{64};  // ~1.4 s ahead; decoder → audio thread
    std::atomic<std::uint32_t> generation_{0};
    std::atomic<bool> playing_{false}, ended_{false};
    std::atomic<std::int64_t> lengthSamples_{0}, positionSamples_{0};
    int offsetInChunk_ = 0;  // audio thread

    std::mutex mutex_;  // message thread ↔ decoder thread only
    std::condition_variable wake_;
    FileHandle pendingFile_;         // handed to the decoder with the next generation
    std::int64_t pendingSeek_ = -1;  // samples; -1: none
    bool stopping_ = false;
    std::thread decoder_;
};

}  // namespace samspil::desktop
