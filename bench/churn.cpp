#include "churn.h"

#include "http_get.h"
#include "raw_websocket.h"
#include "samspil/time/clock.h"

#include <nlohmann/json.hpp>

#include <deque>
#include <memory>

namespace samspil::bench {
namespace {

struct Visitor {
    std::unique_ptr<test::RawWebSocket> socket;
    std::int64_t leaveAtUs = 0;
};

}  // namespace

Churn::Churn(ChurnPlan plan) : plan_(std::move(plan)) {}

Churn::~Churn() {
    stop();
}

void Churn::start() {
    running_.store(true);
    thread_ = std::thread([this] { run(); });
}

ChurnResults Churn::stop() {
    running_.store(false);
    if (thread_.joinable()) thread_.join();
    return results_;
}

// The churn thread: one visitor arrives every 1/joinsPerSecond s, chats once, and leaves
// staySeconds later; a sign-in goes to the API every second.
void Churn::run() {
    std::deque<Visitor> visitors;
    const std::int64_t joinIntervalUs = static_cast<std::int64_t>(1e6 / plan_.joinsPerSecond);
    std::int64_t nextJoinUs = monotonicMicros();
    std::int64_t nextSignInUs = nextJoinUs;
    std::uint64_t visitorNumber = 0;
    auto leave = [&](Visitor& visitor) {
        visitor.socket->sendText(R"({"v":1,"type":"leave"})");
        const auto close = visitor.socket->receiveUntilClose(2000);
        if (close && close->closeCode() == 1000)
            ++results_.leaves;
        else
            ++results_.failures;
    };
    while (running_.load()) {
        const std::int64_t now = monotonicMicros();
        if (now >= nextJoinUs) {
            nextJoinUs += joinIntervalUs;
            Visitor visitor;
            visitor.socket = std::make_unique<test::RawWebSocket>();
            const std::string room = "bench-" + std::to_string(visitorNumber % static_cast<std::uint64_t>(plan_.roomCount));
            const std::string name = "visitor " + std::to_string(visitorNumber++);
            bool ok = visitor.socket->connect(plan_.port) == 101 &&
                      visitor.socket->sendText(nlohmann::json{{"v", 1}, {"type", "join"}, {"room", room}, {"name", name}}.dump()) &&
                      visitor.socket->receiveType("welcome", 3000).has_value();
            if (ok) {
                ++results_.joins;
                ok = visitor.socket->sendText(
                         nlohmann::json{{"v", 1}, {"type", "chat"}, {"text", "Hej fra " + name}}.dump()) &&
                     visitor.socket->receiveType("chat", 3000).has_value();
                if (ok) ++results_.chats;
            }
            if (!ok) {
                ++results_.failures;
            } else {
                visitor.leaveAtUs = now + static_cast<std::int64_t>(plan_.staySeconds * 1e6);
                visitors.push_back(std::move(visitor));
            }
        }
        while (!visitors.empty() && visitors.front().leaveAtUs <= now) {
            leave(visitors.front());
            visitors.pop_front();
        }
        // Visitors keep reading (media and peers lists) so they are not slow consumers.
        for (auto& visitor : visitors)
            while (visitor.socket->receive(0)) {}
        if (!plan_.signInLogin.empty() && now >= nextSignInUs) {
            nextSignInUs += 1'000'000;
            const auto answer = test::httpRequest(plan_.port, "POST", "/api/v1/sign-in",
                                                  nlohmann::json{{"login", plan_.signInLogin},
                                                                 {"password", plan_.signInPassword}}.dump());
            if (answer.status == 200)
                ++results_.signIns;
            else
                ++results_.failures;
        }
        sleepUntilMicros(std::min(nextJoinUs, monotonicMicros() + 5'000));
    }
    for (auto& visitor : visitors) leave(visitor);
}

}  // namespace samspil::bench
