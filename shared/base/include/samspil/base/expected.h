// Expected<T, E>: a value or a typed error, for parse and I/O boundaries.
// (std::expected is C++23; this is the small subset Samspil needs.)
#pragma once

#include <cassert>
#include <type_traits>
#include <utility>
#include <variant>

namespace samspil {

/// Wraps an error value so that Expected<T, E> can be built from it unambiguously.
template <typename E>
struct Unexpected {
    E error;
};

template <typename E>
Unexpected(E) -> Unexpected<E>;

/// Either a T (success) or an E (failure). Never both, never neither.
template <typename T, typename E>
class [[nodiscard]] Expected {
public:
    /// Success.
    Expected(T value) : state_(std::in_place_index<0>, std::move(value)) {}
    /// Failure (from any error type that converts to E, such as a string literal).
    template <typename G>
        requires std::is_constructible_v<E, G>
    Expected(Unexpected<G> failure) : state_(std::in_place_index<1>, E(std::move(failure.error))) {}

    /// True when this holds a value.
    bool hasValue() const { return state_.index() == 0; }
    explicit operator bool() const { return hasValue(); }

    /// The value; calling it on a failure is a programmer mistake.
    T& value() { assert(hasValue()); return std::get<0>(state_); }
    const T& value() const { assert(hasValue()); return std::get<0>(state_); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }
    T& operator*() { return value(); }
    const T& operator*() const { return value(); }

    /// The error; calling it on a success is a programmer mistake.
    const E& error() const { assert(!hasValue()); return std::get<1>(state_); }

private:
    std::variant<T, E> state_;
};

}  // namespace samspil
