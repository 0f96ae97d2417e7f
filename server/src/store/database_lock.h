// DatabaseLock: one samspil-server per database file. The server holds an exclusive
// flock(2) on the file while it runs (SQLite's own locks are fcntl locks, which this does
// not touch), so a second server, or `admin restore` onto a running one, is told so
// instead of corrupting it. Admin commands that only add rows do not take it.
#pragma once

#include "samspil/base/expected.h"

#include <string>

namespace samspil::server {

class DatabaseLock {
public:
    /// Takes the lock (the file is created if missing), or says who holds it.
    [[nodiscard]] static Expected<DatabaseLock, std::string> take(const std::string& databasePath);
    DatabaseLock(DatabaseLock&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
    DatabaseLock& operator=(DatabaseLock&&) = delete;
    DatabaseLock(const DatabaseLock&) = delete;
    ~DatabaseLock();

private:
    explicit DatabaseLock(int fd) : fd_(fd) {}
    int fd_ = -1;
};

}  // namespace samspil::server
