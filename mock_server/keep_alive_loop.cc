#include "mock_server/keep_alive_loop.h"

#include <sys/epoll.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/thread_name.h"

namespace ixh::mock {
namespace {

constexpr int kMaxEvents = 256;
constexpr int kSweepMs = 250;

std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

KeepAliveLoop::KeepAliveLoop(std::chrono::milliseconds idle_timeout, Ready ready,
                             ToWorker to_worker)
    : idle_timeout_(idle_timeout), ready_(std::move(ready)), to_worker_(std::move(to_worker)) {}

KeepAliveLoop::~KeepAliveLoop() { stop(); }

bool KeepAliveLoop::start(std::string& error) {
  int err = 0;
  epoll_ = WakeableEpoll::open(err);
  if (err != 0) {
    error = std::string("keep-alive loop: ") + std::strerror(err);
    return false;
  }
  thread_ = std::thread([this] { run(); });
  return true;
}

void KeepAliveLoop::stop() {
  stopping_.store(true, std::memory_order_release);
  epoll_.wake();
  if (thread_.joinable()) thread_.join();
  std::lock_guard lock(inbox_mu_);
  closed_ = true;
  inbox_.clear();  // closes them
}

bool KeepAliveLoop::park(std::unique_ptr<ServedConnection>& conn) {
  std::lock_guard lock(inbox_mu_);
  if (closed_ || stopping_.load(std::memory_order_acquire)) return false;
  inbox_.push_back(std::move(conn));
  epoll_.wake();
  return true;
}

void KeepAliveLoop::run() {
  name_this_thread("ixh-keepalive");
  epoll_event events[kMaxEvents];
  std::int64_t next_sweep = now_ns() + std::int64_t{kSweepMs} * 1'000'000;
  while (!stopping_.load(std::memory_order_acquire)) {
    const int n = ::epoll_wait(epoll_.fd(), events, kMaxEvents, kSweepMs);
    if (n < 0 && errno != EINTR) break;
    for (int i = 0; i < n; ++i) {
      if (WakeableEpoll::is_wake(events[i])) {
        epoll_.drain();
        take_inbox();
      } else {
        on_event(events[i].data.fd, events[i].events);
      }
    }
    const std::int64_t now = now_ns();
    if (now >= next_sweep) {
      sweep(now);
      next_sweep = now + std::int64_t{kSweepMs} * 1'000'000;
    }
  }
  std::lock_guard lock(inbox_mu_);
  closed_ = true;
  inbox_.clear();
  for (auto& [fd, p] : conns_) ::epoll_ctl(epoll_.fd(), EPOLL_CTL_DEL, fd, nullptr);
  conns_.clear();  // closes them
  parked_.store(0, std::memory_order_relaxed);
}

void KeepAliveLoop::take_inbox() {
  std::vector<std::unique_ptr<ServedConnection>> batch;
  {
    std::lock_guard lock(inbox_mu_);
    batch.swap(inbox_);
  }
  const std::int64_t deadline = now_ns() + idle_timeout_.count() * 1'000'000;
  for (auto& conn : batch) {
    const int fd = conn->socket();
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLRDHUP;
    ev.data.fd = fd;
    if (::epoll_ctl(epoll_.fd(), EPOLL_CTL_ADD, fd, &ev) != 0) continue;  // conn closes here
    conns_[fd] = Parked{std::move(conn), deadline};
    parked_.fetch_add(1, std::memory_order_relaxed);
    // Bytes may have arrived before the registration; level-triggered epoll reports them.
  }
}

void KeepAliveLoop::drop(int fd) {
  ::epoll_ctl(epoll_.fd(), EPOLL_CTL_DEL, fd, nullptr);
  if (conns_.erase(fd) > 0) parked_.fetch_sub(1, std::memory_order_relaxed);
}

void KeepAliveLoop::on_event(int fd, std::uint32_t events) {
  const auto it = conns_.find(fd);
  if (it == conns_.end()) return;
  Parked& p = it->second;
  if ((events & EPOLLIN) == 0 && (events & (EPOLLERR | EPOLLHUP | EPOLLRDHUP)) != 0) {
    drop(fd);
    return;
  }
  switch (ready_(*p.conn)) {
    case Verdict::kKeep:
      p.deadline_ns = now_ns() + idle_timeout_.count() * 1'000'000;
      return;
    case Verdict::kClose:
      drop(fd);
      return;
    case Verdict::kToWorker: {
      ::epoll_ctl(epoll_.fd(), EPOLL_CTL_DEL, fd, nullptr);
      std::unique_ptr<ServedConnection> conn = std::move(p.conn);
      conns_.erase(it);
      parked_.fetch_sub(1, std::memory_order_relaxed);
      to_worker_(std::move(conn));
      return;
    }
    case Verdict::kHandOver: {
      ::epoll_ctl(epoll_.fd(), EPOLL_CTL_DEL, fd, nullptr);
      std::unique_ptr<ServedConnection> conn = std::move(p.conn);
      conns_.erase(it);
      parked_.fetch_sub(1, std::memory_order_relaxed);
      conn->complete_hand_over();
      return;
    }
  }
}

void KeepAliveLoop::sweep(std::int64_t now) {
  std::vector<int> expired;
  for (const auto& [fd, p] : conns_) {
    if (p.deadline_ns <= now) expired.push_back(fd);
  }
  for (int fd : expired) drop(fd);
}

}  // namespace ixh::mock
