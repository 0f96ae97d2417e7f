// The lock-free queue that carries audio between threads.
#include "samspil/rt/spsc_queue.h"

#include <catch2/catch.hpp>

#include <thread>

using namespace samspil;

TEST_CASE("a full queue refuses, an empty one yields nothing, order is kept", "[spsc]") {
    SpscQueue<int> queue(4);
    CHECK(queue.capacity() == 4);
    for (int i = 0; i < 4; ++i) CHECK(queue.tryPush(i));
    CHECK_FALSE(queue.tryPush(99));
    int value = -1;
    for (int i = 0; i < 4; ++i) {
        REQUIRE(queue.tryPop(value));
        CHECK(value == i);
    }
    CHECK_FALSE(queue.tryPop(value));
    CHECK(queue.sizeApprox() == 0);
}

TEST_CASE("two threads pass a million values through a small queue without loss or reordering", "[spsc]") {
    SpscQueue<std::uint64_t> queue(64);
    constexpr std::uint64_t kCount = 1'000'000;
    std::thread producer([&] {
        for (std::uint64_t i = 0; i < kCount;) {
            if (auto* slot = queue.beginPush()) {
                *slot = i++;
                queue.commitPush();
            }
        }
    });
    std::uint64_t expected = 0;
    bool inOrder = true;
    while (expected < kCount) {
        if (const auto* item = queue.front()) {
            inOrder = inOrder && (*item == expected);
            ++expected;
            queue.commitPop();
        }
    }
    producer.join();
    CHECK(inOrder);
    CHECK(expected == kCount);
}
