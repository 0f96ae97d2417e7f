#include "samspil/net/http_client.h"

#include "samspil/time/clock.h"
#include "samspil/protocol/server_url.h"
#include "quiet_logging.h"

#include <libwebsockets.h>
#include <nlohmann/json.hpp>

#include <cstring>

namespace samspil::net {
namespace {

// One request's state, reached from lws callbacks through the context user pointer.
struct Exchange {
    std::string method;
    std::string body;
    std::optional<std::string> bearer;
    HttpResult result;
    std::string error;
    bool done = false;
    bool bodySent = false;
};

int callback(lws* wsi, lws_callback_reasons reason, void*, void* in, std::size_t len) {
    auto* exchange = static_cast<Exchange*>(lws_context_user(lws_get_context(wsi)));
    if (!exchange) return 0;
    switch (reason) {
        case LWS_CALLBACK_CLIENT_APPEND_HANDSHAKE_HEADER: {
            auto** p = static_cast<unsigned char**>(in);
            unsigned char* end = *p + len;
            if (exchange->bearer) {
                const std::string value = "Bearer " + *exchange->bearer;
                if (lws_add_http_header_by_token(wsi, WSI_TOKEN_HTTP_AUTHORIZATION,
                                                 reinterpret_cast<const unsigned char*>(value.data()),
                                                 static_cast<int>(value.size()), p, end))
                    return -1;
            }
            if (!exchange->body.empty()) {
                static const char kType[] = "application/json";
                const std::string length = std::to_string(exchange->body.size());
                if (lws_add_http_header_by_token(wsi, WSI_TOKEN_HTTP_CONTENT_TYPE,
                                                 reinterpret_cast<const unsigned char*>(kType), sizeof kType - 1, p, end) ||
                    lws_add_http_header_by_token(wsi, WSI_TOKEN_HTTP_CONTENT_LENGTH,
                                                 reinterpret_cast<const unsigned char*>(length.data()),
                                                 static_cast<int>(length.size()), p, end))
                    return -1;
                lws_client_http_body_pending(wsi, 1);
                lws_callback_on_writable(wsi);
            }
            return 0;
        }
        case LWS_CALLBACK_CLIENT_HTTP_WRITEABLE: {
            if (exchange->bodySent || exchange->body.empty()) return 0;
            std::vector<unsigned char> buffer(LWS_PRE + exchange->body.size());
            std::memcpy(buffer.data() + LWS_PRE, exchange->body.data(), exchange->body.size());
            exchange->bodySent = true;
            lws_client_http_body_pending(wsi, 0);
            return lws_write(wsi, buffer.data() + LWS_PRE, exchange->body.size(), LWS_WRITE_HTTP_FINAL) < 0 ? -1 : 0;
        }
        case LWS_CALLBACK_ESTABLISHED_CLIENT_HTTP:
            exchange->result.status = static_cast<int>(lws_http_client_http_response(wsi));
            return 0;
        case LWS_CALLBACK_RECEIVE_CLIENT_HTTP_READ:
            exchange->result.body.append(static_cast<const char*>(in), len);
            return 0;
        case LWS_CALLBACK_RECEIVE_CLIENT_HTTP: {
            char buffer[LWS_PRE + 4096];
            char* p = buffer + LWS_PRE;
            int length = sizeof buffer - LWS_PRE;
            return lws_http_client_read(wsi, &p, &length) < 0 ? -1 : 0;
        }
        case LWS_CALLBACK_COMPLETED_CLIENT_HTTP:
        case LWS_CALLBACK_CLOSED_CLIENT_HTTP:
            exchange->done = true;
            return 0;
        case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
            exchange->error = in ? static_cast<const char*>(in) : "connection failed";
            exchange->done = true;
            return 0;
        default:
            return lws_callback_http_dummy(wsi, reason, nullptr, in, len);
    }
}

}  // namespace

Expected<HttpResult, std::string> httpRequest(const std::string& serverUrl, const std::string& method,
                                              const std::string& path, const std::string& jsonBody,
                                              const HttpOptions& options) {
    auto url = parseServerUrl(serverUrl);
    if (!url) return Unexpected{url.error()};
    Exchange exchange{method, jsonBody, options.bearerToken, {}, {}, false, false};
    quietLibwebsocketsLogging();

    lws_protocols protocols[] = {{"samspil-http-client", &callback, 0, 0, 0, nullptr, 0},
                                 {nullptr, nullptr, 0, 0, 0, nullptr, 0}};
    lws_context_creation_info info{};
    info.port = CONTEXT_PORT_NO_LISTEN;
    info.protocols = protocols;
    info.user = &exchange;
    info.fd_limit_per_thread = 4;
    info.options = LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
    if (!options.caFile.empty()) info.client_ssl_ca_filepath = options.caFile.c_str();
    lws_context* context = lws_create_context(&info);
    if (!context) return Unexpected{std::string("could not create the network context")};

    lws_client_connect_info connect{};
    connect.context = context;
    connect.address = url->host.c_str();
    connect.port = url->port;
    connect.path = path.c_str();
    const std::string host = url->hostHeader();
    connect.host = host.c_str();
    connect.origin = host.c_str();
    connect.method = exchange.method.c_str();
    connect.protocol = protocols[0].name;
    if (url->secure) {
        connect.ssl_connection = LCCSCF_USE_SSL;
        if (options.allowSelfSignedTls)
            connect.ssl_connection |= LCCSCF_ALLOW_SELFSIGNED | LCCSCF_SKIP_SERVER_CERT_HOSTNAME_CHECK;
    }
    if (!lws_client_connect_via_info(&connect)) {
        exchange.done = true;
        exchange.error = "could not start connecting";
    }

    const std::int64_t deadline = monotonicMicros() + std::int64_t{options.timeoutMs} * 1000;
    while (!exchange.done && monotonicMicros() < deadline)
        if (lws_service(context, 50) < 0) break;
    lws_context_destroy(context);
    if (!exchange.error.empty()) return Unexpected{"cannot reach the server: " + exchange.error};
    if (exchange.result.status == 0) return Unexpected{std::string("no answer from the server")};
    return exchange.result;
}

Expected<std::string, std::string> signIn(const std::string& serverUrl, const std::string& login,
                                          const std::string& password, const HttpOptions& options) {
    const nlohmann::json body{{"login", login}, {"password", password}};
    auto result = httpRequest(serverUrl, "POST", "/api/v1/sign-in", body.dump(), options);
    if (!result) return Unexpected{result.error()};
    const auto answer = nlohmann::json::parse(result->body, nullptr, false);
    if (result->status == 200 && answer.is_object() && answer.contains("token") && answer["token"].is_string())
        return answer["token"].get<std::string>();
    if (answer.is_object() && answer.contains("error") && answer["error"].is_object())
        return Unexpected{answer["error"].value("message", std::string("sign-in failed"))};
    return Unexpected{"sign-in failed (HTTP " + std::to_string(result->status) + ")"};
}

}  // namespace samspil::net
