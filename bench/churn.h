// Churn: the comings and goings of a school day on top of a steady load — participants who
// join, chat and leave again, and people signing in through the API — on a thread of its
// own. Used by samspil-bench --churn (the soak test).
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <thread>

namespace samspil::bench {

struct ChurnPlan {
    int port = 0;
    double joinsPerSecond = 4;           ///< and as many leaves (one per 50 players per second)
    double staySeconds = 3;              ///< how long each visitor stays
    int roomCount = 1;                   ///< visitors join the players' rooms bench-0 .. bench-(N-1)
    std::string signInLogin;             ///< signs in once a second; empty: no sign-ins
    std::string signInPassword;
};

struct ChurnResults {
    std::uint64_t joins = 0;             ///< welcomed
    std::uint64_t leaves = 0;            ///< said goodbye and were closed with 1000
    std::uint64_t chats = 0;             ///< echoed
    std::uint64_t signIns = 0;           ///< answered 200
    std::uint64_t failures = 0;          ///< anything else: refused joins, missing echoes, failed sign-ins
};

class Churn {
public:
    explicit Churn(ChurnPlan plan);
    ~Churn();  ///< stop()

    void start();
    /// Ends the churn (visitors still in a room leave first) and joins the thread.
    ChurnResults stop();

private:
    void run();  // the churn thread

    ChurnPlan plan_;
    std::atomic<bool> running_{false};
    ChurnResults results_;  // churn thread until joined
    std::thread thread_;
};

}  // namespace samspil::bench
