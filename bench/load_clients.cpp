#include "load_clients.h"

#include "samspil/time/clock.h"
#include "samspil/protocol/control_message.h"
#include "samspil/protocol/media_packet.h"
#include "samspil/protocol/video_fragments.h"
#include "samspil/protocol/video_frame.h"
#include "samspil/net/udp_path_machine.h"
#include "samspil/io/udp_socket.h"

#include <libwebsockets.h>

#include <sys/resource.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <deque>
#include <optional>
#include <unordered_map>
#include <variant>

namespace samspil::bench {
namespace {

using namespace samspil::protocol;

constexpr std::size_t kSentRing = 1024;            // send times kept per participant, by sequence
constexpr std::int64_t kGapUs = 20'000;            // a receive gap worth counting
constexpr std::int64_t kJoinTimeoutUs = 30'000'000;
constexpr std::int64_t kChatIntervalUs = 500'000;  // the probe's chat (within the flood limit)
constexpr int kMaxPacketsPerMessage = 8;
constexpr std::size_t kVideoRing = 256;            // video send times kept per participant, by frame number
constexpr std::size_t kMaxVideoBacklog = 4;        // frames waiting for a video WebSocket; older ones go

enum class Phase { Connecting, Warmup, Measuring, Done };

struct Participant {
    int index = 0;
    std::int64_t phaseUs = 0;  // this participant's frame clock, offset within the frame
    bool probe = false;
    lws* wsi = nullptr;
    bool joined = false;
    bool lost = false;  // closed after joining
    std::uint16_t streamId = 0;
    std::string room;
    bool recorded = false;          // in a school's room that is recorded
    bool askedToRecord = false;     // as the room's teacher (the first in holds the controls)
    bool sawRecordingStart = false;
    std::uint32_t participantId = 0;
    std::uint64_t sent = 0;
    std::uint64_t sentAtWindowStart = 0;
    std::uint64_t sentAtWindowEnd = 0;
    std::array<std::int64_t, kSentRing> sentAtUs{};
    std::array<std::uint32_t, kSentRing> sentSequence{};
    std::vector<std::pair<std::uint16_t, std::int64_t>> lastArrival;  // by sender stream
    std::string rx;
    std::string pendingText;  // one control message to write (join, chat)
    std::int64_t chatSentAtUs = 0;
    net::UdpPathMachine udpPath;  // with --udp
    // Video (with --video): the camera's frames, who we asked for, the video WebSocket.
    std::deque<std::string> videoControl;   // camera on, subscriptions: written after pendingText
    std::uint64_t videoSent = 0;
    std::uint64_t videoSentAtWindowStart = 0, videoSentAtWindowEnd = 0;
    std::array<std::int64_t, kVideoRing> videoSentAtUs{};
    std::array<std::uint32_t, kVideoRing> videoSentNumber{};
    std::vector<std::uint16_t> subscribed;
    std::optional<std::string> videoToken;
    Participant* videoOwner = nullptr;       // set on a video WebSocket's pseudo-participant
    std::unique_ptr<Participant> videoLink;  // the participant's video WebSocket (not by UDP)
    bool videoAttached = false;
    std::deque<std::vector<std::uint8_t>> videoOut;  // frames for the video WebSocket
    protocol::VideoReassembler reassembler;  // by UDP
};

// A timer owned by the event loop; `sul` first so the callback can find the owner.
struct Timer {
    lws_sorted_usec_list_t sul{};
    void* owner = nullptr;
};

}  // namespace

struct LoadClients::Impl {
    explicit Impl(LoadPlan p) : plan(std::move(p)), streamOwner(65536, nullptr) {
        protocols[0] = {"samspil.v1", &Impl::callback, 0, 64 * 1024, 0, nullptr, 0};
        protocols[1] = {nullptr, nullptr, 0, 0, 0, nullptr, 0};
        tickTimer.owner = this;
        frameUs = std::int64_t{plan.frameSamples} * 1'000'000 / kMediaSampleRate;
    }

    LoadPlan plan;
    lws_protocols protocols[2]{};
    lws_context* context = nullptr;
    std::vector<std::unique_ptr<Participant>> participants;
    Participant probe;
    std::vector<Participant*> streamOwner;  // stream id → sender
    Phase phase = Phase::Connecting;
    Timer tickTimer;
    std::int64_t frameUs = 5000;
    std::int64_t startUs = 0;
    std::int64_t sendStartUs = 0;
    std::int64_t measureStartUs = 0;
    std::int64_t measureEndUs = 0;
    std::int64_t slotUs = 1000;  // the pacing timer's step: participants are grouped by phase into slots
    std::int64_t nextSlotUs = 0;
    int joined = 0;
    std::string failure;
    bool eventLibrary = false;
    std::function<void()> atMeasureStart, atMeasureEnd;
    std::vector<unsigned char> tx = std::vector<unsigned char>(LWS_PRE + 64 * 1024);
    std::vector<unsigned char> videoTx;
    LoadResults results;

    // --udp: one socket for every participant (the server tells them apart by session id,
    // the bench by the same), written once per tick with sendmmsg, read with recvmmsg.
    std::optional<io::UdpSocket> udpSocket;
    std::unordered_map<std::uint32_t, Participant*> bySession;
    std::vector<io::OutgoingDatagram> udpOut;
    std::vector<std::uint8_t> udpBody = std::vector<std::uint8_t>(udp::kMaxBodyBytes);
    std::vector<std::uint8_t> udpOpened = std::vector<std::uint8_t>(udp::kMaxDatagramBytes + 1);
    std::optional<io::UdpAddress> serverUdp;

    void connect(Participant& participant) {
        lws_client_connect_info info{};
        info.context = context;
        info.address = plan.host.c_str();
        info.port = plan.port;
        info.path = "/ws";
        info.host = plan.host.c_str();
        info.origin = plan.host.c_str();
        info.protocol = kSubprotocol.data();
        info.opaque_user_data = &participant;
        info.pwsi = &participant.wsi;
        if (!lws_client_connect_via_info(&info)) failure = "could not start connecting";
    }

    // Event loop: the timer that paces sending and moves through the phases.
    static void onTick(lws_sorted_usec_list_t* sul) {
        static_cast<Impl*>(reinterpret_cast<Timer*>(sul)->owner)->tick();
    }

    void tick() {
        const std::int64_t now = monotonicMicros();
        if (phase == Phase::Connecting) {
            if (joined == static_cast<int>(participants.size()) + 1) {
                phase = Phase::Warmup;
                sendStartUs = now;
                nextSlotUs = now;
                measureStartUs = now + static_cast<std::int64_t>(plan.warmupSeconds * 1e6);
                measureEndUs = measureStartUs + static_cast<std::int64_t>(plan.durationSeconds * 1e6);
            } else if (now - startUs > kJoinTimeoutUs) {
                failure = "only " + std::to_string(joined) + " of " + std::to_string(participants.size() + 1) +
                          " clients joined within 30 s";
                return finish();
            }
        }
        if (phase == Phase::Warmup && now >= measureStartUs) {
            phase = Phase::Measuring;
            for (auto& p : participants) p->sentAtWindowStart = p->sent;
            for (auto& p : participants) p->videoSentAtWindowStart = p->videoSent;
            if (atMeasureStart) atMeasureStart();
        }
        if (phase == Phase::Measuring && now >= measureEndUs) {
            for (auto& p : participants) p->sentAtWindowEnd = p->sent;
            for (auto& p : participants) p->videoSentAtWindowEnd = p->videoSent;
            if (atMeasureEnd) atMeasureEnd();
            return finish();
        }
        if (phase == Phase::Warmup || phase == Phase::Measuring) {
            // Wake the participants whose frame came due since the last slot (on UDP: send it now).
            for (auto& p : participants) {
                if (p->lost || !p->joined) continue;
                if (plan.udp) sendUdpDue(*p, now);
                if (!p->udpPath.carriesMedia() && dueFor(*p, now) > p->sent) lws_callback_on_writable(p->wsi);
                if (!plan.videoFrames.empty()) sendVideoDue(*p, now);
            }
            flushUdp();
            if (now - probe.chatSentAtUs >= kChatIntervalUs && probe.pendingText.empty() && probe.wsi) {
                probe.pendingText = serialize(ClientMessage{ChatSend{"probe " + std::to_string(now)}});
                probe.chatSentAtUs = now;
                lws_callback_on_writable(probe.wsi);
            }
            nextSlotUs = std::max(nextSlotUs + slotUs, now - slotUs);
        } else {
            if (plan.udp) {  // hellos while everyone joins
                for (auto& p : participants)
                    if (p->joined) sendUdpDue(*p, now);
                flushUdp();
            }
            nextSlotUs = now + 10'000;
        }
        lws_sul_schedule(context, 0, &tickTimer.sul, &Impl::onTick, std::max<std::int64_t>(100, nextSlotUs - now));
    }

    // Ends the run from inside the event loop.
    void finish() {
        phase = Phase::Done;
        if (eventLibrary) lws_context_destroy(context);  // first stage: stops the loop; run() completes it
    }

    // Packets participant p should have sent by `now`: one per frame since its own frame clock started.
    // Nothing is due before everyone joined: a participant whose welcome arrived while a
    // write was already queued would otherwise count frames from the clock's zero and flood.
    std::uint64_t dueFor(const Participant& p, std::int64_t now) const {
        if (phase != Phase::Warmup && phase != Phase::Measuring) return 0;
        const std::int64_t since = now - (sendStartUs + p.phaseUs);
        return since < 0 ? 0 : static_cast<std::uint64_t>(since / frameUs) + 1;
    }

    // Event loop: the UDP path's hello or keep-alive, and the media due, sealed into udpOut.
    void sendUdpDue(Participant& p, std::int64_t now) {
        if (!serverUdp) return;
        if (const auto kind = p.udpPath.due(now)) sealInto(p, *kind, {});
        if (!p.udpPath.carriesMedia()) return;
        const std::uint64_t due = dueFor(p, now);
        while (p.sent < due) {
            std::size_t used = 0;
            for (int n = 0; n < kMaxPacketsPerMessage && p.sent < due; ++n, ++p.sent)
                used += writeMedia(p, now, std::span(udpBody).subspan(used));
            sealInto(p, udp::Kind::Media, {udpBody.data(), used});
        }
    }

    // Event loop: the camera's frames due by `now` (one loop of prepared VP8 frames at the
    // plan's rate): by UDP in fragments while the path carries media, else on the video WebSocket.
    void sendVideoDue(Participant& p, std::int64_t now) {
        const std::int64_t since = now - (sendStartUs + p.phaseUs);
        if (since < 0) return;
        const auto due = static_cast<std::uint64_t>(since * plan.videoFramesPerSecond / 1'000'000) + 1;
        while (p.videoSent < due) {
            const auto number = static_cast<std::uint32_t>(p.videoSent++);
            const auto& prepared = plan.videoFrames[number % plan.videoFrames.size()];
            VideoHeader header;
            header.flags = prepared.keyframe ? kVideoFlagKeyframe : 0;
            header.layer = VideoLayer::Large;
            header.framesPerSecond = static_cast<std::uint8_t>(plan.videoFramesPerSecond);
            header.width = static_cast<std::uint16_t>(plan.videoWidth);
            header.height = static_cast<std::uint16_t>(plan.videoHeight);
            header.frameNumber = number;
            std::vector<std::uint8_t> frame(kVideoHeaderBytes + prepared.vp8.size());
            frame.resize(writeVideoFrame(header, prepared.vp8, frame));
            p.videoSentAtUs[number % kVideoRing] = now;
            p.videoSentNumber[number % kVideoRing] = number;
            if (p.udpPath.carriesMedia()) {
                fragmentVideoFrame(frame, 0, [&](std::span<const std::uint8_t> fragment) { sealInto(p, udp::Kind::Video, fragment); });
            } else if (p.videoLink && p.videoLink->videoAttached) {
                if (p.videoLink->videoOut.size() >= kMaxVideoBacklog) p.videoLink->videoOut.pop_front();
                p.videoLink->videoOut.push_back(std::move(frame));
                lws_callback_on_writable(p.videoLink->wsi);
            }
        }
    }

    // A whole video frame arrived for `receiver` (by UDP or its video WebSocket).
    void onVideoFrame(std::span<const std::uint8_t> bytes) {
        const auto frame = parseVideoFrame(bytes);
        if (!frame || phase != Phase::Measuring) return;
        ++results.videoFramesReceived;
        results.videoBytesReceived += bytes.size();
        const Participant* sender = streamOwner[frame->header.streamId];
        const std::uint32_t number = frame->header.frameNumber;
        if (sender && sender->videoSentNumber[number % kVideoRing] == number)
            results.videoRelayLatency.add(monotonicMicros() - sender->videoSentAtUs[number % kVideoRing]);
    }

    void sealInto(Participant& p, udp::Kind kind, std::span<const std::uint8_t> body) {
        io::OutgoingDatagram& datagram = udpOut.emplace_back();
        datagram.to = *serverUdp;
        datagram.length = static_cast<std::uint16_t>(p.udpPath.seal(kind, body, datagram.bytes));
        if (datagram.length == 0) udpOut.pop_back();
    }

    void flushUdp() {
        if (udpSocket && !udpOut.empty()) udpSocket->sendAll(udpOut);
        udpOut.clear();
    }

    // Event loop: everything waiting on the UDP socket, to the participant it is for.
    void onUdpReadable() {
        if (!udpSocket) return;
        const std::int64_t now = monotonicMicros();
        udpSocket->receiveAll([&](std::span<const std::uint8_t> datagram, const io::UdpAddress&) {
            const auto header = udp::peekHeader(datagram);
            if (!header) return;
            const auto it = bySession.find(header->sessionId);
            if (it == bySession.end()) return;
            udp::Kind kind = udp::Kind::Media;
            const std::size_t body = it->second->udpPath.onDatagram(datagram, udpOpened, now, &kind);
            if (body == 0) return;
            if (kind == udp::Kind::Media) {
                onMedia(*it->second, {udpOpened.data(), body});
            } else if (const auto frame = it->second->reassembler.add({udpOpened.data(), body})) {
                onVideoFrame(*frame);
            }
        });
        flushUdp();
    }

    // One media packet (the prepared Opus frame) for p's next sequence; returns its length.
    std::size_t writeMedia(Participant& p, std::int64_t now, std::span<std::uint8_t> out) {
        const auto sequence = static_cast<std::uint32_t>(p.sent);
        const MediaHeader header{0, 0, sequence, sequence * static_cast<std::uint32_t>(plan.frameSamples)};
        p.sentAtUs[sequence % kSentRing] = now;
        p.sentSequence[sequence % kSentRing] = sequence;
        return writeMediaPacket(header, plan.opusPacket, out);
    }

    // Event loop: write what is due on one connection.
    int onWriteable(Participant& p) {
        if (p.pendingText.empty() && !p.videoControl.empty()) {
            p.pendingText = std::move(p.videoControl.front());
            p.videoControl.pop_front();
        }
        if (p.videoOwner && p.pendingText.empty()) {  // a video WebSocket: one frame a writeable
            if (p.videoOut.empty()) return 0;
            const std::vector<std::uint8_t> frame = std::move(p.videoOut.front());
            p.videoOut.pop_front();
            if (videoTx.size() < LWS_PRE + frame.size()) videoTx.resize(LWS_PRE + frame.size());
            std::memcpy(videoTx.data() + LWS_PRE, frame.data(), frame.size());
            if (lws_write(p.wsi, videoTx.data() + LWS_PRE, frame.size(), LWS_WRITE_BINARY) < static_cast<int>(frame.size()))
                return -1;
            if (!p.videoOut.empty()) lws_callback_on_writable(p.wsi);
            return 0;
        }
        if (!p.pendingText.empty()) {
            const std::string text = std::move(p.pendingText);
            p.pendingText.clear();
            std::memcpy(tx.data() + LWS_PRE, text.data(), text.size());
            if (lws_write(p.wsi, tx.data() + LWS_PRE, text.size(), LWS_WRITE_TEXT) < static_cast<int>(text.size()))
                return -1;
            if (!p.probe) lws_callback_on_writable(p.wsi);
            return 0;
        }
        if (p.videoOwner) return 0;
        const std::int64_t now = monotonicMicros();
        const std::uint64_t due = p.probe || !p.joined || p.udpPath.carriesMedia() ? 0 : dueFor(p, now);
        if (p.sent >= due) return 0;
        std::size_t used = 0;
        std::span<std::uint8_t> room(tx.data() + LWS_PRE, tx.size() - LWS_PRE);
        for (int n = 0; n < kMaxPacketsPerMessage && p.sent < due; ++n, ++p.sent)
            used += writeMedia(p, now, room.subspan(used));
        if (lws_write(p.wsi, room.data(), used, LWS_WRITE_BINARY) < static_cast<int>(used)) return -1;
        if (p.sent < due) lws_callback_on_writable(p.wsi);
        return 0;
    }

    void onMedia(Participant& receiver, std::span<const std::uint8_t> bytes) {
        const std::int64_t now = monotonicMicros();
        MediaMessageReader reader(bytes);
        MediaPacketView packet;
        while (reader.next(packet)) {
            if (phase != Phase::Measuring) continue;
            ++results.packetsReceived;
            Participant* sender = streamOwner[packet.header.streamId];
            if (!sender) continue;
            const std::uint32_t sequence = packet.header.sequence;
            if (sender->sentSequence[sequence % kSentRing] == sequence)
                results.relayLatency.add(now - sender->sentAtUs[sequence % kSentRing]);
            auto it = std::find_if(receiver.lastArrival.begin(), receiver.lastArrival.end(),
                                   [&](auto& entry) { return entry.first == packet.header.streamId; });
            if (it == receiver.lastArrival.end()) {
                receiver.lastArrival.emplace_back(packet.header.streamId, now);
                continue;
            }
            const std::int64_t gap = now - it->second;
            it->second = now;
            if (gap > kGapUs) ++results.receiveGaps;
            results.longestGapMs = std::max(results.longestGapMs, static_cast<double>(gap) / 1000.0);
        }
    }

    void onText(Participant& p, std::string_view text) {
        auto parsed = parseServerMessage(text);
        if (!parsed) return;
        if (const auto* welcome = std::get_if<Welcome>(&*parsed)) {
            p.joined = true;
            p.streamId = welcome->streamId;
            streamOwner[welcome->streamId] = &p;
            p.participantId = welcome->participantId;
            ++joined;
            if (plan.udp && !p.probe && welcome->udp && p.udpPath.offer(*welcome->udp, monotonicMicros())) {
                bySession[welcome->udp->sessionId] = &p;
                if (!serverUdp) serverUdp = io::udpAddressOf(plan.host, welcome->udp->port);
            }
            if (!plan.videoFrames.empty() && !p.probe) {
                p.videoControl.push_back(serialize(ClientMessage{CameraSet{CameraState::On}}));
                lws_callback_on_writable(p.wsi);
                // The video WebSocket, also with --udp: until the path carries, video goes there.
                if (welcome->videoToken) {
                    p.videoToken = welcome->videoToken;
                    p.videoLink = std::make_unique<Participant>();
                    p.videoLink->videoOwner = &p;
                    connect(*p.videoLink);
                }
            }
        } else if (const auto* peers = std::get_if<PeerList>(&*parsed)) {
            // Everyone else's large layer.
            if (plan.videoFrames.empty() || p.probe) return;
            for (const auto& peer : peers->peers) {
                if (peer.streamId == p.streamId || std::count(p.subscribed.begin(), p.subscribed.end(), peer.streamId)) continue;
                p.subscribed.push_back(peer.streamId);
                p.videoControl.push_back(serialize(ClientMessage{VideoSubscribe{peer.streamId, VideoLayer::Large}}));
            }
            lws_callback_on_writable(p.wsi);
        } else if (const auto* state = std::get_if<RoomState>(&*parsed)) {
            // The room's teacher (the first in holds the controls) records the lesson from the start.
            if (p.recorded && !p.askedToRecord && p.participantId != 0 &&
                state->teacherParticipantId == p.participantId && !state->recording && p.pendingText.empty()) {
                p.askedToRecord = true;
                p.pendingText = serialize(ClientMessage{Record{true}});
                lws_callback_on_writable(p.wsi);
            }
        } else if (const auto* chat = std::get_if<ChatMessage>(&*parsed)) {
            if (p.probe && phase == Phase::Measuring && chat->text.rfind("probe ", 0) == 0)
                results.chatRoundTrip.add(monotonicMicros() - std::stoll(chat->text.substr(6)));
        } else if (const auto* notice = std::get_if<Notice>(&*parsed)) {
            if (p.askedToRecord && !p.sawRecordingStart && notice->code == "recording_started") {
                p.sawRecordingStart = true;
                ++results.recordingsStarted;
            }
        } else if (std::holds_alternative<ErrorMessage>(*parsed)) {
            ++results.errorsFromServer;
        }
    }

    static int callback(lws* wsi, lws_callback_reasons reason, void*, void* in, std::size_t len) {
        auto* self = static_cast<Impl*>(lws_context_user(lws_get_context(wsi)));
        if (self && reason == LWS_CALLBACK_RAW_RX_FILE) {
            self->onUdpReadable();
            return 0;
        }
        auto* p = static_cast<Participant*>(lws_get_opaque_user_data(wsi));
        if (!self || !p) return 0;
        switch (reason) {
            case LWS_CALLBACK_CLIENT_ESTABLISHED:
                if (p->videoOwner) {  // a video WebSocket: attached with its owner's token
                    p->pendingText = serialize(ClientMessage{VideoAttach{p->videoOwner->videoToken.value_or("")}});
                    p->videoAttached = true;
                    lws_callback_on_writable(wsi);
                    return 0;
                }
                p->pendingText = serialize(ClientMessage{JoinRequest{
                    p->room, "p" + std::to_string(p->index),
                    p->recorded ? std::optional<std::string>(self->plan.token) : std::nullopt, std::nullopt}});
                lws_callback_on_writable(wsi);
                return 0;
            case LWS_CALLBACK_CLIENT_WRITEABLE:
                return self->onWriteable(*p);
            case LWS_CALLBACK_CLIENT_RECEIVE:
                if (lws_is_first_fragment(wsi)) p->rx.clear();
                p->rx.append(static_cast<const char*>(in), len);
                if (!lws_is_final_fragment(wsi)) return 0;
                if (lws_frame_is_binary(wsi) && p->videoOwner)
                    self->onVideoFrame({reinterpret_cast<const std::uint8_t*>(p->rx.data()), p->rx.size()});
                else if (lws_frame_is_binary(wsi))
                    self->onMedia(*p, {reinterpret_cast<const std::uint8_t*>(p->rx.data()), p->rx.size()});
                else if (!p->videoOwner)
                    self->onText(*p, p->rx);
                return 0;
            case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
                p->wsi = nullptr;
                if (self->phase == Phase::Done) return 0;
                self->failure = std::string("a client could not connect: ") + (in ? static_cast<const char*>(in) : "");
                self->finish();
                return 0;
            case LWS_CALLBACK_CLIENT_CLOSED:
                if (p->videoOwner) {
                    p->videoAttached = false;
                    p->wsi = nullptr;
                    return 0;
                }
                if (p->joined && self->phase != Phase::Done) {
                    p->lost = true;
                    ++self->results.disconnects;
                }
                p->wsi = nullptr;
                return 0;
            default:
                return 0;
        }
    }
};

LoadClients::LoadClients(LoadPlan plan) : impl_(std::make_unique<Impl>(std::move(plan))) {}

LoadClients::~LoadClients() {
    if (impl_->context) lws_context_destroy(impl_->context);
}

Expected<LoadResults, std::string> LoadClients::run(const std::function<void()>& atMeasureStart,
                                                    const std::function<void()>& atMeasureEnd) {
    Impl& impl = *impl_;
    impl.atMeasureStart = atMeasureStart;
    impl.atMeasureEnd = atMeasureEnd;
    lws_set_log_level(LLL_ERR, nullptr);

    rlimit files{};
    getrlimit(RLIMIT_NOFILE, &files);
    files.rlim_cur = files.rlim_max;
    setrlimit(RLIMIT_NOFILE, &files);

    lws_context_creation_info info{};
    info.port = CONTEXT_PORT_NO_LISTEN;
    info.protocols = impl.protocols;
    info.user = &impl;
    info.fd_limit_per_thread = static_cast<unsigned int>(impl.plan.participants + 64);
    // epoll through libev, as the server does: poll() over N sockets per wake-up would make
    // the bench, not the server, the bottleneck. With an event library lws_service() runs
    // the loop until the context is destroyed from inside it (see Impl::finish).
    info.options = LWS_SERVER_OPTION_LIBEV;
    impl.context = lws_create_context(&info);
    impl.eventLibrary = impl.context != nullptr && info.options != 0;
    if (!impl.context) {
        info.options = 0;
        impl.context = lws_create_context(&info);
    }
    if (!impl.context) return Unexpected{std::string("could not create the client context")};

    const int rooms = (impl.plan.participants + impl.plan.roomSize - 1) / impl.plan.roomSize;
    for (int i = 0; i < impl.plan.participants; ++i) {
        auto participant = std::make_unique<Participant>();
        participant->index = i;
        participant->room = "bench-" + std::to_string(i / impl.plan.roomSize);
        participant->recorded = i / impl.plan.roomSize < impl.plan.recordedRooms;
        impl.participants.push_back(std::move(participant));
    }
    (void)rooms;
    // Spread the participants' frame clocks evenly over one frame (unless in burst mode),
    // as the sound cards of real participants are.
    for (auto& participant : impl.participants)
        participant->phaseUs = impl.plan.burst ? 0 : impl.frameUs * participant->index / impl.plan.participants;
    impl.slotUs = impl.plan.burst ? impl.frameUs : std::max<std::int64_t>(500, impl.frameUs / 5);
    impl.probe.probe = true;
    impl.probe.index = impl.plan.participants;
    impl.probe.room = "bench-probe";

    if (impl.plan.udp) {
        std::string error;
        impl.udpSocket = io::UdpSocket::open(impl.plan.host.find(':') == std::string::npos ? "0.0.0.0" : "::", 0, error);
        if (!impl.udpSocket) return Unexpected{"no UDP socket: " + error};
        lws_sock_file_fd_type descriptor{};
        descriptor.filefd = impl.udpSocket->fd();
        if (!lws_adopt_descriptor_vhost(lws_get_vhost_by_name(impl.context, "default"), LWS_ADOPT_RAW_FILE_DESC,
                                        descriptor, "samspil.v1", nullptr))
            return Unexpected{std::string("the event loop would not take the UDP socket")};
        impl.udpSocket->handOverClosing();
    }

    impl.startUs = monotonicMicros();
    for (auto& participant : impl.participants) impl.connect(*participant);
    impl.connect(impl.probe);
    lws_sul_schedule(impl.context, 0, &impl.tickTimer.sul, &Impl::onTick, 10'000);

    while (impl.phase != Phase::Done && impl.failure.empty())
        if (lws_service(impl.context, 0) < 0 || impl.eventLibrary) break;
    lws_context_destroy(impl.context);
    impl.context = nullptr;
    if (!impl.failure.empty()) return Unexpected{impl.failure};

    LoadResults& results = impl.results;
    results.joined = impl.joined;
    results.measuredSeconds = static_cast<double>(impl.measureEndUs - impl.measureStartUs) / 1e6;
    const double expected = results.measuredSeconds * 1e6 / static_cast<double>(impl.frameUs);
    double sum = 0, worst = 1e9;
    for (auto& p : impl.participants) {
        const auto sent = static_cast<double>(p->sentAtWindowEnd - p->sentAtWindowStart);
        results.packetsSent += p->sentAtWindowEnd - p->sentAtWindowStart;
        const double percent = 100.0 * sent / expected;
        sum += percent;
        worst = std::min(worst, percent);
    }
    results.sendRateMeanPercent = sum / static_cast<double>(impl.participants.size());
    for (auto& p : impl.participants) results.onUdp += p->udpPath.carriesMedia() ? 1 : 0;
    for (auto& p : impl.participants) results.videoFramesSent += p->videoSentAtWindowEnd - p->videoSentAtWindowStart;
    results.sendRateMinPercent = worst;
    return results;
}

}  // namespace samspil::bench
