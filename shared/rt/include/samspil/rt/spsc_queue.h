// SpscQueue: a bounded, preallocated, lock-free single-producer / single-consumer
// queue. The way audio crosses between the audio thread and everything else.
#pragma once

#include <atomic>
#include <cstddef>
#include <memory>
#include <new>

namespace samspil {

/// Exactly one thread may push and exactly one (other) thread may pop. Neither side
/// ever blocks or allocates; a full queue refuses the push and the caller counts the drop.
template <typename T>
class SpscQueue {
public:
    /// capacity is rounded up to a power of two; storage is allocated here, once.
    explicit SpscQueue(std::size_t capacity) : mask_(roundUp(capacity) - 1), slots_(new T[mask_ + 1]) {}

    SpscQueue(const SpscQueue&) = delete;
    SpscQueue& operator=(const SpscQueue&) = delete;

    /// Producer thread only. Copies item in; false when full.
    bool tryPush(const T& item) {
        const std::size_t tail = tail_.load(std::memory_order_relaxed);
        if (tail - head_.load(std::memory_order_acquire) > mask_) return false;
        slots_[tail & mask_] = item;
        tail_.store(tail + 1, std::memory_order_release);
        return true;
    }

    /// Producer thread only. Lets the producer fill the next slot in place; call commitPush() after.
    /// Returns nullptr when full.
    T* beginPush() {
        const std::size_t tail = tail_.load(std::memory_order_relaxed);
        if (tail - head_.load(std::memory_order_acquire) > mask_) return nullptr;
        return &slots_[tail & mask_];
    }
    /// Producer thread only. Publishes the slot returned by beginPush().
    void commitPush() { tail_.store(tail_.load(std::memory_order_relaxed) + 1, std::memory_order_release); }

    /// Consumer thread only. Copies the oldest item out; false when empty.
    bool tryPop(T& item) {
        const std::size_t head = head_.load(std::memory_order_relaxed);
        if (head == tail_.load(std::memory_order_acquire)) return false;
        item = slots_[head & mask_];
        head_.store(head + 1, std::memory_order_release);
        return true;
    }

    /// Consumer thread only. The oldest item, in place, or nullptr when empty; call commitPop() after.
    const T* front() const {
        const std::size_t head = head_.load(std::memory_order_relaxed);
        if (head == tail_.load(std::memory_order_acquire)) return nullptr;
        return &slots_[head & mask_];
    }
    /// Consumer thread only. Releases the item returned by front().
    void commitPop() { head_.store(head_.load(std::memory_order_relaxed) + 1, std::memory_order_release); }

    /// Either thread: an instantaneous estimate of the number of queued items.
    std::size_t sizeApprox() const {
        return tail_.load(std::memory_order_acquire) - head_.load(std::memory_order_acquire);
    }

    std::size_t capacity() const { return mask_ + 1; }

private:
    static std::size_t roundUp(std::size_t n) {
        std::size_t p = 2;
        while (p < n) p <<= 1;
        return p;
    }

    // Head and tail on their own cache lines so producer and consumer do not contend.
    alignas(64) std::atomic<std::size_t> head_{0};
    alignas(64) std::atomic<std::size_t> tail_{0};
    alignas(64) const std::size_t mask_;
    std::unique_ptr<T[]> slots_;
};

}  // namespace samspil
