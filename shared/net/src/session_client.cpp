// SessionClient: the libwebsockets side of a session. The protocol logic (join, backoff,
// pings, clock, stream announcements) is SessionMachine's, the media queues to and from the
// audio thread ClientMediaQueues', the UDP path UdpMediaLink's, what other threads may read
// SessionStatus'; this file turns lws callbacks into their events, writes what they queue,
// and keeps one timer at the machine's next deadline. Network thread, but for the public
// methods (each says its thread).
#include "samspil/net/session_client.h"

#include "samspil/time/clock.h"
#include "samspil/protocol/server_url.h"
#include "samspil/net/session_machine.h"
#include "client_media_queues.h"
#include "client_video_link.h"
#include "session_status.h"
#include "udp_media_link.h"
#include "quiet_logging.h"

#include <libwebsockets.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <deque>
#include <mutex>
#include <random>
#include <thread>
#include <vector>

namespace samspil::net {
namespace {

using namespace samspil::protocol;

constexpr std::size_t kMaxIncomingBinaryBytes = kMaxServerMediaMessageBytes;
constexpr std::size_t kMaxCoalescedSendBytes = 8 * 1024;  // a few packets at once, well within:
static_assert(kMaxCoalescedSendBytes <= kMaxClientMediaMessageBytes);

}  // namespace

struct SessionClient::Impl {
    Impl(SessionConfig cfg, SessionListener& l)
        : config(std::move(cfg)),
          media(static_cast<std::size_t>(config.outgoingQueuePackets), static_cast<std::size_t>(config.incomingQueuePackets)),
          listener(l),
          machine(config, l, std::random_device{}()) {
        streamChannels.store(config.channels);
        streamFrameSamples.store(config.frameSamples);
        timer.owner = this;
        protocols[0] = {"samspil.v1", &Impl::callback, 0, 64 * 1024, 0, nullptr, 0};
        protocols[1] = {nullptr, nullptr, 0, 0, 0, nullptr, 0};
    }

    // A timer owned by the network thread; `sul` first so the callback can find the owner.
    struct Timer {
        lws_sorted_usec_list_t sul{};
        Impl* owner = nullptr;
    };

    lws_protocols protocols[2]{};

    // ---- shared with other threads ----------------------------------------------
    SessionConfig config;
    ServerUrl url;             // where connections go now (network thread, after start())
    std::string urlText;
    std::string hostHeader;
    std::string pathWithRoom;  // /ws?room=CODE: a proxy in front of several nodes routes by it
    ClientMediaQueues media;   // audio thread ↔ network thread
    SessionStatus status;      // network thread → any thread
    std::atomic<bool> stopRequested{false};
    std::atomic<lws_context*> wakeContext{nullptr};  // `context` for other threads; null once it goes
    std::atomic<std::int64_t> streamEpochLocalUs{0};  // 0: not set
    std::atomic<int> streamChannels{1};
    std::atomic<int> streamFrameSamples{240};
    std::mutex controlMutex;
    std::deque<std::string> controlFromOtherThreads;  // guarded by controlMutex

    SessionListener& listener;
    ClientVideoLink video;     // video thread → network thread; the video WebSocket

    // ---- network thread only -------------------------------------------------------
    SessionMachine machine;
    lws_context* context = nullptr;
    lws* wsi = nullptr;         // the current connection (also while it is being opened)
    bool attemptLive = false;   // a connection attempt or connection the machine knows of
    std::thread thread;
    Timer timer;
    std::string rxBuffer;
    bool rxOverflow = false;
    std::uint64_t malformedBinary = 0;
    std::vector<unsigned char> txBuffer =
        std::vector<unsigned char>(LWS_PRE + std::max(kMaxCoalescedSendBytes, kMaxControlMessageBytes));
    bool firstMediaOfConnection = true;

    UdpMediaLink udp{config.udpRedundancy};  // the UDP fast path (network thread only)

    // Any thread: wake the network thread (a write to lws's wake pipe: no lock, no allocation).
    void wakeNetworkThread() {
        status.countWakeUp();
        if (lws_context* c = wakeContext.load()) lws_cancel_service(c);
    }

    // Network thread, after every event: act on what the machine wants, publish its state
    // for other threads, and set the timer to its next deadline.
    void afterEvent() {
        if (machine.takeConnectRequest()) connect();
        runUdpPath();
        runVideo();
        const bool mediaOnWebSocket = machine.joined() && !udp.carriesMedia() && media.hasOutgoing();
        if (wsi && (machine.hasOutgoing() || machine.wantsClose() || mediaOnWebSocket)) lws_callback_on_writable(wsi);
        if (!machine.joined()) media.dropOutgoing();  // not in a room: media has nowhere to go
        status.publish(machine, udp.counters(), udp.state(), malformedBinary);
        const std::int64_t deadline = std::min({machine.nextDeadlineUs(), udp.nextDeadlineUs(), video.nextDeadlineUs()});
        if (deadline == SessionMachine::kNever) {
            lws_sul_cancel(&timer.sul);
        } else {
            const std::int64_t in = std::max<std::int64_t>(1, deadline - monotonicMicros());
            lws_sul_schedule(context, 0, &timer.sul, &Impl::onTimer, in);
        }
    }

    static void onTimer(lws_sorted_usec_list_t* sul) {
        Impl& self = *reinterpret_cast<Timer*>(sul)->owner;
        self.machine.onTimer(monotonicMicros());
        self.afterEvent();
    }

    // Network thread: what every connection to the server is opened with (the session's own
    // and the video link's): the address, the subprotocol, TLS as configured.
    lws_client_connect_info connectInfo() {
        lws_client_connect_info info{};
        info.context = context;
        info.address = url.host.c_str();
        info.port = url.port;
        info.path = pathWithRoom.c_str();
        info.host = hostHeader.c_str();  // kept: lws reads it while the handshake is made
        info.origin = hostHeader.c_str();
        info.protocol = kSubprotocol.data();
        if (url.secure) {
            info.ssl_connection = LCCSCF_USE_SSL;
            if (config.allowSelfSignedTls)
                info.ssl_connection |= LCCSCF_ALLOW_SELFSIGNED | LCCSCF_SKIP_SERVER_CERT_HOSTNAME_CHECK;
        }
        return info;
    }

    // Before the thread starts, then on the network thread: the address connections go to
    // (the configured one, or the node a `moved` named), with the room in its query.
    bool useUrl(const std::string& text) {
        if (text == urlText) return true;
        auto parsed = parseServerUrl(text);
        if (!parsed) return false;
        url = *parsed;
        urlText = text;
        hostHeader = url.hostHeader();
        pathWithRoom = url.path;
        if (!config.room.empty()) pathWithRoom += (url.path.find('?') == std::string::npos ? "?room=" : "&room=") + config.room;
        return true;
    }

    // Network thread: open a connection (the machine asked for one).
    void connect() {
        attemptLive = true;
        if (!useUrl(machine.connectUrl())) return connectionGone("the server named a node address that is not valid");
        lws_client_connect_info info = connectInfo();
        info.pwsi = &wsi;
        if (!lws_client_connect_via_info(&info)) connectionGone("could not start connecting");
    }

    // Network thread: the attempt or connection ended, whichever callback said so first.
    void connectionGone(const std::string& reason) {
        wsi = nullptr;
        udp.withdraw();  // the offer lived with the WebSocket
        if (!attemptLive) return;
        attemptLive = false;
        machine.onDisconnected(reason, monotonicMicros());
    }

    // Network thread: open the video WebSocket (video.h's link), told apart from the
    // session's own by its opaque user data.
    void connectVideo() {
        lws_client_connect_info info = connectInfo();
        info.opaque_user_data = &video;
        info.pwsi = &video.wsi();
        video.connecting();
        if (!lws_client_connect_via_info(&info)) video.gone(monotonicMicros());
    }

    // Network thread: the video link's part of every event — a new welcome's token, the
    // link to open, queued frames to send by UDP or to write on the link.
    void runVideo() {
        std::optional<std::string> token;
        if (machine.takeVideoToken(token)) video.newToken(config.video ? token : std::nullopt, monotonicMicros());
        if (!machine.joined()) {
            video.stop();
            return;
        }
        if (video.wantsConnect(monotonicMicros())) connectVideo();
        if (udp.carriesMedia())
            video.sendPaced(monotonicMicros(), [this](std::span<const std::uint8_t> fragment) { udp.sendVideoFragment(fragment); });
        if (video.wantsWrite(udp.carriesMedia())) lws_callback_on_writable(video.wsi());
    }

    // Network thread: an lws event of the video WebSocket.
    int onVideoEvent(lws* connection, lws_callback_reasons reason, void* in, std::size_t len) {
        switch (reason) {
            case LWS_CALLBACK_CLIENT_ESTABLISHED:
                video.established();
                return 0;
            case LWS_CALLBACK_CLIENT_RECEIVE:
                return video.onReceive(connection, in, len,
                                       [this](std::span<const std::uint8_t> frame) { listener.onVideoFrame(frame); });
            case LWS_CALLBACK_CLIENT_WRITEABLE:
                return video.onWriteable(udp.carriesMedia());
            case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
            case LWS_CALLBACK_CLIENT_CLOSED:
            case LWS_CALLBACK_WSI_DESTROY:
                // lws may have cleared the handle already; either way this link is gone.
                if (video.wsi() == connection || video.wsi() == nullptr) video.gone(monotonicMicros());
                return 0;
            default:
                return 0;
        }
    }

    // Network thread: pull in what other threads queued.
    void collectFromOtherThreads() {
        {
            std::lock_guard lock(controlMutex);
            while (!controlFromOtherThreads.empty()) {
                machine.queueText(std::move(controlFromOtherThreads.front()));
                controlFromOtherThreads.pop_front();
            }
        }
        machine.setStream(streamEpochLocalUs.load(), streamChannels.load(), streamFrameSamples.load());
        if (stopRequested.load()) machine.leave(monotonicMicros());
    }

    // Network thread. Returns -1 to close the connection.
    int onWriteable() {
        if (machine.joined() && !udp.carriesMedia() && media.hasOutgoing()) {
            // Everything the audio thread queued goes out in one message (see protocol.md).
            std::span<std::uint8_t> room(txBuffer.data() + LWS_PRE, kMaxCoalescedSendBytes);
            const std::size_t used = media.takeForWebSocket(room, firstMediaOfConnection);
            if (used > 0 && lws_write(wsi, room.data(), used, LWS_WRITE_BINARY) < static_cast<int>(used)) return -1;
        } else if (auto text = machine.takeOutgoing()) {
            if (text->size() <= kMaxControlMessageBytes) {  // our own messages always are; never send a giant
                std::memcpy(txBuffer.data() + LWS_PRE, text->data(), text->size());
                const int written = lws_write(wsi, txBuffer.data() + LWS_PRE, text->size(), LWS_WRITE_TEXT);
                if (written < static_cast<int>(text->size())) return -1;
            }
        } else if (machine.wantsClose()) {
            lws_close_reason(wsi, LWS_CLOSE_STATUS_NORMAL, nullptr, 0);
            return -1;
        }
        return 0;
    }

    // Network thread. Returns -1 to close the connection.
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
            ++malformedBinary;
            lws_close_reason(connection, LWS_CLOSE_STATUS_MESSAGE_TOO_LARGE, nullptr, 0);
            return -1;
        }
        if (binary) {
            if (!media.acceptFromServer({reinterpret_cast<const std::uint8_t*>(rxBuffer.data()), rxBuffer.size()},
                                        monotonicMicros()))
                ++malformedBinary;
        } else {
            machine.onServerText(rxBuffer, monotonicMicros());
        }
        return 0;
    }

    // Network thread: take a new offer, send the hello or keep-alive that is due, and send
    // queued media by UDP while the path carries it.
    void runUdpPath() {
        std::optional<UdpOffer> offer;
        if (machine.takeUdpOffer(offer)) udp.start(config.useUdp ? offer : std::nullopt, wsi, monotonicMicros());
        if (udp.state() == UdpPathState::Off) return;
        udp.sendDue(monotonicMicros());
        if (machine.joined() && udp.carriesMedia() && media.hasOutgoing())
            media.countSentByUdp(udp.sendMedia(media.outgoing(), firstMediaOfConnection));
    }

    // Network thread: every datagram waiting on the UDP socket.
    void onUdpReadable() {
        udp.receive(
            [this](std::span<const std::uint8_t> body) {
                const std::uint64_t before = media.received();
                if (!media.acceptFromServer(body, monotonicMicros())) ++malformedBinary;
                status.countReceivedByUdp(media.received() - before);
            },
            [this](std::span<const std::uint8_t> frame) {
                video.received(frame, [this](std::span<const std::uint8_t> whole) { listener.onVideoFrame(whole); });
            },
            monotonicMicros());
    }

    // Network thread: every lws event of the client context.
    static int callback(lws* connection, lws_callback_reasons reason, void* /*user*/, void* in, std::size_t len) {
        auto* self = static_cast<Impl*>(lws_context_user(lws_get_context(connection)));
        if (!self) return 0;
        if (connection && lws_get_opaque_user_data(connection) == &self->video) {
            const int videoResult = self->onVideoEvent(connection, reason, in, len);
            self->afterEvent();
            return videoResult;
        }
        int result = 0;
        switch (reason) {
            case LWS_CALLBACK_CLIENT_ESTABLISHED:
                self->rxBuffer.clear();
                self->rxOverflow = false;
                self->firstMediaOfConnection = true;
                self->machine.onConnected(monotonicMicros());
                break;
            case LWS_CALLBACK_CLIENT_RECEIVE:
                result = self->onReceive(connection, in, len);
                break;
            case LWS_CALLBACK_CLIENT_WRITEABLE:
                result = self->onWriteable();
                break;
            case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE:
                if (len >= 2) {
                    const auto* bytes = static_cast<const unsigned char*>(in);
                    self->machine.onServerClose((bytes[0] << 8) | bytes[1],
                                                std::string(reinterpret_cast<const char*>(bytes + 2), len - 2));
                }
                break;
            case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
                self->connectionGone(in ? std::string("cannot connect: ") + static_cast<const char*>(in)
                                        : std::string("cannot connect"));
                break;
            case LWS_CALLBACK_CLIENT_CLOSED:
                self->connectionGone("connection closed");
                break;
            case LWS_CALLBACK_WSI_DESTROY:
                // lws drops a connection whose handshake timed out (the server's 101 never
                // came) without a CONNECTION_ERROR or CLOSED: our connection is gone all the
                // same, so it gets the same backoff and retry (and `wsi` must not dangle).
                if (connection == self->wsi) self->connectionGone("no answer from the server (handshake timed out)");
                break;
            case LWS_CALLBACK_EVENT_WAIT_CANCELLED:
                self->collectFromOtherThreads();
                break;
            case LWS_CALLBACK_RAW_RX_FILE:
                self->onUdpReadable();
                break;
            case LWS_CALLBACK_RAW_CLOSE_FILE:
                self->udp.socketClosed();
                break;
            default:
                return 0;
        }
        self->afterEvent();
        return result;
    }

    // The network thread's whole life.
    void run() {
        machine.start(monotonicMicros());
        afterEvent();
        while (!machine.finished()) {
            if (lws_service(context, 0) < 0) break;
        }
        lws_sul_cancel(&timer.sul);
        // The context outlives this thread (leave() destroys it): the audio thread may still
        // wake it after a refusal ended the thread on its own.
        machine.stop();
        status.setState(machine.state());
    }
};

SessionClient::SessionClient(SessionConfig config, SessionListener& listener)
    : impl_(std::make_unique<Impl>(std::move(config), listener)) {}

SessionClient::~SessionClient() {
    leave();
}

Expected<bool, std::string> SessionClient::start() {
    if (impl_->thread.joinable()) return Unexpected{std::string("already started")};
    if (!impl_->useUrl(impl_->config.serverUrl)) return Unexpected{parseServerUrl(impl_->config.serverUrl).error()};
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
    if (impl_->streamEpochLocalUs.exchange(localMonotonicUs) != localMonotonicUs) impl_->wakeNetworkThread();
}

void SessionClient::setStreamFormat(int channels, int frameSamples) {
    // Both stores happen, whichever changed.
    const bool channelsChanged = impl_->streamChannels.exchange(channels) != channels;
    const bool framesChanged = impl_->streamFrameSamples.exchange(frameSamples) != frameSamples;
    if (channelsChanged || framesChanged) impl_->wakeNetworkThread();
}

bool SessionClient::sendMediaFromAudioThread(std::uint32_t sequence, std::uint32_t timestamp, bool stereo,
                                             std::span<const std::uint8_t> opusPacket) {
    bool first = false;
    const bool queued = impl_->media.pushFromAudioThread(sequence, timestamp, stereo, opusPacket, first);
    if (first) impl_->wakeNetworkThread();
    return queued;
}

bool SessionClient::sendVideoFrame(std::span<const std::uint8_t> frame) {
    if (!impl_->video.push(frame)) return false;
    impl_->wakeNetworkThread();
    return true;
}

VideoLinkCounters SessionClient::videoCounters() const {
    return impl_->video.counters();
}

bool SessionClient::popIncomingOnAudioThread(MediaSlot& packet) {
    return impl_->media.popOnAudioThread(packet);
}

SessionState SessionClient::state() const {
    return impl_->status.state();
}

SessionCounters SessionClient::counters() const {
    return impl_->status.counters(impl_->media);
}

std::optional<std::int64_t> SessionClient::serverClockOffsetUs() const {
    return impl_->status.clockOffsetUs();
}

std::optional<std::int64_t> SessionClient::roundTripUs() const {
    return impl_->status.roundTripUs();
}

}  // namespace samspil::net
