#include "samspil/client_video/v4l2_camera.h"

#include "samspil/time/clock.h"

#include <libv4l2.h>
#include <libyuv.h>
#include <linux/videodev2.h>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
#include <sys/mman.h>

namespace samspil::client_video {
namespace {

int control(int fd, unsigned long request, void* argument) {
    int result;
    do {
        result = v4l2_ioctl(fd, request, argument);
    } while (result < 0 && errno == EINTR);
    return result;
}

}  // namespace

std::unique_ptr<V4l2Camera> V4l2Camera::open(const std::string& device, int width, int height, int framesPerSecond,
                                             std::string& error) {
    std::unique_ptr<V4l2Camera> camera(new V4l2Camera());
    camera->fd_ = v4l2_open(device.c_str(), O_RDWR | O_NONBLOCK | O_CLOEXEC);
    if (camera->fd_ < 0) {
        error = "cannot open the camera " + device + ": " + std::strerror(errno);
        return nullptr;
    }
    v4l2_capability capability{};
    if (control(camera->fd_, VIDIOC_QUERYCAP, &capability) < 0 ||
        !(capability.capabilities & V4L2_CAP_VIDEO_CAPTURE) || !(capability.capabilities & V4L2_CAP_STREAMING)) {
        error = device + " is not a camera that can stream";
        return nullptr;
    }
    camera->name_ = reinterpret_cast<const char*>(capability.card);

    v4l2_format format{};
    format.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
    format.fmt.pix.width = static_cast<std::uint32_t>(width);
    format.fmt.pix.height = static_cast<std::uint32_t>(height);
    format.fmt.pix.pixelformat = V4L2_PIX_FMT_YUYV;  // the one nearly every webcam has; others are converted too
    format.fmt.pix.field = V4L2_FIELD_ANY;
    if (control(camera->fd_, VIDIOC_S_FMT, &format) < 0) {
        error = "the camera " + device + " takes no picture format we asked for";
        return nullptr;
    }
    camera->width_ = static_cast<int>(format.fmt.pix.width);
    camera->height_ = static_cast<int>(format.fmt.pix.height);
    camera->fourcc_ = format.fmt.pix.pixelformat;

    v4l2_streamparm rate{};
    rate.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
    rate.parm.capture.timeperframe = {1, static_cast<std::uint32_t>(framesPerSecond)};
    if (control(camera->fd_, VIDIOC_S_PARM, &rate) == 0 && rate.parm.capture.timeperframe.numerator > 0)
        camera->framesPerSecond_ =
            static_cast<int>(rate.parm.capture.timeperframe.denominator / rate.parm.capture.timeperframe.numerator);
    else
        camera->framesPerSecond_ = framesPerSecond;

    v4l2_requestbuffers request{};
    request.count = 4;
    request.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
    request.memory = V4L2_MEMORY_MMAP;
    if (control(camera->fd_, VIDIOC_REQBUFS, &request) < 0 || request.count < 2) {
        error = "the camera " + device + " gives no memory-mapped buffers";
        return nullptr;
    }
    for (std::uint32_t i = 0; i < request.count; ++i) {
        v4l2_buffer buffer{};
        buffer.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
        buffer.memory = V4L2_MEMORY_MMAP;
        buffer.index = i;
        if (control(camera->fd_, VIDIOC_QUERYBUF, &buffer) < 0) {
            error = "the camera's buffers cannot be queried";
            return nullptr;
        }
        void* start = v4l2_mmap(nullptr, buffer.length, PROT_READ | PROT_WRITE, MAP_SHARED, camera->fd_, buffer.m.offset);
        if (start == MAP_FAILED) {
            error = "the camera's buffers cannot be mapped";
            return nullptr;
        }
        camera->buffers_.push_back({start, buffer.length});
        camera->monotonicStamps_ = (buffer.flags & V4L2_BUF_FLAG_TIMESTAMP_MASK) == V4L2_BUF_FLAG_TIMESTAMP_MONOTONIC;
        if (control(camera->fd_, VIDIOC_QBUF, &buffer) < 0) {
            error = "the camera's buffers cannot be queued";
            return nullptr;
        }
    }
    v4l2_buf_type type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
    if (control(camera->fd_, VIDIOC_STREAMON, &type) < 0) {
        error = "the camera " + device + " does not start";
        return nullptr;
    }
    return camera;
}

V4l2Camera::~V4l2Camera() {
    if (fd_ < 0) return;
    v4l2_buf_type type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
    control(fd_, VIDIOC_STREAMOFF, &type);
    for (const Buffer& buffer : buffers_) v4l2_munmap(buffer.start, buffer.length);
    v4l2_close(fd_);
}

std::optional<CapturedPicture> V4l2Camera::next(std::int64_t timeoutUs) {
    pollfd ready{fd_, POLLIN, 0};
    if (::poll(&ready, 1, static_cast<int>(timeoutUs / 1000)) <= 0) return std::nullopt;
    v4l2_buffer buffer{};
    buffer.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
    buffer.memory = V4L2_MEMORY_MMAP;
    if (control(fd_, VIDIOC_DQBUF, &buffer) < 0) return std::nullopt;
    CapturedPicture captured;
    // The driver's own stamp, when it is on our clock, is closer to the moment of exposure.
    captured.capturedLocalUs = monotonicStamps_ ? std::int64_t{buffer.timestamp.tv_sec} * 1'000'000 + buffer.timestamp.tv_usec
                                                : monotonicMicros();
    captured.picture = video::I420Image(width_, height_);
    video::I420Image& p = captured.picture;
    const int converted = libyuv::ConvertToI420(
        static_cast<const std::uint8_t*>(buffers_[buffer.index].start), buffer.bytesused, p.y(), p.strideY(), p.u(),
        p.strideUV(), p.v(), p.strideUV(), 0, 0, width_, height_, width_, height_, libyuv::kRotate0, fourcc_);
    control(fd_, VIDIOC_QBUF, &buffer);
    if (converted != 0) return std::nullopt;
    return captured;
}

}  // namespace samspil::client_video
