#include "relay_server.h"

#include "log.h"
#include "samspil/time/clock.h"
#include "samspil/base/version.h"
#include "store/database.h"

#include <libwebsockets.h>
#include <nlohmann/json.hpp>

#include <sys/resource.h>

#include <algorithm>
#include <cstdio>

namespace samspil::server {
namespace {

constexpr std::int64_t kSweepIntervalUs = 1'000'000;
constexpr std::int64_t kStoppingSweepUs = 50'000;
constexpr std::int64_t kRetentionIntervalUs = 3'600'000'000;
// Clients told the server is going away get this long to leave; with the store's flush
// the process is gone within 2 s of SIGTERM.
constexpr std::int64_t kStopGraceUs = 1'500'000;
constexpr const char* kHttpProtocolName = "samspil-http";
constexpr const char* kUdpProtocolName = "samspil-udp";
// The guides are Markdown, which browsers would download rather than show: plain text.
const lws_protocol_vhost_options kPlainTextMarkdown = {nullptr, nullptr, ".md", "text/plain; charset=utf-8"};

// More clients than the default soft limit of 1024 open files allows.
unsigned int raiseOpenFileLimit() {
    rlimit limit{};
    if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return 1024;
    if (limit.rlim_cur < limit.rlim_max) {
        limit.rlim_cur = limit.rlim_max;
        setrlimit(RLIMIT_NOFILE, &limit);
        getrlimit(RLIMIT_NOFILE, &limit);
    }
    return static_cast<unsigned int>(std::min<rlim_t>(limit.rlim_cur, 65536));
}


ConnectionLimits connectionLimits(const ServerOptions& options) {
    ConnectionLimits limits;
    limits.maxControlBacklogBytes = static_cast<std::size_t>(options.maxControlBacklogKb) * 1024;
    return limits;
}

ApiSettings apiSettings(const ServerOptions& options) {
    ApiSettings settings;
    settings.passwordCost = options.fastPasswordHashing ? PasswordCost::Fast : PasswordCost::Interactive;
    settings.recordingsDir = recordingsDirectory(options);
    return settings;
}

}  // namespace

struct RelayServer::SweepTimer {
    lws_sorted_usec_list_t sul{};  // first, so the callback can find the owner
    RelayServer* owner = nullptr;
};

RelayServer::RelayServer(ServerOptions options)
    : options_(std::move(options)),
      webDir_(webDirectory(options_)),
      docsDir_(docsDirectory()),
      store_(options_.databasePath, !options_.nodeName.empty()),
      archive_(store_, inbox_),
      admission_(store_, inbox_, AdmissionSettings{options_.openRooms}),
      audit_(store_),
      recorder_(store_, inbox_, recordingsDirectory(options_)),
      api_(store_, passwords_, inbox_, apiSettings(options_)),
      connections_(metrics_, connectionLimits(options_), nullptr, [this] { requestFlush(); }),
      router_(connections_, metrics_, [this] { requestFlush(); }),
      rooms_(router_, archive_, admission_, audit_, metrics_),
      sweepTimer_(std::make_unique<SweepTimer>()),
      flushTimer_(std::make_unique<SweepTimer>()),
      leaseTimer_(std::make_unique<SweepTimer>()) {
    leaseTimer_->owner = this;
    sweepTimer_->owner = this;
    flushTimer_->owner = this;
    rooms_.useRecordings(recorder_);
    connections_.onVideoEvents(
        [this](ConnectionId to, std::uint16_t stream, std::uint32_t frames) { rooms_.onVideoDropped(to, stream, frames); },
        [this](ConnectionId to, std::uint16_t stream, protocol::VideoLayer layer) {
            rooms_.onVideoRecovered(to, stream, layer, monotonicMicros());
        });

    protocols_.reset(new lws_protocols[4]{});
    protocols_[0].name = kHttpProtocolName;
    protocols_[0].callback = &RelayServer::httpCallback;
    protocols_[0].per_session_data_size = sizeof(void*);
    protocols_[1].name = "samspil.v1";
    protocols_[1].callback = &RelayServer::websocketCallback;
    protocols_[1].per_session_data_size = sizeof(void*);
    protocols_[1].rx_buffer_size = protocol::kMaxClientMediaMessageBytes;
    protocols_[2].name = kUdpProtocolName;  // the UDP socket, adopted into the same loop
    protocols_[2].callback = &RelayServer::udpCallback;

    // /healthz, /metrics, /api/v1, /join (the invite link's page) and /favicon.ico are
    // answered by httpCallback; /docs/ serves the guides the page links to (as plain text),
    // / the browser client's files.
    constexpr int kCallbackMounts = 5;
    mounts_.reset(new lws_http_mount[kCallbackMounts + 2]{});
    const char* points[kCallbackMounts] = {"/healthz", "/metrics", "/api/v1", "/join", "/favicon.ico"};
    int count = 0;
    for (const char* point : points) {
        lws_http_mount& mount = mounts_[count++];
        mount.mountpoint = point;
        mount.mountpoint_len = static_cast<unsigned char>(std::char_traits<char>::length(point));
        mount.origin = kHttpProtocolName;
        mount.origin_protocol = LWSMPRO_CALLBACK;
    }
    const auto addFolder = [&](const char* point, const std::string& folder, const char* def,
                               const lws_protocol_vhost_options* types) {
        lws_http_mount& mount = mounts_[count++];
        mount.mountpoint = point;
        mount.mountpoint_len = static_cast<unsigned char>(std::char_traits<char>::length(point));
        mount.origin = folder.c_str();
        mount.def = def;
        mount.origin_protocol = LWSMPRO_FILE;
        mount.protocol = kHttpProtocolName;  // its ADD_HEADERS: isolation and CSP
        mount.extra_mimetypes = types;
    };
    if (!docsDir_.empty()) addFolder("/docs", docsDir_, "operations.md", &kPlainTextMarkdown);
    if (!webDir_.empty()) addFolder("/", webDir_, "index.html", nullptr);
    for (int i = 0; i + 1 < count; ++i) mounts_[i].mount_next = &mounts_[i + 1];
}

RelayServer::~RelayServer() {
    stopBackgroundThreads();  // when run() never got as far (or was never called)
}

// Service thread (or the destructor). The one stop order: the recorder and the password
// worker first (their tasks post to the store), then the store (its jobs post to the inbox), then the inbox
// lets go of the context, which may only then be destroyed.
void RelayServer::stopBackgroundThreads() {
    recorder_.stop();   // every packet queued is written and every ended recording closed (store jobs)
    passwords_.stop();  // sign-ins not yet started are dropped: their requests close with the server
    files_.stop();      // downloads' reads not yet started are dropped: they close with the server
    store_.stop();      // every queued write is committed and the WAL checkpointed
    inbox_.detach();    // from here on nothing wakes the context
}

RelayServer& RelayServer::of(lws* wsi) {
    return *static_cast<RelayServer*>(lws_context_user(lws_get_context(wsi)));
}

int RelayServer::run() {
    routeLibwebsocketsLogging();
    const bool tls = !options_.certPath.empty();

    lws_context_creation_info info{};
    info.options = LWS_SERVER_OPTION_EXPLICIT_VHOSTS | (tls ? LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT : 0);
    info.user = this;
    info.fd_limit_per_thread = raiseOpenFileLimit();
    // libev (epoll) costs O(ready sockets) per wake-up where lws's own poll() loop costs
    // O(all sockets): about a quarter of the server's CPU at 500 participants.
    // See docs/performance.md. Fall back to poll() if the libev plugin is missing.
    if (options_.eventLoop == "libev") {
        info.options |= LWS_SERVER_OPTION_LIBEV;
        context_ = lws_create_context(&info);
        if (!context_) {
            logWarning("the libev event loop is not available; using poll()");
            info.options &= ~static_cast<std::uint64_t>(LWS_SERVER_OPTION_LIBEV);
        }
        usingEventLibrary_ = context_ != nullptr;
    }
    if (!context_) context_ = lws_create_context(&info);
    if (!context_) {
        logError("could not create the libwebsockets context");
        return 1;
    }

    lws_context_creation_info vhostInfo{};
    vhostInfo.vhost_name = "samspil";
    vhostInfo.port = options_.port;
    // Listen on exactly the --bind address: lws's IPv6 socket would otherwise accept on
    // every interface whatever the IPv4 address given. An IPv4 address gets an IPv4
    // socket; the wildcards (0.0.0.0, ::) leave the interface open.
    const bool ipv6 = isIpv6Address(options_.bind);
    if (!ipv6) vhostInfo.options |= LWS_SERVER_OPTION_DISABLE_IPV6;
    const bool wildcard = options_.bind == "0.0.0.0" || options_.bind == "::";
    vhostInfo.iface = wildcard ? nullptr : options_.bind.c_str();
    vhostInfo.protocols = protocols_.get();
    vhostInfo.mounts = mounts_.get();
    vhostInfo.server_string = "samspil";
    if (tls) {
        vhostInfo.options |= LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;  // lws enables TLS per vhost only with this
        vhostInfo.ssl_cert_filepath = options_.certPath.c_str();
        vhostInfo.ssl_private_key_filepath = options_.keyPath.c_str();
        // HTTP/1.1 only: offered HTTP/2, browsers try the WebSocket over it (RFC 8441), which
        // libwebsockets 4.1 does not carry through: Firefox never joined, Chromium after 5.6 s.
        vhostInfo.alpn = "http/1.1";
    }
    lws_vhost* vhost = lws_create_vhost(context_, &vhostInfo);
    if (!vhost) {
        logError("cannot listen on " + options_.bind + ":" + std::to_string(options_.port) +
                 (tls ? " (check --cert and --key)" : " (is the port in use?)"));
        lws_context_destroy(context_);
        context_ = nullptr;
        return 1;
    }
    const int port = lws_get_vhost_listen_port(vhost);
    const std::string host = ipv6 ? "[" + options_.bind + "]" : options_.bind;
    std::printf("samspil-server listening on %s://%s:%d/ws (database %s)\n", tls ? "wss" : "ws", host.c_str(), port,
                options_.databasePath.c_str());
    std::fflush(stdout);
    logInfo("listening on " + host + ":" + std::to_string(port) + ", database " + options_.databasePath +
            " (schema " + std::to_string(store_.schemaVersion()) + ")");

    if (options_.udp) openUdpPath(vhost, port);

    // This node. With --node it shares PostgreSQL with others and holds the rooms it serves
    // by leases (store/room_leases.h); alone on its database it holds every room anyway.
    node_.name = options_.nodeName.empty() ? "local" : options_.nodeName;
    node_.wsUrl = !options_.nodeUrl.empty() ? options_.nodeUrl
                                            : std::string(tls ? "wss" : "ws") + "://" + host + ":" + std::to_string(port) + "/ws";
    if (sharesDatabase()) {
        store_.post([node = node_](Database& db) { startNode(db, node, unixMillis()); });
        admission_.useNode(node_);
    }
    recorder_.useNode(node_);
    recorder_.repairInterrupted();  // recordings a killed server left open (the first sweep expires old ones)

    inbox_.attach(context_);
    lws_sul_schedule(context_, 0, &sweepTimer_->sul, &RelayServer::onSweepTimer, kSweepIntervalUs);
    if (sharesDatabase())
        lws_sul_schedule(context_, 0, &leaseTimer_->sul, &RelayServer::onLeaseTimer, kLeaseRenewMs * 1000);
    if (stopRequested_.load()) beginStop();

    // With poll(), lws_service() returns after each wake-up; with an event library it runs
    // the loop until finishStop() destroys the context from inside it.
    while (!finished_) {
        if (lws_service(context_, 0) < 0 || usingEventLibrary_) break;
    }
    stopBackgroundThreads();
    lws_context_destroy(context_);
    context_ = nullptr;
    logInfo("stopped; database flushed");
    return 0;
}

void RelayServer::requestStop() {
    stopRequested_.store(true);
    inbox_.wake();  // never touches context_ itself: the inbox knows whether it still exists
}

void RelayServer::onServiceWake() {
    inbox_.drain();
    if (stopRequested_.load() && !stopping_) beginStop();
}

void RelayServer::beginStop() {
    stopping_ = true;
    stopDeadlineUs_ = monotonicMicros() + kStopGraceUs;
    logInfo("stopping: telling " + std::to_string(connections_.size()) + " connection(s) the server is going away");
    rooms_.shutdown();
    lws_sul_schedule(context_, 0, &sweepTimer_->sul, &RelayServer::onSweepTimer, kStoppingSweepUs);
}

void RelayServer::onSweepTimer(lws_sorted_usec_list* sul) {
    RelayServer& self = *reinterpret_cast<SweepTimer*>(sul)->owner;
    if (!self.stopping_) self.rooms_.closeIdle(monotonicMicros());
    if (!self.stopping_ && monotonicMicros() >= self.nextRetentionUs_) {  // hourly: old recordings go
        self.recorder_.expireOld();
        self.nextRetentionUs_ = monotonicMicros() + kRetentionIntervalUs;
    }
    if (self.stopping_ && (self.connections_.size() == 0 || monotonicMicros() > self.stopDeadlineUs_)) {
        self.finishStop();
        return;
    }
    lws_sul_schedule(self.context_, 0, &self.sweepTimer_->sul, &RelayServer::onSweepTimer,
                     self.stopping_ ? kStoppingSweepUs : kSweepIntervalUs);
}

void RelayServer::requestFlush() {
    // 1 µs: due at once, so it runs after the events of this pass.
    lws_sul_schedule(context_, 0, &flushTimer_->sul, &RelayServer::onFlushTimer, 1);
}

void RelayServer::onFlushTimer(lws_sorted_usec_list* sul) {
    RelayServer& self = *reinterpret_cast<SweepTimer*>(sul)->owner;
    const std::int64_t now = monotonicMicros();
    self.connections_.flushDirty(now);
    self.flushUdp(now);
}

// Twice a second, with --node: the rooms stay this node's; a recording a dead node left open
// is finished by whichever node notices first. (Its own timer: the sweep's pace is the
// sweep's.)
void RelayServer::onLeaseTimer(lws_sorted_usec_list* sul) {
    RelayServer& self = *reinterpret_cast<SweepTimer*>(sul)->owner;
    if (self.stopping_) return;
    self.store_.post([node = self.node_](Database& db) { renewLeases(db, node, unixMillis()); });
    self.recorder_.repairInterrupted(unixMillis() - 2 * kLeaseMs);
    lws_sul_schedule(self.context_, 0, &self.leaseTimer_->sul, &RelayServer::onLeaseTimer, kLeaseRenewMs * 1000);
}

void RelayServer::finishStop() {
    finished_ = true;
    // From here on nothing is written to sockets; closing callbacks only tidy up.
    connections_.forEach([](Connection& connection) { connection.closing = true; });
    lws_sul_cancel(&flushTimer_->sul);
    lws_sul_cancel(&leaseTimer_->sul);
    stopBackgroundThreads();
    if (usingEventLibrary_)
        lws_context_destroy(context_);  // first stage: stops the event library's loop
    else
        lws_cancel_service(context_);   // wakes the poll() loop, which sees finished_
}

std::string RelayServer::healthJson() const {
    nlohmann::json health{{"status", stopping_ ? "stopping" : "ok"},
                          {"connections", connections_.size()},
                          {"rooms", rooms_.roomCount()},
                          {"participants", rooms_.participantCount()},
                          {"schema_version", store_.schemaVersion()},
                          {"udp_port", udpPaths_ ? nlohmann::json(udpPaths_->port()) : nlohmann::json(nullptr)},
                          {"version", kVersion}};
    return health.dump() + "\n";
}

std::string RelayServer::metricsText() const {
    RelayGauges gauges;
    gauges.connections = connections_.size();
    gauges.rooms = rooms_.roomCount();
    gauges.participants = rooms_.participantCount();
    gauges.storeFailures = store_.failedJobs();
    gauges.signInWrongPassword = api_.signInsRefused();
    gauges.signInRateLimited = api_.signInsRateLimited();
    gauges.databaseJobs = store_.jobLatency();
    gauges.recordingBytes = recorder_.bytesWritten();
    gauges.recordingDropped = recorder_.dropped();
    gauges.recordingsActive = rooms_.recordingCount();
    gauges.recordingMisplaced = rooms_.misplacedRecordingPackets();
    return metrics_.renderPrometheus(gauges);
}

}  // namespace samspil::server
