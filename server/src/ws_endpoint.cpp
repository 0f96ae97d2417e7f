// The samspil.v1 WebSocket protocol callback: assembles frames and hands them to the
// room logic; writes when lws says a connection is writeable. Service thread only.
#include "relay_server.h"

#include "samspil/time/clock.h"

#include <cstring>

#include <sys/socket.h>

namespace samspil::server {
namespace {

constexpr int kSocketSendBufferBytes = 128 * 1024;

}  // namespace
namespace {


}  // namespace

int RelayServer::websocketCallback(lws* wsi, lws_callback_reasons reason, void* user, void* in, std::size_t len) {
    auto** slot = static_cast<Connection**>(user);
    switch (reason) {
        case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION: {
            if (of(wsi).stopping_) return 1;
            char uri[16] = {};
            if (lws_hdr_copy(wsi, uri, sizeof uri, WSI_TOKEN_GET_URI) <= 0 || std::strcmp(uri, "/ws") != 0) return 1;
            return 0;
        }
        case LWS_CALLBACK_ESTABLISHED: {
            RelayServer& self = of(wsi);
            // A fixed, modest kernel send buffer (Linux doubles it): loopback's autotuning
            // would let megabytes (seconds of stale audio) sit in the kernel for a client
            // that stopped reading. Beyond it our own queues decide: media drops its
            // oldest, control past the backlog limit closes the client as too_slow.
            const int sendBuffer = kSocketSendBufferBytes;
            setsockopt(lws_get_socket_fd(wsi), SOL_SOCKET, SO_SNDBUF, &sendBuffer, sizeof sendBuffer);
            Connection& connection = self.connections_.add(wsi);
            *slot = &connection;
            ++self.metrics_.connectionsAccepted;
            self.rooms_.onOpen(connection.id, monotonicMicros());
            return 0;
        }
        case LWS_CALLBACK_RECEIVE: {
            if (!*slot) return -1;
            RelayServer& self = of(wsi);
            Connection& connection = **slot;
            if (lws_is_first_fragment(wsi)) {
                connection.rx.clear();
                connection.rxOverflow = false;
            }
            const bool binary = lws_frame_is_binary(wsi) != 0;
            const std::size_t mediaLimit =
                connection.videoLink ? protocol::kMaxVideoFrameBytes : protocol::kMaxClientMediaMessageBytes;
            const std::size_t limit = binary ? mediaLimit : protocol::kMaxControlMessageBytes;
            if (!connection.rxOverflow && connection.rx.size() + len > limit) {
                connection.rxOverflow = true;
                std::string().swap(connection.rx);
                self.rooms_.onOversized(connection.id, "frames of this kind are at most " +
                                                           std::to_string(limit) + " bytes");
            }
            if (connection.rxOverflow) return 0;  // the rest of it is read and dropped until the close
            connection.rx.append(static_cast<const char*>(in), len);
            if (!lws_is_final_fragment(wsi)) return 0;
            const std::int64_t now = monotonicMicros();
            if (binary)
                self.rooms_.onBinary(connection.id,
                                     {reinterpret_cast<const std::uint8_t*>(connection.rx.data()), connection.rx.size()},
                                     now);
            else
                self.rooms_.onText(connection.id, connection.rx, now);
            return 0;
        }
        case LWS_CALLBACK_SERVER_WRITEABLE:
            if (!*slot) return -1;
            return of(wsi).connections_.onWriteable(**slot, monotonicMicros());
        case LWS_CALLBACK_CLOSED: {
            if (!*slot) return 0;
            RelayServer& self = of(wsi);
            const ConnectionId id = (*slot)->id;
            if (!(*slot)->closing) ++self.metrics_.disconnects["client_closed"];
            self.rooms_.onClose(id);
            self.connections_.remove(id);
            *slot = nullptr;
            return 0;
        }
        default:
            return 0;
    }
}

}  // namespace samspil::server
