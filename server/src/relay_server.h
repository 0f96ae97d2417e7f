// RelayServer: owns the libwebsockets context (one service thread for every socket),
// the store thread, the room logic and the metrics, and runs until asked to stop.
#pragma once

#include "accounts/account_admission.h"
#include "api/api_service.h"
#include "files/file_reader.h"
#include "relay/connection_table.h"
#include "metrics.h"
#include "rooms/room_service.h"
#include "server_options.h"
#include "service_inbox.h"
#include "store/stored_chat_archive.h"
#include "recording/lesson_recorder.h"
#include "store/room_leases.h"
#include "store/store_worker.h"
#include "relay/media_router.h"
#include "udp/udp_paths.h"
#include "worker_thread.h"

#include <libwebsockets.h>

#include <atomic>
#include <cstddef>
#include <memory>
#include <optional>
#include <vector>
#include <string>
#include <unordered_map>

namespace samspil::server {

struct HttpExchange;

class RelayServer {
public:
    /// Opens the database (throws StoreError on failure) and prepares the rooms.
    explicit RelayServer(ServerOptions options);
    ~RelayServer();

    /// Listens and serves on the calling thread (it becomes the service thread) until
    /// requestStop(). Returns the process exit code.
    int run();

    /// Any thread (signal thread included): begin the graceful stop.
    void requestStop();

    // libwebsockets callbacks, service thread only (ws_endpoint.cpp, http_endpoint.cpp).
    static int websocketCallback(lws* wsi, lws_callback_reasons reason, void* user, void* in, std::size_t len);
    static int httpCallback(lws* wsi, lws_callback_reasons reason, void* user, void* in, std::size_t len);
    static int udpCallback(lws* wsi, lws_callback_reasons reason, void* user, void* in, std::size_t len);

private:
    static RelayServer& of(lws* wsi);
    static void onSweepTimer(lws_sorted_usec_list* sul);
    static void onFlushTimer(lws_sorted_usec_list* sul);
    static void onLeaseTimer(lws_sorted_usec_list* sul);
    void onServiceWake();  // service thread
    void requestFlush();   // service thread: flush queued output right after this pass
    void openUdpPath(lws_vhost* vhost, int tcpPort);  // service thread, from run()
    void onUdpReadable();  // service thread
    void flushUdp(std::int64_t nowUs);  // service thread
    void beginStop();      // service thread
    void finishStop();     // service thread: everyone is gone (or the grace time is up)
    void stopBackgroundThreads();  // service thread: passwords → store → inbox; idempotent
    std::string healthJson() const;
    std::string metricsText() const;
    void dispatchApi(HttpExchange& exchange);  // service thread
    void answerHttp(std::uint64_t exchangeId, unsigned status, std::string contentType, std::string body);
    void answerFile(std::uint64_t exchangeId, const FileAnswer& file, const std::string& range);  // service thread
    void readFilePiece(HttpExchange& exchange);                 // service thread
    int writeFilePiece(lws* wsi, HttpExchange& exchange);      // service thread

    ServerOptions options_;
    std::string webDir_;  // the browser client's files ("" when there are none)
    std::string docsDir_;  // the guides the page links to ("" when there are none)
    RelayMetrics metrics_;
    StoreWorker store_;
    ServiceInbox inbox_;
    WorkerThread passwords_{"sp-passwords"};
    FileReader files_{inbox_};  // recordings' files for downloads, read off the service thread
    StoredChatArchive archive_;
    AccountAdmission admission_;
    StoredAudit audit_;
    LessonRecorder recorder_;
    ApiService api_;
    ConnectionTable connections_;
    MediaRouter router_;
    RoomService rooms_;
    std::optional<UdpSocket> udpSocket_;       // the UDP fast path, when offered
    std::unique_ptr<UdpPaths> udpPaths_;
    std::vector<OutgoingDatagram> udpOut_;     // reused each pass
    std::vector<std::pair<ConnectionId, std::vector<std::uint8_t>>> videoLater_;  // frames whole this pass, relayed after its audio
    std::unordered_map<std::uint64_t, lws*> httpExchanges_;  // open HTTP requests awaiting an answer
    std::uint64_t nextExchangeId_ = 1;

    lws_context* context_ = nullptr;  // service thread only (other threads go through inbox_)
    std::unique_ptr<lws_protocols[]> protocols_;
    std::unique_ptr<lws_http_mount[]> mounts_;
    struct SweepTimer;
    std::unique_ptr<SweepTimer> sweepTimer_;
    std::unique_ptr<SweepTimer> flushTimer_;  // runs ConnectionTable::flushDirty after each pass
    std::unique_ptr<SweepTimer> leaseTimer_;  // with --node: renews this node's leases (kLeaseRenewMs)
    std::atomic<bool> stopRequested_{false};
    bool stopping_ = false;
    bool finished_ = false;
    bool usingEventLibrary_ = false;
    std::int64_t stopDeadlineUs_ = 0;
    std::int64_t nextRetentionUs_ = 0;  // service thread: when old recordings are next expired
    NodeIdentity node_;                 // set once listening, before serving; read by the store thread
    bool sharesDatabase() const { return !options_.nodeName.empty(); }  // one of several nodes (--node)
};

}  // namespace samspil::server
