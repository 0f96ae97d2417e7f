// ApiService: the HTTP JSON API under /api/v1/ (docs/api.md). Routes a request, runs its
// handler on the store thread (password hashing on its own worker), and answers on the
// service thread. Sign-in attempts are limited per login and per address.
#pragma once

#include "accounts/credentials.h"
#include "accounts/sign_in_limiter.h"
#include "api/api_types.h"
#include "api/listen_links.h"

#include <cstdint>
#include <functional>
#include <memory>

namespace samspil::server {

class ServiceInbox;
class StoreWorker;
class WorkerThread;

struct ApiSettings {
    PasswordCost passwordCost = PasswordCost::Interactive;
    std::int64_t sessionLifetimeMs = 12 * 60 * 60'000;  ///< a school day
    SignInLimits signInLimits;
    std::string recordingsDir;  ///< where lesson recordings are kept (downloads, deletions)
};

class ApiService {
public:
    using Respond = std::function<void(ApiResponse)>;

    ApiService(StoreWorker& store, WorkerThread& passwords, ServiceInbox& inbox, ApiSettings settings);

    /// Service thread: answer request; respond is called later, on the service thread.
    void handle(ApiRequest request, Respond respond);
    /// Service thread: sign-ins refused for a wrong login or password, and for too many failures.
    std::uint64_t signInsRefused() const { return signInsRefused_; }
    std::uint64_t signInsRateLimited() const { return signInsRateLimited_; }

private:
    void signIn(ApiRequest request, Respond respond);
    void lookupInvite(ApiRequest request, Respond respond);
    void addMember(ApiRequest request, std::vector<std::int64_t> ids, Respond respond);
    Respond onServiceThread(Respond respond);

    StoreWorker& store_;
    WorkerThread& passwords_;
    ServiceInbox& inbox_;
    ApiSettings settings_;
    SignInLimiter limiter_;  // service thread only
    std::uint64_t signInsRefused_ = 0;      // service thread
    std::uint64_t signInsRateLimited_ = 0;  // service thread
    std::shared_ptr<const ListenLinks> listenLinks_;  // read-only; shared with store-thread steps
};

}  // namespace samspil::server
