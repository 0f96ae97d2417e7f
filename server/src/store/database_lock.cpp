#include "store/database_lock.h"

#include <cerrno>
#include <cstring>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

namespace samspil::server {

Expected<DatabaseLock, std::string> DatabaseLock::take(const std::string& databasePath) {
    const int fd = ::open(databasePath.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0640);
    if (fd < 0) return Unexpected{"opening " + databasePath + ": " + std::strerror(errno)};
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
        const int error = errno;
        ::close(fd);
        if (error == EWOULDBLOCK)
            return Unexpected{databasePath + " is in use by a running samspil-server (stop it first)"};
        return Unexpected{"locking " + databasePath + ": " + std::strerror(error)};
    }
    return DatabaseLock(fd);
}

DatabaseLock::~DatabaseLock() {
    if (fd_ >= 0) ::close(fd_);  // releases the lock
}

}  // namespace samspil::server
