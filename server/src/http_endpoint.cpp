// The plain-HTTP side of the one port: GET /healthz, GET /metrics, the JSON API under
// /api/v1/, the invite link's page /join/CODE, and the headers of the browser client's
// files (served by lws from the mount). Also receives the service thread's wake-ups.
// Service thread only.
#include "api/byte_range.h"
#include "files/file_reader.h"
#include "relay_server.h"
#include "server_options.h"
#include "upgrade_check.h"

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>


namespace samspil::server {

/// One HTTP request and, once it is ready, its answer. Owned through lws's per-session pointer.
struct HttpExchange {
    std::uint64_t id = 0;
    ApiRequest request;
    std::string body;
    bool bodyTooLarge = false;
    bool ready = false;
    unsigned status = HTTP_STATUS_OK;
    std::string contentType = "application/json";
    std::string answer;
    // A file answer (a recording's track): its bytes from fileOffset, after the headers. The
    // file thread reads each piece (FileReader) while the socket takes the one before.
    std::shared_ptr<OpenFile> file;
    std::uint64_t fileOffset = 0;     // of the next piece to read
    std::uint64_t fileRemaining = 0;  // bytes still to read
    std::vector<std::uint8_t> piece;  // read, waiting for the socket
    bool reading = false;             // a read is under way on the file thread
    bool fileFailed = false;          // the file shrank or vanished: end the connection
    std::string contentRange;  // for 206 and 416
    std::string downloadName;
    bool headersSent = false;

    HttpExchange() = default;
    HttpExchange(const HttpExchange&) = delete;
    HttpExchange& operator=(const HttpExchange&) = delete;
    bool isFile() const { return file != nullptr || fileFailed; }
};

namespace {

constexpr std::size_t kMaxApiBody = 64 * 1024;

// Headers of every page and file of the browser client: cross-origin isolation (the page
// shares a SharedArrayBuffer with its AudioWorklet) and a strict Content-Security-Policy.
constexpr std::pair<const char*, const char*> kPageHeaders[] = {
    {"cross-origin-opener-policy:", "same-origin"},
    {"cross-origin-embedder-policy:", "require-corp"},
    {"cross-origin-resource-policy:", "same-origin"},
    {"content-security-policy:",
     "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; media-src 'self' blob:; "
     "connect-src 'self' ws: wss:; worker-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; "
     "form-action 'self'"},
    {"x-content-type-options:", "nosniff"},
    {"referrer-policy:", "no-referrer"},
};

// The same headers as raw header lines (for lws_serve_http_file).
std::string pageHeaderLines() {
    std::string lines;
    for (const auto& [name, value] : kPageHeaders) lines += std::string(name) + " " + value + "\r\n";
    return lines;
}

std::string header(lws* wsi, lws_token_indexes token) {
    const int length = lws_hdr_total_length(wsi, token);
    if (length <= 0) return {};
    std::string value(static_cast<std::size_t>(length) + 1, '\0');
    lws_hdr_copy(wsi, value.data(), length + 1, token);
    value.resize(static_cast<std::size_t>(length));
    return value;
}

std::string customHeader(lws* wsi, const char* name) {
    const int nameLength = static_cast<int>(std::strlen(name));
    const int length = lws_hdr_custom_length(wsi, name, nameLength);
    if (length <= 0 || length > 256) return {};
    std::string value(static_cast<std::size_t>(length) + 1, '\0');
    if (lws_hdr_custom_copy(wsi, value.data(), length + 1, name, nameLength) < 0) return {};
    value.resize(static_cast<std::size_t>(length));
    return value;
}

// Behind a reverse proxy on this machine (docs/examples/nginx-samspil.conf) the proxy says
// whether the client came over TLS (so invite links say https://) and who the client is
// (so the sign-in limit counts each person's address, not the proxy's). Only a proxy on
// loopback is believed: anyone else could claim any address and dodge that limit.
void applyProxyHeaders(lws* wsi, ApiRequest& request) {
    std::string peer = request.clientAddress;
    if (peer.rfind("::ffff:", 0) == 0) peer = peer.substr(7);  // IPv4 on an IPv6 socket
    if (!isLoopbackAddress(peer)) return;
    if (customHeader(wsi, "x-forwarded-proto:") == "https") request.secure = true;
    const std::string forwardedFor = header(wsi, WSI_TOKEN_X_FORWARDED_FOR);
    // The proxy appends the address it saw: the last entry is the one it vouches for.
    const std::size_t comma = forwardedFor.rfind(',');
    std::string client = forwardedFor.substr(comma == std::string::npos ? 0 : comma + 1);
    client.erase(0, client.find_first_not_of(' '));
    client.erase(client.find_last_not_of(' ') + 1);
    if (!client.empty() && client.size() < 64) request.clientAddress = client;
}

std::string methodName(int method) {
    switch (method) {
        case LWSHUMETH_GET: return "GET";
        case LWSHUMETH_POST: return "POST";
        case LWSHUMETH_PUT: return "PUT";
        case LWSHUMETH_PATCH: return "PATCH";
        case LWSHUMETH_DELETE: return "DELETE";
        case LWSHUMETH_OPTIONS: return "OPTIONS";
        default: return "OTHER";
    }
}

std::vector<std::string> splitPath(std::string_view path) {
    std::vector<std::string> segments;
    while (!path.empty()) {
        const auto slash = path.find('/');
        const auto segment = path.substr(0, slash);
        if (!segment.empty()) segments.emplace_back(segment);
        if (slash == std::string_view::npos) break;
        path.remove_prefix(slash + 1);
    }
    return segments;
}

void readQuery(lws* wsi, std::map<std::string, std::string>& query) {
    char fragment[256];
    for (int n = 0; lws_hdr_copy_fragment(wsi, fragment, sizeof fragment, WSI_TOKEN_HTTP_URI_ARGS, n) > 0; ++n) {
        const std::string pair(fragment);
        const auto eq = pair.find('=');
        if (eq != std::string::npos) query[pair.substr(0, eq)] = pair.substr(eq + 1);
    }
}

// Writes status, headers and body in one go (lws buffers what the socket cannot take).
int writeAnswer(lws* wsi, HttpExchange& exchange) {
    std::vector<unsigned char> buffer(LWS_PRE + 1024 + exchange.answer.size());
    unsigned char* start = buffer.data() + LWS_PRE;
    unsigned char* p = start;
    unsigned char* end = buffer.data() + buffer.size() - 1;
    static const char kNoStore[] = "no-store";
    if (lws_add_http_common_headers(wsi, exchange.status, exchange.contentType.c_str(), exchange.answer.size(), &p, end) ||
        lws_add_http_header_by_token(wsi, WSI_TOKEN_HTTP_CACHE_CONTROL, reinterpret_cast<const unsigned char*>(kNoStore),
                                     sizeof kNoStore - 1, &p, end) ||
        lws_finalize_write_http_header(wsi, start, &p, end))
        return -1;
    if (!exchange.answer.empty()) {
        std::memcpy(start, exchange.answer.data(), exchange.answer.size());
        if (lws_write(wsi, start, exchange.answer.size(), LWS_WRITE_HTTP_FINAL) < 0) return -1;
    }
    return lws_http_transaction_completed(wsi) ? -1 : 0;
}

constexpr std::uint64_t kFilePiece = 64 * 1024;

int addHeader(lws* wsi, const char* name, const std::string& value, unsigned char** p, unsigned char* end) {
    return lws_add_http_header_by_name(wsi, reinterpret_cast<const unsigned char*>(name),
                                       reinterpret_cast<const unsigned char*>(value.data()), static_cast<int>(value.size()), p, end);
}

int writeFileHeaders(lws* wsi, HttpExchange& exchange, std::uint64_t length) {
    std::vector<unsigned char> buffer(LWS_PRE + 2048);
    unsigned char* start = buffer.data() + LWS_PRE;
    unsigned char* p = start;
    unsigned char* end = buffer.data() + buffer.size() - 1;
    if (lws_add_http_common_headers(wsi, exchange.status, exchange.contentType.c_str(), length, &p, end) ||
        addHeader(wsi, "accept-ranges:", "bytes", &p, end) ||
        addHeader(wsi, "cache-control:", "private, no-store", &p, end) ||
        addHeader(wsi, "x-content-type-options:", "nosniff", &p, end) ||
        (!exchange.contentRange.empty() && addHeader(wsi, "content-range:", exchange.contentRange, &p, end)) ||
        (!exchange.downloadName.empty() &&
         addHeader(wsi, "content-disposition:", "inline; filename=\"" + exchange.downloadName + "\"", &p, end)) ||
        lws_finalize_write_http_header(wsi, start, &p, end))
        return -1;
    return 0;
}

}  // namespace

// Service thread: the next piece of a file answer is read on the file thread; the socket is
// asked for when it is there.
void RelayServer::readFilePiece(HttpExchange& exchange) {
    if (exchange.reading || exchange.fileRemaining == 0 || !exchange.piece.empty()) return;
    exchange.reading = true;
    const auto length = static_cast<std::size_t>(std::min(exchange.fileRemaining, kFilePiece));
    files_.read(exchange.file, exchange.fileOffset, length, [this, id = exchange.id, length](std::vector<std::uint8_t> piece) {
        const auto it = httpExchanges_.find(id);
        if (it == httpExchanges_.end()) return;  // the client went away meanwhile
        auto* current = static_cast<HttpExchange*>(*static_cast<void**>(lws_wsi_user(it->second)));
        current->reading = false;
        if (piece.size() != length) current->fileFailed = true;  // the length was promised: end it
        current->fileOffset += piece.size();
        current->fileRemaining -= std::min<std::uint64_t>(current->fileRemaining, piece.size());
        current->piece = std::move(piece);
        lws_callback_on_writable(it->second);
    });
}

// Service thread: the headers, then each piece as the file thread delivers it, while the
// next one is being read. Returns -1 when lws should close the connection.
int RelayServer::writeFilePiece(lws* wsi, HttpExchange& exchange) {
    if (!exchange.headersSent) {
        const std::uint64_t length = exchange.fileRemaining;
        if (writeFileHeaders(wsi, exchange, length) < 0) return -1;
        exchange.headersSent = true;
        if (length == 0) {
            files_.release(std::move(exchange.file));
            return lws_http_transaction_completed(wsi) ? -1 : 0;
        }
        readFilePiece(exchange);
        return 0;
    }
    if (exchange.fileFailed) return -1;
    if (exchange.piece.empty()) return 0;  // still being read: its arrival asks for the socket again
    const std::vector<std::uint8_t> piece = std::move(exchange.piece);
    exchange.piece.clear();
    const bool last = exchange.fileRemaining == 0 && !exchange.reading;
    readFilePiece(exchange);  // the next one while this one goes out
    std::vector<unsigned char> buffer(LWS_PRE + piece.size());
    std::copy(piece.begin(), piece.end(), buffer.begin() + LWS_PRE);
    if (lws_write(wsi, buffer.data() + LWS_PRE, piece.size(), last ? LWS_WRITE_HTTP_FINAL : LWS_WRITE_HTTP) < 0) return -1;
    if (!last) return 0;
    files_.release(std::move(exchange.file));
    return lws_http_transaction_completed(wsi) ? -1 : 0;
}

void RelayServer::answerFile(std::uint64_t exchangeId, const FileAnswer& file, const std::string& range) {
    // Opened on the file thread: a cold disk may take its time; the relay does not wait.
    files_.open(file.path, [this, exchangeId, file, range](std::optional<FileReader::Opened> opened) {
        auto it = httpExchanges_.find(exchangeId);
        if (it == httpExchanges_.end()) {
            if (opened) files_.release(std::move(opened->file));
            return;
        }
        if (!opened) {
            const ApiResponse gone = apiError(404, protocol::ErrorCode::NotFound, "the file is gone");
            return answerHttp(exchangeId, 404, "application/json", gone.body.dump() + "\n");
        }
        auto* exchange = static_cast<HttpExchange*>(*static_cast<void**>(lws_wsi_user(it->second)));
        const std::uint64_t size = opened->size;
        const ByteRange part = parseByteRange(range, size);
        exchange->file = std::move(opened->file);
        exchange->contentType = file.contentType;
        exchange->downloadName = file.downloadName;
        switch (part.kind) {
            case ByteRange::Kind::Whole:
                exchange->status = HTTP_STATUS_OK;
                exchange->fileRemaining = size;
                break;
            case ByteRange::Kind::Part:
                exchange->status = HTTP_STATUS_PARTIAL_CONTENT;
                exchange->fileOffset = part.first;
                exchange->fileRemaining = part.last - part.first + 1;
                exchange->contentRange = "bytes " + std::to_string(part.first) + "-" + std::to_string(part.last) + "/" +
                                         std::to_string(size);
                break;
            case ByteRange::Kind::Unsatisfiable:
                exchange->status = HTTP_STATUS_REQ_RANGE_NOT_SATISFIABLE;
                exchange->contentRange = "bytes */" + std::to_string(size);
                break;
        }
        exchange->ready = true;
        lws_callback_on_writable(it->second);
    });
}

void RelayServer::answerHttp(std::uint64_t exchangeId, unsigned status, std::string contentType, std::string body) {
    auto it = httpExchanges_.find(exchangeId);
    if (it == httpExchanges_.end()) return;  // the client went away meanwhile
    auto* exchange = static_cast<HttpExchange*>(*static_cast<void**>(lws_wsi_user(it->second)));
    exchange->status = status;
    exchange->contentType = std::move(contentType);
    exchange->answer = std::move(body);
    exchange->ready = true;
    lws_callback_on_writable(it->second);
}

void RelayServer::dispatchApi(HttpExchange& exchange) {
    ApiRequest& request = exchange.request;
    if (exchange.bodyTooLarge) {
        const ApiResponse tooLarge = apiError(413, protocol::ErrorCode::MessageTooLarge, "at most 65536 bytes");
        return answerHttp(exchange.id, 413, "application/json", tooLarge.body.dump() + "\n");
    }
    if (!exchange.body.empty()) {
        request.body = nlohmann::json::parse(exchange.body, nullptr, false);
        if (request.body.is_discarded() || !request.body.is_object()) {
            request.body = nullptr;
            request.bodyMalformed = true;
        }
    }
    std::string range = request.range;  // taken before the request is moved away
    api_.handle(std::move(request), [this, id = exchange.id, range = std::move(range)](ApiResponse response) {
        if (response.file) return answerFile(id, *response.file, range);
        answerHttp(id, static_cast<unsigned>(response.status), "application/json; charset=utf-8",
                   response.body.is_null() ? std::string() : response.body.dump(-1, ' ', false,
                                                                               nlohmann::json::error_handler_t::replace) + "\n");
    });
}

int RelayServer::httpCallback(lws* wsi, lws_callback_reasons reason, void* user, void* in, std::size_t len) {
    auto** slot = static_cast<HttpExchange**>(user);
    switch (reason) {
        case LWS_CALLBACK_FILTER_NETWORK_CONNECTION:
            return (wsi && of(wsi).stopping_) ? 1 : 0;  // stop accepting while shutting down
        case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
            return 1;  // a WebSocket upgrade without the samspil.v1 subprotocol
        case LWS_CALLBACK_HTTP_CONFIRM_UPGRADE: {
            // A wrong path or subprotocol gets an HTTP status and a sentence, not a dropped
            // connection that a client cannot tell from a crashed server.
            if (!in || std::string_view(static_cast<const char*>(in)) != "websocket") return 0;
            const auto refusal = checkUpgrade(header(wsi, WSI_TOKEN_GET_URI), header(wsi, WSI_TOKEN_PROTOCOL));
            if (!refusal) return 0;
            if (lws_return_http_status(wsi, static_cast<unsigned>(refusal->status), refusal->sentence.c_str())) return -1;
            return 1;
        }
        case LWS_CALLBACK_EVENT_WAIT_CANCELLED:
            of(wsi).onServiceWake();
            return 0;
        case LWS_CALLBACK_ADD_HEADERS: {  // a file of the browser client is about to be sent
            auto* args = static_cast<lws_process_html_args*>(in);
            auto** position = reinterpret_cast<unsigned char**>(&args->p);
            auto* end = reinterpret_cast<unsigned char*>(args->p) + args->max_len;
            for (const auto& [name, value] : kPageHeaders)
                if (lws_add_http_header_by_name(wsi, reinterpret_cast<const unsigned char*>(name),
                                                reinterpret_cast<const unsigned char*>(value),
                                                static_cast<int>(std::strlen(value)), position, end))
                    return 1;
            return 0;
        }
        case LWS_CALLBACK_HTTP: {
            RelayServer& self = of(wsi);
            char* uriPointer = nullptr;
            int uriLength = 0;
            const int method = lws_http_get_uri_and_method(wsi, &uriPointer, &uriLength);
            const std::string uri = uriPointer ? std::string(uriPointer, static_cast<std::size_t>(uriLength)) : "";
            const bool invite = uri.rfind("/join/", 0) == 0;
            if ((invite || uri == "/favicon.ico") && !self.webDir_.empty()) {
                // An invite link: the page itself, which reads the code from its address. The
                // icon a browser asks for by name: the page's own.
                const std::string headers = pageHeaderLines();
                const int served = lws_serve_http_file(
                    wsi, (self.webDir_ + (invite ? "/index.html" : "/favicon.svg")).c_str(),
                    invite ? "text/html; charset=utf-8" : "image/svg+xml", headers.c_str(), static_cast<int>(headers.size()));
                if (served < 0 || (served > 0 && lws_http_transaction_completed(wsi))) return -1;
                return 0;
            }
            if (*slot) {  // a kept-alive connection's previous request
                self.httpExchanges_.erase((*slot)->id);
                self.files_.release(std::move((*slot)->file));
                delete *slot;
            }
            auto* exchange = new HttpExchange;
            exchange->id = self.nextExchangeId_++;
            *slot = exchange;
            self.httpExchanges_[exchange->id] = wsi;

            if (uri.rfind("/api/v1/", 0) == 0) {
                ApiRequest& request = exchange->request;
                request.method = methodName(method);
                request.path = splitPath(std::string_view(uri).substr(8));
                readQuery(wsi, request.query);
                const std::string authorization = header(wsi, WSI_TOKEN_HTTP_AUTHORIZATION);
                if (authorization.rfind("Bearer ", 0) == 0) request.bearerToken = authorization.substr(7);
                request.host = header(wsi, WSI_TOKEN_HOST);
                request.range = header(wsi, WSI_TOKEN_HTTP_RANGE);
                request.secure = lws_is_ssl(wsi) != 0;
                char address[64] = {};
                lws_get_peer_simple(wsi, address, sizeof address);
                request.clientAddress = address;
                applyProxyHeaders(wsi, request);
                // A body follows for requests that announce one; the API runs when it is complete.
                if (lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_CONTENT_LENGTH) > 0 && method != LWSHUMETH_GET) return 0;
                self.dispatchApi(*exchange);
                return 0;
            }
            if (uri == "/healthz")
                self.answerHttp(exchange->id, self.stopping_ ? HTTP_STATUS_SERVICE_UNAVAILABLE : HTTP_STATUS_OK,
                                "application/json", self.healthJson());
            else if (uri == "/metrics")
                self.answerHttp(exchange->id, HTTP_STATUS_OK, "text/plain; version=0.0.4; charset=utf-8",
                                self.metricsText());
            else
                self.answerHttp(exchange->id, HTTP_STATUS_NOT_FOUND, "text/plain; charset=utf-8", "not found\n");
            return 0;
        }
        case LWS_CALLBACK_HTTP_BODY:
            if (slot && *slot) {
                HttpExchange& exchange = **slot;
                if (exchange.body.size() + len > kMaxApiBody)
                    exchange.bodyTooLarge = true;
                else
                    exchange.body.append(static_cast<const char*>(in), len);
            }
            return 0;
        case LWS_CALLBACK_HTTP_BODY_COMPLETION:
            if (slot && *slot) of(wsi).dispatchApi(**slot);
            return 0;
        case LWS_CALLBACK_HTTP_WRITEABLE:
            if (!slot || !*slot || !(*slot)->ready) break;
            return (*slot)->isFile() ? of(wsi).writeFilePiece(wsi, **slot) : writeAnswer(wsi, **slot);
        case LWS_CALLBACK_CLOSED_HTTP:
        // A kept-alive connection idle in a proxy's pool (Caddy keeps them) when the server
        // stops gets no CLOSED_HTTP from lws 4.1, only this: its exchange is freed here then.
        case LWS_CALLBACK_HTTP_DROP_PROTOCOL:
            if (slot && *slot) {
                of(wsi).httpExchanges_.erase((*slot)->id);
                of(wsi).files_.release(std::move((*slot)->file));
                delete *slot;
                *slot = nullptr;
            }
            break;
        default:
            break;
    }
    return lws_callback_http_dummy(wsi, reason, user, in, len);
}

}  // namespace samspil::server
