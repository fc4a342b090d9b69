#pragma once

#include <sys/epoll.h>

#include <cstdint>
#include <limits>

namespace ixh {

// An epoll set with an eventfd registered in it, so that any thread can end the loop thread's
// epoll_wait: each single-thread event loop owns one, the mock's (KeepAliveLoop, StreamWriter)
// and the driver's (harness/engine.h). The loop registers its sockets on fd() and waits on it;
// other threads hand the loop work (an inbox, a stop flag) and then call wake(); the loop,
// seeing is_wake() on an event, calls drain() before it looks at what they published. A wake()
// after drain() leaves the eventfd readable, so the next epoll_wait returns at once: no wake-up is
// lost, several wakes before a drain coalesce into one event.
//
// Move-only; a default-constructed or moved-from object holds no descriptors (fd() is -1 and
// wake() does nothing). Both descriptors are closed when the object is destroyed or assigned.
class WakeableEpoll {
 public:
  // The epoll data of the wake-up event. A loop must never register a socket under it; a socket
  // registered by `data.fd` (value-initialised epoll_event: upper half zero) never is.
  static constexpr std::uint64_t kWakeTag = std::numeric_limits<std::uint64_t>::max();

  WakeableEpoll() = default;
  ~WakeableEpoll();
  WakeableEpoll(WakeableEpoll&& other) noexcept;
  WakeableEpoll& operator=(WakeableEpoll&& other) noexcept;
  WakeableEpoll(const WakeableEpoll&) = delete;
  WakeableEpoll& operator=(const WakeableEpoll&) = delete;

  // Creates the epoll set and the eventfd (both close-on-exec; the eventfd non-blocking) and
  // registers the eventfd for EPOLLIN under kWakeTag. On failure returns an empty object, with
  // `error` set to the errno of the call that failed and nothing left open; otherwise `error` is
  // 0. The loop's owner calls it from start(), before the loop thread exists and before any
  // thread can call wake().
  static WakeableEpoll open(int& error) noexcept;

  // The epoll descriptor, -1 when empty. The loop thread registers its sockets on it
  // (epoll_ctl) and waits on it (epoll_wait); nobody else uses it.
  int fd() const { return epoll_fd_; }

  // Makes the loop's current or next epoll_wait return with the wake-up event. Any thread, any
  // time while the object lives (the owner stops and joins the loop thread before destroying
  // it). Never fails observably (a full counter already means "wake up"), never throws, keeps
  // errno, and is async-signal-safe: a single write(2). Does nothing when empty.
  void wake() const noexcept;

  // Whether `ev`, returned by epoll_wait on fd(), is the wake-up event rather than a socket's.
  // Loop thread.
  static bool is_wake(const epoll_event& ev) noexcept { return ev.data.u64 == kWakeTag; }

  // Resets the eventfd so that epoll_wait stops reporting the wake-up. The loop thread calls it
  // on each wake-up event, before it reads whatever the wakers published (its inbox, its
  // stopping flag): a wake() racing with that read then re-arms the event instead of being lost.
  void drain() const noexcept;

 private:
  WakeableEpoll(int epoll_fd, int event_fd) : epoll_fd_(epoll_fd), event_fd_(event_fd) {}
  void close_all() noexcept;

  int epoll_fd_ = -1;
  int event_fd_ = -1;
};

}  // namespace ixh
