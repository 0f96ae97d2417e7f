// SeenWindow<Span>: which of the last Span positions of a counter (below the highest seen)
// were seen — RFC 6479's sliding bitmap. The UDP path's replay check and the relay's
// telling of a redundant copy from a first one are both this. No allocation; not
// thread-safe (one owner). Positions are 64-bit and never wrap; a 32-bit sequence is
// widened around the highest one first (widen()).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace samspil {

template <std::size_t Span>
class SeenWindow {
    static_assert(Span % 64 == 0 && Span > 0, "the window is whole 64-bit words");

public:
    enum class Verdict {
        New,     ///< first time: now remembered
        Seen,    ///< within the window and seen before
        TooOld,  ///< further below the highest than the window reaches: unknown
    };

    /// Marks `position` as seen and says whether it was new.
    Verdict note(std::uint64_t position) {
        if (!any_ || position > highest_) {
            // Slide: the positions the window moves past give their bits to the new ones.
            if (!any_ || position - highest_ >= Span) {
                bits_.fill(0);
            } else {
                for (std::uint64_t p = highest_ + 1; p <= position; ++p) clear(p);
            }
            highest_ = position;
            any_ = true;
            set(position);
            return Verdict::New;
        }
        if (highest_ - position >= Span) return Verdict::TooOld;
        if (isSet(position)) return Verdict::Seen;
        set(position);
        return Verdict::New;
    }

    /// Whether `position` was noted, without noting it.
    bool seen(std::uint64_t position) const {
        return any_ && position <= highest_ && highest_ - position < Span && isSet(position);
    }

    /// A 32-bit sequence that wraps, as a 64-bit position near the highest seen.
    std::uint64_t widen(std::uint32_t sequence) const {
        if (!any_) return std::uint64_t{1} << 32 | sequence;  // room below for reordering
        const auto ahead = static_cast<std::int32_t>(sequence - static_cast<std::uint32_t>(highest_));
        return highest_ + static_cast<std::uint64_t>(static_cast<std::int64_t>(ahead));
    }

    /// Forgets everything (a new stream starts).
    void reset() {
        any_ = false;
        highest_ = 0;
        bits_.fill(0);
    }

    bool any() const { return any_; }
    std::uint64_t highest() const { return highest_; }

private:
    static constexpr std::size_t word(std::uint64_t p) { return static_cast<std::size_t>((p % Span) / 64); }
    static constexpr std::uint64_t bit(std::uint64_t p) { return std::uint64_t{1} << (p % 64); }
    void set(std::uint64_t p) { bits_[word(p)] |= bit(p); }
    void clear(std::uint64_t p) { bits_[word(p)] &= ~bit(p); }
    bool isSet(std::uint64_t p) const { return (bits_[word(p)] & bit(p)) != 0; }

    std::array<std::uint64_t, Span / 64> bits_{};
    std::uint64_t highest_ = 0;
    bool any_ = false;
};

}  // namespace samspil
