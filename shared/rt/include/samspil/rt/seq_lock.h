// SeqLock<T>: one writer thread publishes a small value whole; any reader takes the latest
// whole one without a lock and without ever making the writer wait (a seqlock: the version
// is odd while a write is under way, and a reader that saw it change tries again later).
// The value lives in atomic words, so a torn read is discarded, never undefined behaviour.
// Neither side allocates or makes a system call: fit for an audio thread on either end.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <cstring>
#include <optional>
#include <type_traits>

namespace samspil {

template <typename T>
class SeqLock {
    static_assert(std::is_trivially_copyable_v<T>, "SeqLock holds plain values");

public:
    explicit SeqLock(const T& initial = T{}) { write(initial); }

    /// The one writer thread: publishes `value` whole.
    void write(const T& value) {
        std::array<std::uint64_t, kWords> words{};
        std::memcpy(words.data(), static_cast<const void*>(&value), sizeof(T));
        const std::uint32_t version = version_.load(std::memory_order_relaxed);
        version_.store(version + 1, std::memory_order_relaxed);  // odd: being written
        std::atomic_thread_fence(std::memory_order_release);
        for (std::size_t i = 0; i < kWords; ++i) words_[i].store(words[i], std::memory_order_relaxed);
        version_.store(version + 2, std::memory_order_release);
    }

    /// Any thread: the latest whole value, or nothing if the writer is at it right now
    /// (after `attempts` tries; the next call gets it). `version`, when given, receives
    /// the version of the value read.
    std::optional<T> tryRead(std::uint32_t* version = nullptr, int attempts = 4) const {
        for (int attempt = 0; attempt < attempts; ++attempt) {
            const std::uint32_t before = version_.load(std::memory_order_acquire);
            if (before & 1u) continue;
            std::array<std::uint64_t, kWords> words{};
            for (std::size_t i = 0; i < kWords; ++i) words[i] = words_[i].load(std::memory_order_relaxed);
            std::atomic_thread_fence(std::memory_order_acquire);
            if (version_.load(std::memory_order_relaxed) != before) continue;
            T value;
            std::memcpy(static_cast<void*>(&value), words.data(), sizeof(T));
            if (version) *version = before;
            return value;
        }
        return std::nullopt;
    }

    /// Any thread: the version of the latest whole value (even), to tell a new one from the last.
    std::uint32_t version() const { return version_.load(std::memory_order_acquire) & ~1u; }

private:
    static constexpr std::size_t kWords = (sizeof(T) + 7) / 8;
    std::atomic<std::uint32_t> version_{0};
    std::array<std::atomic<std::uint64_t>, kWords> words_{};
};

}  // namespace samspil
