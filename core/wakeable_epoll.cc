#include "core/wakeable_epoll.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <utility>

namespace ixh {

WakeableEpoll::~WakeableEpoll() { close_all(); }

WakeableEpoll::WakeableEpoll(WakeableEpoll&& other) noexcept
    : epoll_fd_(std::exchange(other.epoll_fd_, -1)),
      event_fd_(std::exchange(other.event_fd_, -1)) {}

WakeableEpoll& WakeableEpoll::operator=(WakeableEpoll&& other) noexcept {
  if (this != &other) {
    close_all();
    epoll_fd_ = std::exchange(other.epoll_fd_, -1);
    event_fd_ = std::exchange(other.event_fd_, -1);
  }
  return *this;
}

WakeableEpoll WakeableEpoll::open(int& error) noexcept {
  error = 0;
  const int epoll_fd = ::epoll_create1(EPOLL_CLOEXEC);
  if (epoll_fd < 0) {
    error = errno;
    return {};
  }
  // Owned from here on: an early return closes what was opened.
  WakeableEpoll w(epoll_fd, -1);
  w.event_fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (w.event_fd_ < 0) {
    error = errno;
    return {};
  }
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u64 = kWakeTag;
  if (::epoll_ctl(w.epoll_fd_, EPOLL_CTL_ADD, w.event_fd_, &ev) != 0) {
    error = errno;
    return {};
  }
  return w;
}

void WakeableEpoll::wake() const noexcept {
  if (event_fd_ < 0) return;
  const int saved_errno = errno;
  const std::uint64_t one = 1;
  // Fails only with EAGAIN, when the counter is full: the loop has a wake-up pending already.
  [[maybe_unused]] const ssize_t n = ::write(event_fd_, &one, sizeof one);
  errno = saved_errno;
}

void WakeableEpoll::drain() const noexcept {
  if (event_fd_ < 0) return;
  // One read resets the counter, however many wakes it holds; EAGAIN means nothing was pending.
  std::uint64_t count = 0;
  [[maybe_unused]] const ssize_t n = ::read(event_fd_, &count, sizeof count);
}

void WakeableEpoll::close_all() noexcept {
  if (event_fd_ >= 0) ::close(std::exchange(event_fd_, -1));
  if (epoll_fd_ >= 0) ::close(std::exchange(epoll_fd_, -1));
}

}  // namespace ixh
