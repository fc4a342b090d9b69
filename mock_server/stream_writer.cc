#include "mock_server/stream_writer.h"

#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "core/interaction.h"
#include "core/sse_writer.h"
#include "core/thread_name.h"

namespace ixh::mock {
namespace {

constexpr int kMaxEvents = 256;
constexpr unsigned long kTimerSlackNs = 100'000;
constexpr std::string_view kLastChunk = "0\r\n\r\n";

std::uint64_t tag_of(std::uint32_t slot, std::uint32_t gen) {
  return (static_cast<std::uint64_t>(gen) << 32) | slot;
}

// One HTTP chunk, framed as cpp-httplib frames it: lowercase hex size, CRLF, data, CRLF.
void append_chunk(std::string& out, std::string_view data) {
  char size[24];
  const int n = std::snprintf(size, sizeof size, "%zx\r\n", data.size());
  out.append(size, static_cast<std::size_t>(n));
  out.append(data);
  out.append("\r\n");
}

void close_connection(int fd) {
  // As cpp-httplib ends a connection: both directions shut down, then closed.
  ::shutdown(fd, SHUT_RDWR);
  ::close(fd);
}

}  // namespace

struct StreamWriter::Live {
  int fd = -1;
  std::uint32_t slot = 0;
  StreamStart start;
  std::size_t cursor = 0;       // next event to frame
  std::size_t skip_frames = 0;  // of event `cursor`, already with the client (genai resume)
  std::string head;             // response head, sent with the first write
  std::uint64_t events_sent = 0;
  std::uint64_t bytes_sent = 0;
  std::int64_t last_write_ns = 0;
  std::int64_t begun_us = 0;  // timeline time the writer took the stream over
  // Bytes the socket has not taken yet, and what they hold.
  std::string out;
  std::size_t out_off = 0;
  std::uint64_t out_events = 0;
  std::uint64_t out_payload = 0;
  bool out_terminal = false;
  std::int64_t progress_ns = 0;  // last time the socket took bytes while some were waiting
  // The key of this stream's entry in each heap, -1 for none: one entry each at a time.
  std::int64_t event_timer_us = -1;
  std::int64_t real_timer_ns = -1;
  bool blocked() const { return out_off < out.size(); }
};

StreamWriter::StreamWriter(MockClock& clock, const Clock& real_clock, Journal& journal,
                           Options options)
    : clock_(clock), real_clock_(real_clock), journal_(journal), options_(options) {}

StreamWriter::~StreamWriter() { stop(); }

bool StreamWriter::start(std::string& error) {
  int err = 0;
  epoll_ = WakeableEpoll::open(err);
  if (err != 0) {
    error = std::string("stream writer: ") + std::strerror(err);
    return false;
  }
  thread_ = std::thread([this] { run(); });
  return true;
}

void StreamWriter::stop() {
  stopping_.store(true, std::memory_order_release);
  wake();
  if (thread_.joinable()) thread_.join();
  // Streams are left only when the loop never ran (start() failed): it closes the inbox on exit.
  close_inbox();
}

void StreamWriter::wake() { epoll_.wake(); }

void StreamWriter::add(int fd, std::string head, StreamStart start) {
  {
    std::lock_guard lock(inbox_mu_);
    if (!closed_ && !stopping_.load(std::memory_order_acquire)) {
      inbox_.push_back({fd, std::move(head), std::move(start)});
      live_.fetch_add(1, std::memory_order_relaxed);
      // Wake while holding the lock: stop() cannot close the eventfd meanwhile.
      wake();
      return;
    }
  }
  finish_records(start, 0, 0, "server_stopped");
  close_connection(fd);
}

void StreamWriter::finish_records(const StreamStart& st, std::uint64_t events, std::uint64_t bytes,
                                  const char* ended) {
  const std::int64_t end_ns = real_clock_.now_ns();
  journal_.finish(st.journal_seq, 200, events, bytes, ended,
                  static_cast<double>(end_ns - st.start_ns) / 1e6);
  st.instance->history.finish(st.history_index, events, end_ns, ended);
}

StreamWriter::Live* StreamWriter::lookup(std::uint32_t slot, std::uint32_t gen) {
  if (slot >= slots_.size() || slot_gen_[slot] != gen) return nullptr;
  return slots_[slot].get();
}

void StreamWriter::run() {
  name_this_thread("ixh-writer");
  // Events of different streams due within this much of each other go out in one wake-up: at
  // 100 k events/s a wake-up per event would cost more than the events. Well inside the
  // timing the script promises (docs/mock.md).
  ::prctl(PR_SET_TIMERSLACK, kTimerSlackNs, 0UL, 0UL, 0UL);
  epoll_event events[kMaxEvents];
  bool pwait2 = true;
  while (!stopping_.load(std::memory_order_acquire)) {
    const std::int64_t wait = wait_ns();
    int n;
    if (pwait2) {
      timespec ts{};
      if (wait >= 0) {
        ts.tv_sec = static_cast<time_t>(wait / 1'000'000'000);
        ts.tv_nsec = static_cast<long>(wait % 1'000'000'000);
      }
      n = ::epoll_pwait2(epoll_.fd(), events, kMaxEvents, wait >= 0 ? &ts : nullptr, nullptr);
      if (n < 0 && errno == ENOSYS) {
        pwait2 = false;
        continue;
      }
    } else {
      const int ms =
          wait < 0
              ? -1
              : static_cast<int>(std::min<std::int64_t>((wait + 999'999) / 1'000'000, 1 << 30));
      n = ::epoll_wait(epoll_.fd(), events, kMaxEvents, ms);
    }
    if (n < 0 && errno != EINTR) break;
    for (int i = 0; i < n; ++i) {
      if (WakeableEpoll::is_wake(events[i])) {
        epoll_.drain();
        take_incoming();
      } else {
        on_socket(events[i].data.u64, events[i].events);
      }
    }
    run_timers();
  }
  for (auto& s : slots_) {
    if (s) end(*s, "server_stopped");
  }
  close_inbox();
}

void StreamWriter::close_inbox() {
  std::lock_guard lock(inbox_mu_);
  closed_ = true;
  for (Incoming& in : inbox_) {
    live_.fetch_sub(1, std::memory_order_relaxed);
    finish_records(in.start, 0, 0, "server_stopped");
    close_connection(in.fd);
  }
  inbox_.clear();
}

std::int64_t StreamWriter::wait_ns() const {
  std::int64_t wait = -1;
  if (!event_timers_.empty()) wait = clock_.real_ns_until(event_timers_.top().key);
  if (!real_timers_.empty()) {
    const std::int64_t w = std::max<std::int64_t>(real_timers_.top().key - real_clock_.now_ns(), 0);
    wait = wait < 0 ? w : std::min(wait, w);
  }
  return wait;
}

void StreamWriter::take_incoming() {
  std::vector<Incoming> batch;
  {
    std::lock_guard lock(inbox_mu_);
    batch.swap(inbox_);
  }
  for (Incoming& in : batch) {
    std::uint32_t slot;
    if (!free_slots_.empty()) {
      slot = free_slots_.back();
      free_slots_.pop_back();
    } else {
      slot = static_cast<std::uint32_t>(slots_.size());
      slots_.emplace_back();
      slot_gen_.push_back(0);
    }
    auto live = std::make_unique<Live>();
    Live& s = *live;
    s.fd = in.fd;
    s.slot = slot;
    s.start = std::move(in.start);
    s.cursor = s.start.cursor.event;
    s.skip_frames = s.start.cursor.skip_frames;
    s.head = std::move(in.head);
    s.last_write_ns = s.start.start_ns;
    s.begun_us = clock_.now_us();
    slots_[slot] = std::move(live);
    epoll_event ev{};
    ev.events = EPOLLRDHUP;
    ev.data.u64 = tag_of(slot, slot_gen_[slot]);
    if (::epoll_ctl(epoll_.fd(), EPOLL_CTL_ADD, s.fd, &ev) != 0) {
      end(s, "write_failed");
      continue;
    }
    service(s);
  }
}

void StreamWriter::on_socket(std::uint64_t tag, std::uint32_t events) {
  Live* s = lookup(static_cast<std::uint32_t>(tag), static_cast<std::uint32_t>(tag >> 32));
  if (!s) return;
  if (events & (EPOLLERR | EPOLLHUP | EPOLLRDHUP)) {
    // A client gone while the mock waits is `client_closed`; one gone with bytes still owed to
    // it is the write that failed, as on the worker path.
    end(*s, s->blocked() ? "write_failed" : "client_closed");
    return;
  }
  if (events & EPOLLOUT) on_writable(*s);
}

void StreamWriter::run_timers() {
  const std::int64_t now_us = clock_.now_us();
  while (!event_timers_.empty() && event_timers_.top().key <= now_us) {
    const Timer t = event_timers_.top();
    event_timers_.pop();
    Live* s = lookup(t.slot, t.gen);
    if (!s || s->event_timer_us != t.key) continue;  // superseded
    s->event_timer_us = -1;
    service(*s);
  }
  const std::int64_t now_ns = real_clock_.now_ns();
  while (!real_timers_.empty() && real_timers_.top().key <= now_ns) {
    const Timer t = real_timers_.top();
    real_timers_.pop();
    Live* s = lookup(t.slot, t.gen);
    if (!s || s->real_timer_ns != t.key) continue;
    s->real_timer_ns = -1;
    if (s->blocked()) {
      if (now_ns - s->progress_ns >= options_.write_timeout.count() * 1'000'000) {
        end(*s, "write_failed");
        continue;
      }
    } else if (now_ns - s->last_write_ns >= options_.heartbeat_ms * 1'000'000) {
      heartbeat(*s);
      continue;
    }
    schedule(*s);
  }
}

void StreamWriter::service(Live& s) {
  if (s.blocked()) return;  // catches up once the client has taken what it is owed
  const Instance& inst = *s.start.instance;
  const CompiledTemplate& c = *inst.compiled;
  const std::size_t n = visible_events(c, clock_.now_us() - inst.created_us);
  payload_.clear();
  std::uint64_t events = 0;
  bool terminal = false;
  if (s.cursor < n) {
    frame_events(options_.dialect, payload_, inst, {s.cursor, s.skip_frames}, n,
                 s.start.include_input);
    s.skip_frames = 0;
    note_lateness(s, s.cursor, n);
    events = n - s.cursor;
    terminal = c.events[n - 1].kind == EventKind::kTerminal;
    s.cursor = n;
  } else if (s.cursor == c.events.size() && c.terminal_ms >= 0) {
    // Resumed after the terminal event: nothing follows, end cleanly at once.
    append_stream_end(options_.dialect, payload_);
    terminal = true;
  } else if (s.head.empty()) {
    schedule(s);
    return;
  }
  wire_.clear();
  if (!s.head.empty()) {
    wire_.swap(s.head);
    s.head.clear();
    s.head.shrink_to_fit();
  }
  if (!payload_.empty()) append_chunk(wire_, payload_);
  if (terminal) wire_.append(kLastChunk);
  send_batch(s, wire_, events, payload_.size(), terminal);
}

void StreamWriter::note_lateness(const Live& s, std::size_t from, std::size_t to) {
  const Instance& inst = *s.start.instance;
  const std::int64_t now_us = clock_.now_us();
  std::lock_guard lock(timeliness_mu_);
  for (std::size_t i = from; i < to; ++i) {
    const std::int64_t due_us = inst.created_us + inst.compiled->events[i].at_ms * 1000;
    if (due_us <= s.begun_us) continue;  // a replay, not a live event
    const std::int64_t late = now_us - due_us;
    lateness_.record(late);
    late_1ms_ += late > 1000 ? 1 : 0;
    late_20ms_ += late > 20000 ? 1 : 0;
    max_late_us_ = std::max(max_late_us_, late);
  }
}

StreamTimeliness StreamWriter::timeliness() const {
  std::lock_guard lock(timeliness_mu_);
  return {lateness_.total(),
          late_1ms_,
          late_20ms_,
          static_cast<double>(max_late_us_) / 1000.0,
          lateness_.upper_ms_at(50),
          lateness_.upper_ms_at(99),
          lateness_.upper_ms_at(99.9)};
}

void StreamWriter::heartbeat(Live& s) {
  payload_.clear();
  append_sse_comment(payload_, "keep-alive");
  wire_.clear();
  append_chunk(wire_, payload_);
  send_batch(s, wire_, 0, payload_.size(), false);
}

void StreamWriter::send_batch(Live& s, std::string_view wire, std::uint64_t events,
                              std::uint64_t payload_bytes, bool terminal) {
  s.out_events = events;
  s.out_payload = payload_bytes;
  s.out_terminal = terminal;
  ssize_t n;
  do {
    n = ::send(s.fd, wire.data(), wire.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
  } while (n < 0 && errno == EINTR);
  if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
    end(s, "write_failed");
    return;
  }
  const auto sent = static_cast<std::size_t>(std::max<ssize_t>(n, 0));
  if (sent == wire.size()) {
    commit(s);
    return;
  }
  // The client reads slower than the script writes: keep the rest, frame nothing new until it
  // has taken it (then catch up in one write), and give up after the write timeout.
  s.out.assign(wire.substr(sent));
  s.out_off = 0;
  s.progress_ns = real_clock_.now_ns();
  epoll_event ev{};
  ev.events = EPOLLOUT | EPOLLRDHUP;
  ev.data.u64 = tag_of(s.slot, slot_gen_[s.slot]);
  ::epoll_ctl(epoll_.fd(), EPOLL_CTL_MOD, s.fd, &ev);
  schedule(s);
}

void StreamWriter::on_writable(Live& s) {
  while (s.blocked()) {
    const ssize_t n = ::send(s.fd, s.out.data() + s.out_off, s.out.size() - s.out_off,
                             MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
    if (n <= 0) {
      end(s, "write_failed");
      return;
    }
    s.out_off += static_cast<std::size_t>(n);
    s.progress_ns = real_clock_.now_ns();
  }
  s.out.clear();
  s.out.shrink_to_fit();
  s.out_off = 0;
  epoll_event ev{};
  ev.events = EPOLLRDHUP;
  ev.data.u64 = tag_of(s.slot, slot_gen_[s.slot]);
  ::epoll_ctl(epoll_.fd(), EPOLL_CTL_MOD, s.fd, &ev);
  const bool terminal = s.out_terminal;
  commit(s);
  if (!terminal) service(s);
}

void StreamWriter::commit(Live& s) {
  s.events_sent += s.out_events;
  s.bytes_sent += s.out_payload;
  s.out_events = 0;
  s.out_payload = 0;
  s.last_write_ns = real_clock_.now_ns();
  if (s.out_terminal) {
    end(s, "complete");
    return;
  }
  schedule(s);
}

void StreamWriter::schedule(Live& s) {
  const CompiledTemplate& c = *s.start.instance->compiled;
  if (!s.blocked() && s.cursor < c.events.size()) {
    const std::int64_t due_us = s.start.instance->created_us + c.events[s.cursor].at_ms * 1000;
    if (s.event_timer_us != due_us) {
      s.event_timer_us = due_us;
      event_timers_.push({due_us, s.slot, slot_gen_[s.slot]});
    }
  }
  const std::int64_t real_due = s.blocked()
                                    ? s.progress_ns + options_.write_timeout.count() * 1'000'000
                                    : s.last_write_ns + options_.heartbeat_ms * 1'000'000;
  if (s.real_timer_ns < 0 || s.real_timer_ns > real_due) {
    s.real_timer_ns = real_due;
    real_timers_.push({real_due, s.slot, slot_gen_[s.slot]});
  }
}

void StreamWriter::end(Live& s, const char* ended) {
  finish_records(s.start, s.events_sent, s.bytes_sent, ended);
  ::epoll_ctl(epoll_.fd(), EPOLL_CTL_DEL, s.fd, nullptr);
  close_connection(s.fd);
  const std::uint32_t slot = s.slot;
  ++slot_gen_[slot];
  slots_[slot].reset();  // `s` is gone from here on
  free_slots_.push_back(slot);
  live_.fetch_sub(1, std::memory_order_relaxed);
}

}  // namespace ixh::mock
