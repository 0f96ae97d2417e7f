#include "files/file_reader.h"

#include "service_inbox.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace samspil::server {

OpenFile::~OpenFile() {
    if (fd_ >= 0) ::close(fd_);
}

void FileReader::open(std::string path, std::function<void(std::optional<Opened>)> done) {
    const bool queued = thread_.post([this, path = std::move(path), done]() mutable {
        std::optional<Opened> opened;
        const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
        struct stat info {};
        if (fd >= 0 && ::fstat(fd, &info) == 0 && S_ISREG(info.st_mode))
            opened = Opened{std::make_shared<OpenFile>(fd), static_cast<std::uint64_t>(info.st_size)};
        else if (fd >= 0)
            ::close(fd);
        inbox_.post([done = std::move(done), opened = std::move(opened)]() mutable { done(std::move(opened)); });
    });
    if (!queued) done(std::nullopt);  // the reader is stopping (or far behind): the answer is an error
}

void FileReader::read(std::shared_ptr<OpenFile> file, std::uint64_t offset, std::size_t length,
                      std::function<void(std::vector<std::uint8_t>)> done) {
    const bool queued = thread_.post([this, file = std::move(file), offset, length, done]() mutable {
        std::vector<std::uint8_t> piece(length);
        const ssize_t got = ::pread(file->fd(), piece.data(), length, static_cast<off_t>(offset));
        piece.resize(got > 0 ? static_cast<std::size_t>(got) : 0);
        file.reset();  // closed here if the answer was abandoned meanwhile
        inbox_.post([done = std::move(done), piece = std::move(piece)]() mutable { done(std::move(piece)); });
    });
    if (!queued) done({});
}

void FileReader::release(std::shared_ptr<OpenFile> file) {
    if (!file) return;
    thread_.post([file = std::move(file)]() mutable { file.reset(); });
}

}  // namespace samspil::server
