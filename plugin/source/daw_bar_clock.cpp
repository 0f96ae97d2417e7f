#include "daw_bar_clock.h"

#include <cmath>

namespace samspil::plugin {

void DawBarClock::update(const juce::Optional<juce::AudioPlayHead::PositionInfo>& position, int frames,
                         double sampleRate, std::int64_t blockOutLocalUs) {
    if (position) {
        playing_ = position->getIsPlaying();
        if (const auto bpm = position->getBpm(); bpm && *bpm >= 1.0 && *bpm < 1000.0) bpm_ = *bpm;
        if (const auto signature = position->getTimeSignature();
            signature && signature->numerator >= 1 && signature->denominator >= 1) {
            numerator_ = signature->numerator;
            denominator_ = signature->denominator;
        }
        const double barQuarters = numerator_ * 4.0 / denominator_;
        if (const auto ppq = position->getPpqPosition()) {
            ppq_ = *ppq;
            const auto barStart = position->getPpqPositionOfLastBarStart();
            barStartPpq_ = barStart ? *barStart : std::floor(ppq_ / barQuarters) * barQuarters;
            positionKnown_ = true;
        } else if (const auto samples = position->getTimeInSamples(); samples && sampleRate > 0) {
            ppq_ = static_cast<double>(*samples) / sampleRate * bpm_ / 60.0;
            barStartPpq_ = 0;
            positionKnown_ = true;
        } else {
            positionKnown_ = false;
        }
    }
    const bool known = playing_ && positionKnown_ && blockOutLocalUs != 0;
    if (known) {
        const double barQuarters = numerator_ * 4.0 / denominator_;
        const double intoBar = ppq_ - barStartPpq_ - std::floor((ppq_ - barStartPpq_) / barQuarters) * barQuarters;
        barLineLocalUs_ = blockOutLocalUs - std::llround(intoBar * 60e6 / bpm_);
    }
    publish(known);
    // Until the host says otherwise, the transport runs on at its tempo.
    if (playing_ && sampleRate > 0) ppq_ += frames / sampleRate * bpm_ / 60.0;
}

void DawBarClock::publish(bool playing) {
    shown_.write(Shown{playing, DawBars{bpm_, numerator_, denominator_, barLineLocalUs_}});
}

std::optional<DawBars> DawBarClock::latest() const {
    // Nothing while the audio thread is writing it right now: the next look gets it.
    const auto shown = shown_.tryRead(nullptr, 8);
    if (!shown || !shown->playing) return std::nullopt;
    return shown->bars;
}

}  // namespace samspil::plugin
