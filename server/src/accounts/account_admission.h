// AccountAdmission: the JoinPolicy of a server with accounts. Decides on the store thread
// who may enter which room (session token or invite), and answers on the service thread.
#pragma once

#include "relay_types.h"
#include "store/room_leases.h"

#include <cstdint>

namespace samspil::server {

class ServiceInbox;
class Database;
class StoreWorker;

struct AdmissionSettings {
    bool openRooms = false;                     ///< rooms no school owns may be joined by code alone
    std::int64_t lessonMarginMs = 15 * 60'000;  ///< students may come this early and stay this late
};

/// The decision itself, on the store thread (a function, so it can be tested directly).
Admission decideAdmission(Database& db, const protocol::JoinRequest& request, const AdmissionSettings& settings,
                          std::int64_t nowMs);

class AccountAdmission : public JoinPolicy {
public:
    AccountAdmission(StoreWorker& store, ServiceInbox& inbox, AdmissionSettings settings)
        : store_(store), inbox_(inbox), settings_(settings) {}

    void admit(const protocol::JoinRequest& request, std::function<void(Admission)> done) override;
    /// Lets the room's lease go (store thread).
    void roomClosed(const std::string& room) override;
    /// From now on an admitted join also claims the room for this node, or is told which
    /// node holds it (store/room_leases.h). Set before serving; the node outlives this.
    void useNode(const NodeIdentity& node) { node_ = &node; }

private:
    StoreWorker& store_;
    ServiceInbox& inbox_;
    AdmissionSettings settings_;
    const NodeIdentity* node_ = nullptr;
};

/// Writes room controls to the audit log, on the store thread.
class StoredAudit : public AuditSink {
public:
    explicit StoredAudit(StoreWorker& store) : store_(store) {}
    void record(const AuditEntry& entry) override;

private:
    StoreWorker& store_;
};

}  // namespace samspil::server
