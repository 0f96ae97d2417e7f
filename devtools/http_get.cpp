#include "http_get.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace samspil::test {

HttpResponse httpGet(int port, const std::string& path) {
    return httpRequest(port, "GET", path);
}

HttpResponse httpRequest(int port, const std::string& method, const std::string& path, const std::string& body,
                         const std::string& bearerToken, const std::string& extraHeaderLines) {
    HttpResponse response;
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<std::uint16_t>(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    std::string request = method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n";
    if (!bearerToken.empty()) request += "Authorization: Bearer " + bearerToken + "\r\n";
    request += extraHeaderLines;
    if (!body.empty())
        request += "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
    request += "\r\n" + body;
    if (connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
        send(fd, request.data(), request.size(), MSG_NOSIGNAL) < 0) {
        close(fd);
        return response;
    }
    timeval timeout{5, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    std::string raw;
    char buffer[4096];
    for (ssize_t n; (n = recv(fd, buffer, sizeof buffer, 0)) > 0;) raw.append(buffer, static_cast<std::size_t>(n));
    close(fd);
    const auto headerEnd = raw.find("\r\n\r\n");
    if (raw.rfind("HTTP/1.1 ", 0) != 0 || headerEnd == std::string::npos) return response;
    response.status = std::stoi(raw.substr(9, 3));
    response.headers = raw.substr(0, headerEnd);
    response.body = raw.substr(headerEnd + 4);
    return response;
}

}  // namespace samspil::test
