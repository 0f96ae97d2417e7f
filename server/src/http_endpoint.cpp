// The plain-HTTP side of the one port: GET /healthz and GET /metrics (static files are
// served by lws from the mount). Also receives the service thread's wake-ups.
// Service thread only.
#include "relay_server.h"

#include <cstring>
#include <string>
#include <vector>

namespace samspil::server {
namespace {

// Writes status line and headers; the body follows on HTTP_WRITEABLE.
bool writeHeaders(lws* wsi, unsigned int status, const char* contentType, std::size_t length) {
    unsigned char buffer[LWS_PRE + 512];
    unsigned char* start = buffer + LWS_PRE;
    unsigned char* p = start;
    unsigned char* end = buffer + sizeof buffer - 1;
    if (lws_add_http_common_headers(wsi, status, contentType, length, &p, end)) return false;
    static const char kNoStore[] = "no-store";
    if (lws_add_http_header_by_token(wsi, WSI_TOKEN_HTTP_CACHE_CONTROL, reinterpret_cast<const unsigned char*>(kNoStore),
                                     sizeof kNoStore - 1, &p, end))
        return false;
    return lws_finalize_write_http_header(wsi, start, &p, end) == 0;
}

}  // namespace

int RelayServer::httpCallback(lws* wsi, lws_callback_reasons reason, void* user, void* in, std::size_t len) {
    auto** pendingBody = static_cast<std::string**>(user);
    switch (reason) {
        case LWS_CALLBACK_FILTER_NETWORK_CONNECTION:
            return (wsi && of(wsi).stopping_) ? 1 : 0;  // stop accepting while shutting down
        case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
            return 1;  // a WebSocket upgrade without the samspil.v1 subprotocol
        case LWS_CALLBACK_EVENT_WAIT_CANCELLED:
            of(wsi).onServiceWake();
            return 0;
        case LWS_CALLBACK_HTTP: {
            RelayServer& self = of(wsi);
            char uri[128] = {};
            lws_hdr_copy(wsi, uri, sizeof uri, WSI_TOKEN_GET_URI);
            unsigned int status = HTTP_STATUS_OK;
            const char* type = "application/json";
            std::string body;
            if (std::strcmp(uri, "/healthz") == 0) {
                body = self.healthJson();
                if (self.stopping_) status = HTTP_STATUS_SERVICE_UNAVAILABLE;
            } else if (std::strcmp(uri, "/metrics") == 0) {
                body = self.metricsText();
                type = "text/plain; version=0.0.4; charset=utf-8";
            } else {
                status = HTTP_STATUS_NOT_FOUND;
                type = "text/plain; charset=utf-8";
                body = "not found\n";
            }
            if (!writeHeaders(wsi, status, type, body.size())) return 1;
            *pendingBody = new std::string(std::move(body));
            lws_callback_on_writable(wsi);
            return 0;
        }
        case LWS_CALLBACK_HTTP_WRITEABLE: {
            if (!pendingBody || !*pendingBody) break;
            std::string* body = *pendingBody;
            *pendingBody = nullptr;
            std::vector<unsigned char> buffer(LWS_PRE + body->size());
            std::memcpy(buffer.data() + LWS_PRE, body->data(), body->size());
            const int written = lws_write(wsi, buffer.data() + LWS_PRE, body->size(), LWS_WRITE_HTTP_FINAL);
            delete body;
            if (written < 0) return -1;
            return lws_http_transaction_completed(wsi) ? -1 : 0;
        }
        case LWS_CALLBACK_CLOSED_HTTP:
            if (pendingBody && *pendingBody) {
                delete *pendingBody;
                *pendingBody = nullptr;
            }
            break;
        default:
            break;
    }
    return lws_callback_http_dummy(wsi, reason, user, in, len);
}

}  // namespace samspil::server
