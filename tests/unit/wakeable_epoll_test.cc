#include "core/wakeable_epoll.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include "core/clock.h"
#include "mock_server/journal.h"
#include "mock_server/keep_alive_loop.h"
#include "mock_server/mock_clock.h"
#include "mock_server/stream_writer.h"

namespace ixh::mock {
namespace {

// Only a deadline: a wait that should end at once fails the test if it takes this long.
constexpr int kDeadlineMs = 10'000;

// Open descriptors of this process whose /proc link names `kind` ("[eventfd]", "[eventpoll]").
int count_open(const std::string& kind) {
  int n = 0;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/proc/self/fd", ec)) {
    const std::string target = std::filesystem::read_symlink(entry.path(), ec).string();
    if (!ec && target.find(kind) != std::string::npos) ++n;
  }
  return n;
}

bool is_closed(int fd) { return ::fcntl(fd, F_GETFD) == -1 && errno == EBADF; }

WakeableEpoll open_or_fail() {
  int err = -1;
  WakeableEpoll w = WakeableEpoll::open(err);
  EXPECT_EQ(err, 0);
  EXPECT_GE(w.fd(), 0);
  return w;
}

// Waits up to `timeout_ms` and returns what epoll_wait reported.
std::vector<epoll_event> wait_events(const WakeableEpoll& w, int timeout_ms) {
  std::vector<epoll_event> events(8);
  int n;
  do {
    n = ::epoll_wait(w.fd(), events.data(), static_cast<int>(events.size()), timeout_ms);
  } while (n < 0 && errno == EINTR);
  events.resize(static_cast<std::size_t>(std::max(n, 0)));
  return events;
}

struct SocketPair {
  int fd[2] = {-1, -1};
  SocketPair() { EXPECT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fd), 0); }
  ~SocketPair() {
    for (int f : fd) {
      if (f >= 0) ::close(f);
    }
  }
};

// Lowers the soft open-file limit so that only `spare` more descriptors can be opened (the
// lowest free descriptor numbers must stay below the limit), and restores it on destruction.
class FdLimit {
 public:
  explicit FdLimit(int spare) {
    EXPECT_EQ(::getrlimit(RLIMIT_NOFILE, &saved_), 0);
    const int lowest_free = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    EXPECT_GE(lowest_free, 0);
    ::close(lowest_free);
    rlimit lowered = saved_;
    lowered.rlim_cur = static_cast<rlim_t>(lowest_free + spare);
    set_ = ::setrlimit(RLIMIT_NOFILE, &lowered) == 0;
    EXPECT_TRUE(set_);
  }
  ~FdLimit() {
    if (set_) ::setrlimit(RLIMIT_NOFILE, &saved_);
  }
  FdLimit(const FdLimit&) = delete;
  FdLimit& operator=(const FdLimit&) = delete;

 private:
  rlimit saved_{};
  bool set_ = false;
};

TEST(WakeableEpollTest, OpenFailureReportsTheErrnoAndLeavesNothingOpen) {
  const int epolls = count_open("[eventpoll]");
  const int eventfds = count_open("[eventfd]");
  // spare 0: epoll_create1 fails; spare 1: it succeeds and eventfd fails, so the epoll
  // descriptor must be closed again.
  for (int spare = 0; spare < 2; ++spare) {
    int err = 0;
    WakeableEpoll w;
    {
      FdLimit limit(spare);
      w = WakeableEpoll::open(err);
    }
    EXPECT_EQ(err, EMFILE) << "spare " << spare;
    EXPECT_EQ(w.fd(), -1) << "spare " << spare;
    w.wake();  // an empty object after a failed open: does nothing
    EXPECT_EQ(count_open("[eventpoll]"), epolls) << "spare " << spare;
    EXPECT_EQ(count_open("[eventfd]"), eventfds) << "spare " << spare;
  }
}

// The loops report a failed open as they always have: their name, then strerror(errno).
TEST(WakeableEpollTest, LoopsReportAFailedOpenWithTheirName) {
  const std::string reason = std::strerror(EMFILE);
  {
    KeepAliveLoop loop(
        std::chrono::milliseconds(1000),
        [](ServedConnection&) { return KeepAliveLoop::Verdict::kClose; },
        [](std::unique_ptr<ServedConnection>) {});
    std::string error;
    bool started;
    {
      FdLimit limit(1);
      started = loop.start(error);
    }
    EXPECT_FALSE(started);
    EXPECT_EQ(error, "keep-alive loop: " + reason);
    std::unique_ptr<ServedConnection> none;
    loop.stop();
    EXPECT_FALSE(loop.park(none));
  }
  {
    SteadyClock real;
    MockClock clock(real, MockClock::Mode::kManual, 1.0);
    Journal journal(16);
    StreamWriter writer(clock, real, journal, StreamWriter::Options{});
    std::string error;
    bool started;
    {
      FdLimit limit(0);
      started = writer.start(error);
    }
    EXPECT_FALSE(started);
    EXPECT_EQ(error, "stream writer: " + reason);
    writer.wake();  // the manual clock may still call it: does nothing
    writer.stop();
  }
}

TEST(WakeableEpollTest, OpensBothDescriptorsAndClosesThemOnDestruction) {
  const int epolls = count_open("[eventpoll]");
  const int eventfds = count_open("[eventfd]");
  int epoll_fd = -1;
  {
    WakeableEpoll w = open_or_fail();
    epoll_fd = w.fd();
    EXPECT_EQ(count_open("[eventpoll]"), epolls + 1);
    EXPECT_EQ(count_open("[eventfd]"), eventfds + 1);
    EXPECT_EQ(::fcntl(epoll_fd, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
  }
  EXPECT_TRUE(is_closed(epoll_fd));
  EXPECT_EQ(count_open("[eventpoll]"), epolls);
  EXPECT_EQ(count_open("[eventfd]"), eventfds);
}

TEST(WakeableEpollTest, StartsWithNothingPending) {
  WakeableEpoll w = open_or_fail();
  EXPECT_TRUE(wait_events(w, 0).empty());
}

TEST(WakeableEpollTest, WakeFromAnotherThreadEndsAWait) {
  WakeableEpoll w = open_or_fail();
  std::thread waker([&w] {
    // Most likely the main thread is inside epoll_wait by now; either way the wake must count.
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    w.wake();
  });
  const std::vector<epoll_event> events = wait_events(w, kDeadlineMs);
  waker.join();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_TRUE(WakeableEpoll::is_wake(events[0]));
  EXPECT_NE(events[0].events & EPOLLIN, 0u);
}

TEST(WakeableEpollTest, WakesCoalesceIntoOneEventAndDrainClearsIt) {
  WakeableEpoll w = open_or_fail();
  for (int i = 0; i < 5; ++i) w.wake();
  std::vector<epoll_event> events = wait_events(w, kDeadlineMs);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_TRUE(WakeableEpoll::is_wake(events[0]));
  // Level-triggered: until drained, the wake-up is reported again.
  events = wait_events(w, 0);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_TRUE(WakeableEpoll::is_wake(events[0]));
  w.drain();
  EXPECT_TRUE(wait_events(w, 0).empty());
  w.drain();  // nothing pending: a no-op, not a block
  EXPECT_TRUE(wait_events(w, 0).empty());
}

TEST(WakeableEpollTest, WakeAfterDrainIsReportedAgain) {
  WakeableEpoll w = open_or_fail();
  for (int round = 0; round < 3; ++round) {
    w.wake();
    const std::vector<epoll_event> events = wait_events(w, kDeadlineMs);
    ASSERT_EQ(events.size(), 1u) << "round " << round;
    EXPECT_TRUE(WakeableEpoll::is_wake(events[0]));
    w.drain();
    EXPECT_TRUE(wait_events(w, 0).empty());
  }
}

TEST(WakeableEpollTest, TellsTheWakeEventFromSocketEvents) {
  WakeableEpoll w = open_or_fail();
  // One socket registered by descriptor, one by a slot/generation tag: the two ways the loops do.
  SocketPair by_fd, by_tag;
  const std::uint64_t tag = (std::uint64_t{0xffff'fffe} << 32) | 3;
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.fd = by_fd.fd[0];
  ASSERT_EQ(::epoll_ctl(w.fd(), EPOLL_CTL_ADD, by_fd.fd[0], &ev), 0);
  ev = epoll_event{};
  ev.events = EPOLLIN;
  ev.data.u64 = tag;
  ASSERT_EQ(::epoll_ctl(w.fd(), EPOLL_CTL_ADD, by_tag.fd[0], &ev), 0);
  ASSERT_EQ(::write(by_fd.fd[1], "x", 1), 1);
  ASSERT_EQ(::write(by_tag.fd[1], "y", 1), 1);

  std::vector<epoll_event> events = wait_events(w, kDeadlineMs);
  ASSERT_EQ(events.size(), 2u);
  for (const epoll_event& e : events) EXPECT_FALSE(WakeableEpoll::is_wake(e));

  w.wake();
  events = wait_events(w, kDeadlineMs);
  ASSERT_EQ(events.size(), 3u);
  int wakes = 0, fd_events = 0, tag_events = 0;
  for (const epoll_event& e : events) {
    if (WakeableEpoll::is_wake(e)) {
      ++wakes;
    } else if (e.data.u64 == tag) {
      ++tag_events;
    } else if (e.data.fd == by_fd.fd[0]) {
      ++fd_events;
    }
  }
  EXPECT_EQ(wakes, 1);
  EXPECT_EQ(fd_events, 1);
  EXPECT_EQ(tag_events, 1);

  // Draining the wake-up leaves the sockets' readiness alone.
  w.drain();
  events = wait_events(w, 0);
  ASSERT_EQ(events.size(), 2u);
  for (const epoll_event& e : events) EXPECT_FALSE(WakeableEpoll::is_wake(e));
}

TEST(WakeableEpollTest, MoveConstructionTransfersTheDescriptors) {
  const int epolls = count_open("[eventpoll]");
  const int eventfds = count_open("[eventfd]");
  {
    WakeableEpoll a = open_or_fail();
    const int epoll_fd = a.fd();
    WakeableEpoll b(std::move(a));
    EXPECT_EQ(a.fd(), -1);  // a moved-from object is empty
    EXPECT_EQ(b.fd(), epoll_fd);
    EXPECT_EQ(count_open("[eventpoll]"), epolls + 1);
    EXPECT_EQ(count_open("[eventfd]"), eventfds + 1);

    a.wake();  // empty: does nothing
    a.drain();
    EXPECT_TRUE(wait_events(b, 0).empty());
    b.wake();
    const std::vector<epoll_event> events = wait_events(b, kDeadlineMs);
    ASSERT_EQ(events.size(), 1u);
    EXPECT_TRUE(WakeableEpoll::is_wake(events[0]));
  }
  EXPECT_EQ(count_open("[eventpoll]"), epolls);
  EXPECT_EQ(count_open("[eventfd]"), eventfds);
}

TEST(WakeableEpollTest, MoveAssignmentClosesTheDescriptorsItReplaces) {
  const int epolls = count_open("[eventpoll]");
  const int eventfds = count_open("[eventfd]");
  {
    WakeableEpoll a = open_or_fail();
    WakeableEpoll b = open_or_fail();
    const int a_fd = a.fd();
    const int b_fd = b.fd();
    EXPECT_EQ(count_open("[eventpoll]"), epolls + 2);
    EXPECT_EQ(count_open("[eventfd]"), eventfds + 2);

    b = std::move(a);
    EXPECT_TRUE(is_closed(b_fd));
    EXPECT_EQ(b.fd(), a_fd);
    EXPECT_EQ(a.fd(), -1);
    EXPECT_EQ(count_open("[eventpoll]"), epolls + 1);
    EXPECT_EQ(count_open("[eventfd]"), eventfds + 1);

    b.wake();
    const std::vector<epoll_event> events = wait_events(b, kDeadlineMs);
    ASSERT_EQ(events.size(), 1u);
    EXPECT_TRUE(WakeableEpoll::is_wake(events[0]));

    b = WakeableEpoll();  // assigning an empty object closes what b held
    EXPECT_TRUE(is_closed(a_fd));
    EXPECT_EQ(b.fd(), -1);
  }
  EXPECT_EQ(count_open("[eventpoll]"), epolls);
  EXPECT_EQ(count_open("[eventfd]"), eventfds);
}

TEST(WakeableEpollTest, EmptyObjectHoldsNothingAndIgnoresWakeAndDrain) {
  const int eventfds = count_open("[eventfd]");
  WakeableEpoll w;
  EXPECT_EQ(w.fd(), -1);
  w.wake();
  w.drain();
  EXPECT_EQ(count_open("[eventfd]"), eventfds);
}

// The loops' pattern: producers publish under a mutex and wake; the loop drains, then takes
// the inbox. Every item must arrive without the loop ever waiting out the deadline.
TEST(WakeableEpollTest, NoWakeUpIsLostBetweenProducersAndTheLoop) {
  constexpr int kProducers = 2;
  constexpr int kItemsEach = 2000;
  WakeableEpoll w = open_or_fail();
  std::mutex mu;
  std::vector<int> inbox;
  std::vector<std::thread> producers;
  for (int p = 0; p < kProducers; ++p) {
    producers.emplace_back([&, p] {
      for (int i = 0; i < kItemsEach; ++i) {
        {
          std::lock_guard lock(mu);
          inbox.push_back(p * kItemsEach + i);
        }
        w.wake();
      }
    });
  }
  std::vector<bool> seen(kProducers * kItemsEach, false);
  int received = 0;
  bool timed_out = false;
  while (received < kProducers * kItemsEach) {
    const std::vector<epoll_event> events = wait_events(w, kDeadlineMs);
    if (events.empty()) {
      timed_out = true;
      break;
    }
    ASSERT_EQ(events.size(), 1u);
    ASSERT_TRUE(WakeableEpoll::is_wake(events[0]));
    w.drain();
    std::vector<int> batch;
    {
      std::lock_guard lock(mu);
      batch.swap(inbox);
    }
    for (int item : batch) {
      EXPECT_FALSE(seen[static_cast<std::size_t>(item)]) << item;
      seen[static_cast<std::size_t>(item)] = true;
      ++received;
    }
  }
  for (std::thread& t : producers) t.join();
  EXPECT_FALSE(timed_out) << "received " << received;
  EXPECT_EQ(received, kProducers * kItemsEach);
}

}  // namespace
}  // namespace ixh::mock
