// FileReader: the file system work an HTTP answer needs — opening a recording's file and
// reading it piece by piece — on a thread of its own ("sp-files"), so that a cold or slow
// disk never holds up the service thread, which relays every lesson's audio. Each answer
// comes back on the service thread through the inbox. Files are closed on the file thread
// too (release()).
#pragma once

#include "worker_thread.h"

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace samspil::server {

class ServiceInbox;

/// An open file; closed when the last holder lets go (hand it to release()).
class OpenFile {
public:
    explicit OpenFile(int fd) : fd_(fd) {}
    ~OpenFile();
    OpenFile(const OpenFile&) = delete;
    OpenFile& operator=(const OpenFile&) = delete;
    int fd() const { return fd_; }

private:
    int fd_;
};

class FileReader {
public:
    struct Opened {
        std::shared_ptr<OpenFile> file;
        std::uint64_t size = 0;
    };

    explicit FileReader(ServiceInbox& inbox) : inbox_(inbox) {}

    /// Service thread: opens `path` for reading; done(nullopt) when it cannot. done runs on
    /// the service thread.
    void open(std::string path, std::function<void(std::optional<Opened>)> done);
    /// Service thread: reads up to `length` bytes at `offset`; done(empty) at a read error
    /// or an unexpected end. done runs on the service thread.
    void read(std::shared_ptr<OpenFile> file, std::uint64_t offset, std::size_t length,
              std::function<void(std::vector<std::uint8_t>)> done);
    /// Any thread: the file is closed on the file thread once nobody else holds it.
    void release(std::shared_ptr<OpenFile> file);
    /// Service thread, at shutdown before the inbox lets go: reads under way are dropped.
    void stop() { thread_.stop(); }

private:
    ServiceInbox& inbox_;
    WorkerThread thread_{"sp-files"};
};

}  // namespace samspil::server
