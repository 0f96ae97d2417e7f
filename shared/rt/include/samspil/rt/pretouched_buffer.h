// PretouchedBuffer<T>: an array whose every page is written (and, where the system allows,
// locked in memory) by the thread that makes it, before an audio thread can see it — so the
// audio thread never takes a page fault on first touch (with transparent huge pages one
// fault can zero 2 MB). Made and destroyed on a non-real-time thread; the audio thread only
// reads and writes the elements.
#pragma once

#include <sys/mman.h>

#include <cstddef>
#include <cstring>
#include <memory>
#include <new>
#include <type_traits>

namespace samspil {

template <typename T>
class PretouchedBuffer {
    static_assert(std::is_trivial_v<T>, "a pretouched buffer holds plain values");

public:
    PretouchedBuffer() = default;
    /// Allocates `count` zeroed elements, touches every page and tries to lock them
    /// (a refused mlock — RLIMIT_MEMLOCK — leaves them touched, which is most of the gain).
    explicit PretouchedBuffer(std::size_t count)
        : data_(static_cast<T*>(::operator new(count * sizeof(T), std::align_val_t{64}))), count_(count) {
        std::memset(static_cast<void*>(data_.get()), 0, count * sizeof(T));  // writes every page
        locked_ = count > 0 && ::mlock(data_.get(), count * sizeof(T)) == 0;
    }
    PretouchedBuffer(PretouchedBuffer&& other) noexcept = default;
    PretouchedBuffer& operator=(PretouchedBuffer&& other) noexcept {
        if (this != &other) {
            unlock();
            data_ = std::move(other.data_);
            count_ = other.count_;
            locked_ = other.locked_;
            other.count_ = 0;
            other.locked_ = false;
        }
        return *this;
    }
    ~PretouchedBuffer() { unlock(); }

    T* data() { return data_.get(); }
    const T* data() const { return data_.get(); }
    std::size_t size() const { return count_; }
    T& operator[](std::size_t i) { return data_.get()[i]; }
    const T& operator[](std::size_t i) const { return data_.get()[i]; }
    /// Whether mlock succeeded (the pages can never be swapped out).
    bool locked() const { return locked_; }

private:
    struct Free {
        void operator()(T* p) const { ::operator delete(p, std::align_val_t{64}); }
    };
    void unlock() {
        if (locked_ && data_) ::munlock(data_.get(), count_ * sizeof(T));
        locked_ = false;
    }

    std::unique_ptr<T, Free> data_;
    std::size_t count_ = 0;
    bool locked_ = false;
};

}  // namespace samspil
