// How much video a line carries: the ladder of steps from 180p15 to 720p30 a sender moves
// on, and VideoRateController, which moves it — from the lowest step up every 2 s while the
// line has never shown strain (the start of a lesson: a weak line is not flooded first), down
// at once when it shows strain (receivers' loss or delay, the server dropping frames toward a
// receiver, the sender's own send queue filling), then up only after 6 s clean, and to a
// pause before the audio would suffer. Pure: time and figures passed in; one thread (the sender's).
#pragma once

#include <array>
#include <cstdint>

namespace samspil::video {

struct VideoStep {
    int width;
    int height;
    int framesPerSecond;
    int bitrateKbps;
    const char* name;
};

/// The large layer's steps, low to high.
inline constexpr std::array<VideoStep, 5> kVideoLadder{{{320, 180, 15, 150, "180p15"},
                                                         {640, 360, 15, 300, "360p15"},
                                                         {640, 360, 30, 500, "360p30"},
                                                         {960, 540, 30, 900, "540p30"},
                                                         {1280, 720, 30, 1500, "720p30"}}};
/// The small layer (tiles) when a large one is sent too: the ladder's first step.
inline constexpr VideoStep kSmallLayer = kVideoLadder[0];

/// What a sender knows about its line, now.
struct LineSignals {
    std::uint32_t worstLossPercent = 0;  ///< receivers' reports (through the server)
    std::uint32_t worstDelayMs = 0;      ///< capture → decoded at the worst receiver
    std::uint32_t droppedByServer = 0;   ///< frames the server dropped toward slow receivers, last second
    std::int64_t sendBacklogUs = 0;      ///< what waits in the sender's own video queue, as time at the current rate
    std::uint32_t queueingDelayMs = 0;   ///< delay above the line's own (RecentMinimum): a queue building somewhere
    std::uint32_t uplinkQueueMs = 0;     ///< the server's measure of the sender's own upload queue (its audio's arrival)
    bool audioStrained = false;          ///< the sender's audio is losing (its queue dropping, its line late)
};

class VideoRateController {
public:
    /// `highest`: the best step this sender may use (its camera's, or the wanted layer's).
    explicit VideoRateController(int startStep = 0, int highest = static_cast<int>(kVideoLadder.size()) - 1);

    /// Once a second or so: the step to send at from now on (-1: paused).
    int update(const LineSignals& signals, std::int64_t nowUs);
    int step() const { return paused_ ? -1 : step_; }
    bool paused() const { return paused_; }
    void setHighest(int highest);

    static constexpr std::int64_t kRampUpUs = 2'000'000;        ///< before any strain: a step up this often
    static constexpr std::int64_t kCleanBeforeUpUs = 6'000'000;  ///< after strain, a clean line this long: one step up …
    static constexpr std::int64_t kLongestBeforeUpUs = 48'000'000;  ///< … twice as long each time a step up strained it
    static constexpr std::int64_t kStepUpTestUs = 10'000'000;  ///< strain this soon after a step up: that step was too much
    static constexpr std::uint32_t kQueueingStrainMs = 40;
    /// The upload's queue counts sooner: the server measures it from the audio alone, and a
    /// home line's modem queue in front of the sender's own sound is what must not grow.
    static constexpr std::uint32_t kUplinkStrainMs = 25;
    static constexpr std::int64_t kStrainedBeforePauseUs = 2'000'000;  ///< strained at the bottom this long: pause
    static constexpr std::int64_t kPauseForUs = 5'000'000;  ///< then try the bottom step again

    /// What in the signals strains the line ("loss", "queueing" …), or null when nothing does.
    static const char* strain(const LineSignals& s);

private:
    static bool strained(const LineSignals& s) { return strain(s) != nullptr; }

    int step_;
    int highest_;
    bool paused_ = false;
    std::int64_t cleanSinceUs_ = -1;
    std::int64_t strainedAtBottomSinceUs_ = -1;
    std::int64_t pausedAtUs_ = 0;
    std::int64_t lastDownUs_ = -1;
    bool everStrained_ = false;
    std::int64_t beforeUpUs_ = kCleanBeforeUpUs;
    std::int64_t lastUpUs_ = -1;
};

}  // namespace samspil::video
