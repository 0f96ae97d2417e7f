#include "samspil/net/session_client.h"

#include "samspil/core/clock.h"
#include "samspil/core/clock_sync.h"
#include "samspil/core/server_url.h"
#include "samspil/core/spsc_queue.h"
#include "quiet_logging.h"

#include <libwebsockets.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <deque>
#include <mutex>
#include <random>
#include <thread>
#include <variant>
#include <vector>

namespace samspil::net {
namespace {

using namespace samspil::protocol;

constexpr std::int64_t kPingIntervalUs = 1'000'000;
constexpr std::int64_t kFastPingIntervalUs = 100'000;  // the first pings, to sync the clock quickly
constexpr int kFastPings = 5;
constexpr std::int64_t kStopDeadlineUs = 1'000'000;
constexpr std::size_t kMaxIncomingBinaryBytes = 256 * 1024;
constexpr std::size_t kMaxCoalescedSendBytes = 8 * 1024;
constexpr std::uint32_t kBackoffMs[] = {250, 500, 1000, 2000, 4000, 5000};

// A timer owned by the network thread; `sul` first so the callback can find the owner.
struct Timer {
    lws_sorted_usec_list_t sul{};
    void* owner = nullptr;
};

// Fatal server errors that will fail again on retry: the join itself is wrong.
bool refusesForGood(ErrorCode code) {
    switch (code) {
        case ErrorCode::InvalidRoom:
        case ErrorCode::InvalidName:
        case ErrorCode::BadMessage:
        case ErrorCode::UnsupportedVersion:
        case ErrorCode::AlreadyJoined:
        case ErrorCode::AuthRequired:
        case ErrorCode::InvalidToken:
        case ErrorCode::InvalidInvite:
        case ErrorCode::NotAllowed:
        case ErrorCode::RoomLocked:
        case ErrorCode::Removed:
            return true;
        default:
            return false;
    }
}

}  // namespace

std::string_view toString(SessionState state) {
    switch (state) {
        case SessionState::Idle: return "idle";
        case SessionState::Connecting: return "connecting";
        case SessionState::Waiting: return "waiting";
        case SessionState::Joined: return "joined";
        case SessionState::Reconnecting: return "reconnecting";
        case SessionState::Refused: return "refused";
        case SessionState::Closed: return "closed";
    }
    return "unknown";
}

struct SessionClient::Impl {
    Impl(SessionConfig cfg, SessionListener& l)
        : config(std::move(cfg)),
          listener(l),
          outgoing(static_cast<std::size_t>(config.outgoingQueuePackets)),
          incoming(static_cast<std::size_t>(config.incomingQueuePackets)),
          random(std::random_device{}()) {
        streamChannels.store(config.channels);
        streamFrameSamples.store(config.frameSamples);
        reconnectTimer.owner = pingTimer.owner = stopTimer.owner = this;
        protocols[0] = {"samspil.v1", &Impl::callback, 0, 64 * 1024, 0, nullptr, 0};
        protocols[1] = {nullptr, nullptr, 0, 0, 0, nullptr, 0};
    }

    lws_protocols protocols[2]{};

    // ---- shared with other threads ----------------------------------------------
    SessionConfig config;
    SessionListener& listener;
    ServerUrl url;
    SpscQueue<MediaSlot> outgoing;  // audio thread → network thread
    SpscQueue<MediaSlot> incoming;  // network thread → audio thread
    std::atomic<SessionState> state{SessionState::Idle};
    std::atomic<bool> stopRequested{false};
    // Set by whoever wakes the network thread, cleared by it before it drains the queues:
    // the audio thread makes one wake-up syscall per batch, not one per packet.
    std::atomic<bool> wakePending{false};
    std::atomic<std::uint64_t> wakeUps{0};
    std::atomic<lws_context*> wakeContext{nullptr};  // `context` for other threads; null once it goes
    std::atomic<std::int64_t> streamEpochLocalUs{0};  // 0: not set
    std::atomic<int> streamChannels{1};
    std::atomic<int> streamFrameSamples{240};
    std::atomic<std::int64_t> clockOffsetUs{0};
    std::atomic<std::int64_t> lastRoundTripUs{-1};
    std::atomic<bool> clockSynced{false};
    std::atomic<std::uint64_t> mediaSent{0}, mediaSendDropped{0}, mediaReceived{0}, mediaReceiveDropped{0},
        reconnects{0}, malformed{0}, pingsSentTotal{0}, pongsReceived{0};
    std::mutex controlMutex;
    std::deque<std::string> controlFromOtherThreads;  // guarded by controlMutex

    // ---- network thread only -------------------------------------------------------
    lws_context* context = nullptr;
    lws* wsi = nullptr;
    std::thread thread;
    Timer reconnectTimer, pingTimer, stopTimer;
    std::deque<std::string> controlQueue;
    std::string rxBuffer;
    bool rxOverflow = false;
    std::vector<unsigned char> txBuffer =
        std::vector<unsigned char>(LWS_PRE + std::max(kMaxCoalescedSendBytes, kMaxControlMessageBytes));
    ClockSync clockSync;
    std::uint32_t nextPingId = 1;
    int pingsSent = 0;
    bool joined = false;
    bool everJoined = false;
    bool streamAnnounced = false;
    std::int64_t announcedEpochLocalUs = 0;
    int announcedChannels = 0;
    int announcedFrameSamples = 0;
    bool firstMediaOfConnection = true;
    bool refused = false;
    std::optional<std::string> resumeToken;
    bool leaving = false;
    bool finished = false;
    std::size_t backoffIndex = 0;
    std::minstd_rand random;

    // Runs on the network thread.
    void setState(SessionState next, const std::string& reason) {
        if (state.exchange(next) != next || !reason.empty()) listener.onStateChanged(next, reason);
    }

    void queueControl(const ClientMessage& message) {
        controlQueue.push_back(serialize(message));
        if (wsi) lws_callback_on_writable(wsi);
    }

    // Runs on the network thread.
    void connect() {
        lws_client_connect_info info{};
        info.context = context;
        info.address = url.host.c_str();
        info.port = url.port;
        info.path = url.path.c_str();
        info.host = url.host.c_str();
        info.origin = url.host.c_str();
        info.protocol = kSubprotocol.data();
        if (url.secure) {
            info.ssl_connection = LCCSCF_USE_SSL;
            if (config.allowSelfSignedTls)
                info.ssl_connection |= LCCSCF_ALLOW_SELFSIGNED | LCCSCF_SKIP_SERVER_CERT_HOSTNAME_CHECK;
        }
        info.pwsi = &wsi;
        setState(everJoined ? SessionState::Reconnecting : SessionState::Connecting, "");
        if (!lws_client_connect_via_info(&info)) scheduleReconnect("could not start connecting");
    }

    // Runs on the network thread.
    void scheduleReconnect(const std::string& reason) {
        wsi = nullptr;
        joined = false;
        lws_sul_cancel(&pingTimer.sul);
        if (leaving || refused) {
            finished = true;
            return;
        }
        const std::uint32_t base = kBackoffMs[std::min(backoffIndex, std::size(kBackoffMs) - 1)];
        ++backoffIndex;
        const std::uint32_t jitter = base / 5 ? static_cast<std::uint32_t>(random() % (base / 5)) : 0;
        setState(SessionState::Reconnecting, reason);
        lws_sul_schedule(context, 0, &reconnectTimer.sul, &Impl::onReconnectTimer,
                         static_cast<lws_usec_t>(base + jitter) * 1000);
    }

    static Impl* ownerOf(lws_sorted_usec_list_t* sul) { return static_cast<Impl*>(reinterpret_cast<Timer*>(sul)->owner); }
    static void onReconnectTimer(lws_sorted_usec_list_t* sul) { ownerOf(sul)->connect(); }
    static void onPingTimer(lws_sorted_usec_list_t* sul) { ownerOf(sul)->sendPing(); }
    static void onStopTimer(lws_sorted_usec_list_t* sul) { ownerOf(sul)->finished = true; }

    // Runs on the network thread.
    void sendPing() {
        if (!wsi) return;
        queueControl(Ping{nextPingId++, monotonicMicros()});
        ++pingsSent;
        ++pingsSentTotal;
        if (config.maxPings > 0 && pingsSent >= config.maxPings) return;
        const std::int64_t interval = config.pingIntervalUs > 0     ? config.pingIntervalUs
                                      : pingsSent < kFastPings ? kFastPingIntervalUs
                                                               : kPingIntervalUs;
        lws_sul_schedule(context, 0, &pingTimer.sul, &Impl::onPingTimer, interval);
    }

    // Runs on the network thread: tell the room about our stream once the clock is known,
    // and again whenever the audio side re-estimates where timestamp 0 lies.
    void announceStreamIfReady() {
        if (!joined || !clockSynced.load()) return;
        const std::int64_t epoch = streamEpochLocalUs.load();
        const int channels = streamChannels.load();
        const int frameSamples = streamFrameSamples.load();
        const bool same = epoch == announcedEpochLocalUs && channels == announcedChannels && frameSamples == announcedFrameSamples;
        if (epoch == 0 || (streamAnnounced && same)) return;
        StreamInfo info;
        info.channels = channels;
        info.frameSamples = frameSamples;
        info.epochServerUs = clockSync.toServer(epoch);
        queueControl(info);
        streamAnnounced = true;
        announcedEpochLocalUs = epoch;
        announcedChannels = channels;
        announcedFrameSamples = frameSamples;
    }

    // Runs on the network thread.
    void onEstablished() {
        rxBuffer.clear();
        rxOverflow = false;
        controlQueue.clear();
        streamAnnounced = false;
        firstMediaOfConnection = true;
        pingsSent = 0;
        // A guest who already came in with an invite comes back with the token it gave them.
        if (config.joinRoom) {
            JoinRequest join{config.room, config.name, resumeToken ? resumeToken : config.token,
                             resumeToken ? std::nullopt : config.invite};
            queueControl(join);
        }
        sendPing();
    }

    // Runs on the network thread.
    void onServerText(std::string_view text) {
        auto parsed = parseServerMessage(text);
        if (!parsed) {
            ++malformed;
            return;
        }
        std::visit([this](const auto& message) { handle(message); }, *parsed);
    }

    void handle(const Welcome& welcome) {
        joined = true;
        if (everJoined) ++reconnects;
        everJoined = true;
        backoffIndex = 0;
        if (welcome.resumeToken) resumeToken = welcome.resumeToken;
        setState(SessionState::Joined, "");
        listener.onWelcome(welcome);
        announceStreamIfReady();
        lws_callback_on_writable(wsi);
    }
    void handle(const PeerList& peers) { listener.onPeers(peers); }
    void handle(const Waiting& waiting) {
        setState(SessionState::Waiting, "");
        listener.onWaiting(waiting);
    }
    void handle(const RoomState& roomState) { listener.onRoomState(roomState); }
    void handle(const Notice& notice) { listener.onNotice(notice); }
    void handle(const RoomTempo& tempo) { listener.onRoomTempo(tempo); }
    void handle(const ChatMessage& chat) { listener.onChat(chat); }
    void handle(const ChatHistory& history) { listener.onChatHistory(history); }
    void handle(const Pong& pong) {
        const std::int64_t now = monotonicMicros();
        clockSync.addSample(pong.clientUs, pong.serverUs, now);
        clockOffsetUs.store(clockSync.offsetUs().value_or(0));
        lastRoundTripUs.store(clockSync.lastRoundTripUs().value_or(-1));
        clockSynced.store(true);
        ++pongsReceived;
        listener.onClockSync(clockOffsetUs.load(), now - pong.clientUs);
        announceStreamIfReady();
    }
    void handle(const ErrorMessage& error) {
        listener.onServerError(error);
        if (error.fatal && refusesForGood(error.code)) {
            refused = true;
            setState(SessionState::Refused, error.message);
        }
    }

    // Runs on the network thread: media from the server goes to the audio side.
    void onServerBinary(std::span<const std::uint8_t> bytes) {
        if (!validateMediaMessage(bytes, 4096)) {
            ++malformed;
            return;
        }
        const std::int64_t arrival = monotonicMicros();
        MediaMessageReader reader(bytes);
        MediaPacketView packet;
        while (reader.next(packet)) {
            ++mediaReceived;
            MediaSlot* slot = incoming.beginPush();
            if (!slot) {
                ++mediaReceiveDropped;
                continue;
            }
            slot->header = packet.header;
            slot->arrivalUs = arrival;
            slot->length = static_cast<std::uint16_t>(packet.payload.size());
            std::memcpy(slot->payload.data(), packet.payload.data(), packet.payload.size());
            incoming.commitPush();
        }
    }

    // Any thread: wake the network thread unless a wake-up is already on its way.
    void wakeNetworkThread() {
        if (wakePending.exchange(true)) return;
        wakeUps.fetch_add(1, std::memory_order_relaxed);
        if (lws_context* c = wakeContext.load()) lws_cancel_service(c);
    }

    // Runs on the network thread: pull in what other threads queued.
    void collectFromOtherThreads() {
        wakePending.store(false);  // before draining: anything queued after this wakes us again
        {
            std::lock_guard lock(controlMutex);
            while (!controlFromOtherThreads.empty()) {
                controlQueue.push_back(std::move(controlFromOtherThreads.front()));
                controlFromOtherThreads.pop_front();
            }
        }
        announceStreamIfReady();
        if (stopRequested.load() && !leaving) beginLeave();
        if (wsi && (!controlQueue.empty() || (joined && outgoing.sizeApprox() > 0) || leaving))
            lws_callback_on_writable(wsi);
        if (!joined) {
            // Not in a room: media has nowhere to go. Drop it rather than send it stale later.
            MediaSlot discard;
            while (outgoing.tryPop(discard)) ++mediaSendDropped;
        }
    }

    // Runs on the network thread.
    void beginLeave() {
        leaving = true;
        lws_sul_cancel(&reconnectTimer.sul);
        lws_sul_schedule(context, 0, &stopTimer.sul, &Impl::onStopTimer, kStopDeadlineUs);
        if (!wsi) {
            finished = true;
            return;
        }
        if (joined) queueControl(Leave{});
        lws_callback_on_writable(wsi);
    }

    // Runs on the network thread. Returns -1 to close the connection.
    int onWriteable() {
        if (joined && outgoing.sizeApprox() > 0) {
            // Everything the audio thread queued goes out in one message (see protocol.md).
            std::size_t used = 0;
            std::span<std::uint8_t> room(txBuffer.data() + LWS_PRE, kMaxCoalescedSendBytes);
            while (const MediaSlot* slot = outgoing.front()) {
                if (used + kMediaHeaderBytes + slot->length > room.size()) break;
                MediaHeader header = slot->header;
                if (firstMediaOfConnection) header.flags |= kMediaFlagStreamStart;
                firstMediaOfConnection = false;
                used += writeMediaPacket(header, slot->bytes(), room.subspan(used));
                outgoing.commitPop();
                ++mediaSent;
            }
            if (used > 0 && lws_write(wsi, room.data(), used, LWS_WRITE_BINARY) < static_cast<int>(used)) return -1;
        } else if (!controlQueue.empty()) {
            const std::string text = std::move(controlQueue.front());
            controlQueue.pop_front();
            if (text.size() <= kMaxControlMessageBytes) {  // our own messages always are; never send a giant
                std::memcpy(txBuffer.data() + LWS_PRE, text.data(), text.size());
                const int written = lws_write(wsi, txBuffer.data() + LWS_PRE, text.size(), LWS_WRITE_TEXT);
                if (written < static_cast<int>(text.size())) return -1;
            }
        } else if (leaving) {
            lws_close_reason(wsi, LWS_CLOSE_STATUS_NORMAL, nullptr, 0);
            return -1;
        }
        if (!controlQueue.empty() || (joined && outgoing.sizeApprox() > 0) || leaving) lws_callback_on_writable(wsi);
        return 0;
    }

    // Runs on the network thread.
    int onReceive(lws* connection, const void* data, std::size_t length) {
        if (lws_is_first_fragment(connection)) {
            rxBuffer.clear();
            rxOverflow = false;
        }
        const bool binary = lws_frame_is_binary(connection) != 0;
        const std::size_t limit = binary ? kMaxIncomingBinaryBytes : kMaxControlMessageBytes;
        if (rxBuffer.size() + length > limit) {
            rxOverflow = true;
        } else if (!rxOverflow) {
            rxBuffer.append(static_cast<const char*>(data), length);
        }
        if (!lws_is_final_fragment(connection)) return 0;
        if (rxOverflow) {
            ++malformed;
            lws_close_reason(connection, LWS_CLOSE_STATUS_MESSAGE_TOO_LARGE, nullptr, 0);
            return -1;
        }
        if (binary)
            onServerBinary({reinterpret_cast<const std::uint8_t*>(rxBuffer.data()), rxBuffer.size()});
        else
            onServerText(rxBuffer);
        return 0;
    }

    static int callback(lws* connection, lws_callback_reasons reason, void* /*user*/, void* in, std::size_t len) {
        auto* self = static_cast<Impl*>(lws_context_user(lws_get_context(connection)));
        if (!self) return 0;
        switch (reason) {
            case LWS_CALLBACK_CLIENT_ESTABLISHED:
                self->onEstablished();
                break;
            case LWS_CALLBACK_CLIENT_RECEIVE:
                return self->onReceive(connection, in, len);
            case LWS_CALLBACK_CLIENT_WRITEABLE:
                return self->onWriteable();
            case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE:
                if (len >= 2) {
                    const auto* bytes = static_cast<const unsigned char*>(in);
                    const int code = (bytes[0] << 8) | bytes[1];
                    const std::string why(reinterpret_cast<const char*>(bytes + 2), len - 2);
                    if (!self->refused)
                        self->setState(SessionState::Reconnecting,
                                       "server closed the connection (" + std::to_string(code) +
                                           (why.empty() ? "" : ": " + why) + ")");
                }
                break;
            case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
                self->scheduleReconnect(in ? std::string("cannot connect: ") + static_cast<const char*>(in)
                                           : std::string("cannot connect"));
                break;
            case LWS_CALLBACK_CLIENT_CLOSED:
                self->listener.onPeers({});
                self->scheduleReconnect("connection closed");
                break;
            case LWS_CALLBACK_WSI_DESTROY:
                // lws drops a connection whose handshake timed out (the server's 101 never
                // came) without a CONNECTION_ERROR or CLOSED: our connection is gone all the
                // same, so it gets the same backoff and retry (and `wsi` must not dangle).
                if (connection == self->wsi) self->scheduleReconnect("no answer from the server (handshake timed out)");
                break;
            case LWS_CALLBACK_EVENT_WAIT_CANCELLED:
                self->collectFromOtherThreads();
                break;
            default:
                break;
        }
        return 0;
    }

    // The network thread's whole life.
    void run() {
        connect();
        while (!finished) {
            if (lws_service(context, 0) < 0) break;
        }
        lws_sul_cancel(&reconnectTimer.sul);
        lws_sul_cancel(&pingTimer.sul);
        lws_sul_cancel(&stopTimer.sul);
        // The context outlives this thread (leave() destroys it): the audio thread may still
        // wake it after a refusal ended the thread on its own.
        if (!refused) setState(SessionState::Closed, "");
    }
};

SessionClient::SessionClient(SessionConfig config, SessionListener& listener)
    : impl_(std::make_unique<Impl>(std::move(config), listener)) {}

SessionClient::~SessionClient() {
    leave();
}

Expected<bool, std::string> SessionClient::start() {
    if (impl_->thread.joinable()) return Unexpected{std::string("already started")};
    auto url = parseServerUrl(impl_->config.serverUrl);
    if (!url) return Unexpected{url.error()};
    impl_->url = *url;
    quietLibwebsocketsLogging();

    lws_context_creation_info info{};
    info.port = CONTEXT_PORT_NO_LISTEN;
    info.timeout_secs = 5;  // a handshake with no answer is given up (and retried) after this
    info.protocols = impl_->protocols;
    info.user = impl_.get();
    info.fd_limit_per_thread = 8;
    info.options = LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
    if (!impl_->config.caFile.empty()) info.client_ssl_ca_filepath = impl_->config.caFile.c_str();
    impl_->context = lws_create_context(&info);
    if (!impl_->context) return Unexpected{std::string("could not create the network context")};
    impl_->wakeContext.store(impl_->context);
    impl_->thread = std::thread([impl = impl_.get()] { impl->run(); });
    return true;
}

void SessionClient::leave() {
    if (!impl_->thread.joinable()) return;
    impl_->stopRequested.store(true);
    impl_->wakePending.store(true);
    lws_cancel_service(impl_->context);
    impl_->thread.join();
    impl_->wakeContext.store(nullptr);
    lws_context_destroy(impl_->context);
    impl_->context = nullptr;
}

void SessionClient::sendChat(std::string text) {
    sendControl(ChatSend{std::move(text)});
}

void SessionClient::sendControl(const ClientMessage& message) {
    {
        std::lock_guard lock(impl_->controlMutex);
        impl_->controlFromOtherThreads.push_back(serialize(message));
    }
    impl_->wakeNetworkThread();
}

void SessionClient::setStreamEpoch(std::int64_t localMonotonicUs) {
    impl_->streamEpochLocalUs.store(localMonotonicUs);
}

void SessionClient::setStreamFormat(int channels, int frameSamples) {
    const bool changed = (impl_->streamChannels.exchange(channels) != channels) |
                         (impl_->streamFrameSamples.exchange(frameSamples) != frameSamples);
    if (changed) impl_->wakeNetworkThread();
}

bool SessionClient::sendMediaFromAudioThread(std::uint32_t sequence, std::uint32_t timestamp, bool stereo,
                                             std::span<const std::uint8_t> opusPacket) {
    if (opusPacket.empty() || opusPacket.size() > kMaxOpusPayloadBytes) return false;
    MediaSlot* slot = impl_->outgoing.beginPush();
    if (!slot) {
        impl_->mediaSendDropped.fetch_add(1, std::memory_order_relaxed);
        return false;
    }
    slot->header = MediaHeader{static_cast<std::uint8_t>(stereo ? kMediaFlagStereo : 0), 0, sequence, timestamp};
    slot->arrivalUs = 0;
    slot->length = static_cast<std::uint16_t>(opusPacket.size());
    std::memcpy(slot->payload.data(), opusPacket.data(), opusPacket.size());
    impl_->outgoing.commitPush();
    // A write to lws's wake pipe (no lock, no allocation), only if none is pending already.
    impl_->wakeNetworkThread();
    return true;
}

bool SessionClient::popIncomingOnAudioThread(MediaSlot& packet) {
    return impl_->incoming.tryPop(packet);
}

SessionState SessionClient::state() const {
    return impl_->state.load();
}

SessionCounters SessionClient::counters() const {
    SessionCounters c;
    c.mediaSent = impl_->mediaSent.load();
    c.mediaSendDropped = impl_->mediaSendDropped.load();
    c.mediaReceived = impl_->mediaReceived.load();
    c.mediaReceiveDropped = impl_->mediaReceiveDropped.load();
    c.reconnects = impl_->reconnects.load();
    c.malformedFromServer = impl_->malformed.load();
    c.pingsSent = impl_->pingsSentTotal.load();
    c.pongsReceived = impl_->pongsReceived.load();
    c.wakeUps = impl_->wakeUps.load();
    return c;
}

std::optional<std::int64_t> SessionClient::serverClockOffsetUs() const {
    if (!impl_->clockSynced.load()) return std::nullopt;
    return impl_->clockOffsetUs.load();
}

std::optional<std::int64_t> SessionClient::roundTripUs() const {
    const std::int64_t rtt = impl_->lastRoundTripUs.load();
    if (rtt < 0) return std::nullopt;
    return rtt;
}

}  // namespace samspil::net
