#include "harness/engine.h"

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>

namespace ixh {

struct Engine::Transfer {
  TransferId id = 0;
  Engine* engine = nullptr;
  EasyHandle easy;
  StringList headers;
  TransferHandler* handler = nullptr;
  HttpObservation http;
  bool headers_reported = false;
  bool aborted_by_handler = false;
  char error_buffer[CURL_ERROR_SIZE] = {};
};

namespace {

constexpr int kMaxEvents = 512;

// Case-insensitive prefix match for header names.
bool header_is(std::string_view line, std::string_view name) {
  if (line.size() <= name.size() || line[name.size()] != ':') return false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(line[i])) !=
        std::tolower(static_cast<unsigned char>(name[i]))) {
      return false;
    }
  }
  return true;
}

std::string header_value(std::string_view line, std::size_t name_len) {
  std::string_view v = line.substr(name_len + 1);
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
  while (!v.empty() && (v.back() == '\r' || v.back() == '\n' || v.back() == ' ')) {
    v.remove_suffix(1);
  }
  return std::string(v);
}

}  // namespace

ErrorClass classify_curl_error(CURLcode code) {
  switch (code) {
    case CURLE_OK:
      return ErrorClass::kNone;
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_SSL_CONNECT_ERROR:
      return ErrorClass::kConnect;
    case CURLE_OPERATION_TIMEDOUT:
      return ErrorClass::kTimeout;
    case CURLE_ABORTED_BY_CALLBACK:
      return ErrorClass::kCancelled;
    default:
      return ErrorClass::kProtocol;
  }
}

Engine::Engine(const Clock& clock, EngineOptions options)
    : clock_(clock), options_(std::move(options)) {
  epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
  wake_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (epoll_fd_ >= 0 && wake_fd_ >= 0) {
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.fd = wake_fd_;
    epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, wake_fd_, &ev);
  }
  for (const std::string& r : options_.resolve) resolve_.append(r);
  curl_multi_setopt(multi_.get(), CURLMOPT_SOCKETFUNCTION, &Engine::on_socket);
  curl_multi_setopt(multi_.get(), CURLMOPT_SOCKETDATA, this);
  curl_multi_setopt(multi_.get(), CURLMOPT_TIMERFUNCTION, &Engine::on_timer);
  curl_multi_setopt(multi_.get(), CURLMOPT_TIMERDATA, this);
}

Engine::~Engine() {
  // Handlers may already be gone; drop transfers without calling them back.
  for (auto& [id, t] : transfers_) curl_multi_remove_handle(multi_.get(), t->easy.get());
  transfers_.clear();
  if (wake_fd_ >= 0) close(wake_fd_);
  if (epoll_fd_ >= 0) close(epoll_fd_);
}

EasyHandle Engine::take_handle() {
  if (spare_handles_.empty()) return EasyHandle();
  EasyHandle h = std::move(spare_handles_.back());
  spare_handles_.pop_back();
  curl_easy_reset(h.get());
  return h;
}

TransferId Engine::start(const TransferSpec& spec, TransferHandler* handler) {
  auto t = std::make_unique<Transfer>();
  t->id = next_transfer_++;
  t->engine = this;
  t->handler = handler;
  t->easy = take_handle();
  t->http.url = spec.url;
  t->http.start_ns = clock_.now_ns();
  CURL* e = t->easy.get();
  for (const std::string& h : spec.headers) t->headers.append(h);
  if (!e || curl_easy_setopt(e, CURLOPT_URL, spec.url.c_str()) != CURLE_OK) {
    t->http.end_ns = t->http.start_ns;
    t->http.curl_code = CURLE_URL_MALFORMAT;
    t->http.curl_error = "cannot start a transfer for " + spec.url;
    t->http.error = ErrorClass::kConnect;
    // Never call back from inside start(): the caller may not be ready for re-entry.
    schedule(t->http.start_ns, [handler, http = t->http] { handler->on_complete(http); });
    return t->id;
  }
  curl_easy_setopt(e, CURLOPT_PRIVATE, t.get());
  curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(e, CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_1_1));
  curl_easy_setopt(e, CURLOPT_HTTPHEADER, t->headers.get());
  curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, &Engine::on_header);
  curl_easy_setopt(e, CURLOPT_HEADERDATA, t.get());
  curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, &Engine::on_write);
  curl_easy_setopt(e, CURLOPT_WRITEDATA, t.get());
  curl_easy_setopt(e, CURLOPT_ERRORBUFFER, t->error_buffer);
  curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(options_.connect_timeout_ms));
  curl_easy_setopt(e, CURLOPT_BUFFERSIZE, options_.buffer_size);
  if (resolve_.get()) curl_easy_setopt(e, CURLOPT_RESOLVE, resolve_.get());
  if (spec.timeout_ms > 0)
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, static_cast<long>(spec.timeout_ms));
  // A finished stream's connection would otherwise be cached and pin a server worker idle.
  if (spec.stream) curl_easy_setopt(e, CURLOPT_FORBID_REUSE, 1L);
  const TransferId id = t->id;
  Transfer* raw = t.get();
  transfers_.emplace(id, std::move(t));
  if (curl_multi_add_handle(multi_.get(), raw->easy.get()) != CURLM_OK) {
    // Completed from the loop, never from inside start() (the Transport contract).
    schedule(raw->http.start_ns, [this, id] {
      auto it = transfers_.find(id);
      if (it == transfers_.end()) return;
      auto owned = std::move(it->second);
      transfers_.erase(it);
      finish(std::move(owned), CURLE_FAILED_INIT);
    });
  }
  return id;
}

void Engine::cancel(TransferId id) {
  auto it = transfers_.find(id);
  if (it == transfers_.end()) return;
  auto t = std::move(it->second);
  transfers_.erase(it);
  curl_multi_remove_handle(multi_.get(), t->easy.get());
  t->http.end_ns = clock_.now_ns();
  t->http.error = ErrorClass::kCancelled;
  t->http.curl_code = CURLE_ABORTED_BY_CALLBACK;
  t->http.curl_error = "cancelled by the driver";
  TransferHandler* handler = t->handler;
  const HttpObservation http = t->http;
  spare_handles_.push_back(std::move(t->easy));
  handler->on_complete(http);
}

TimerId Engine::schedule(std::int64_t at_ns, std::function<void()> fn) {
  const TimerId id = next_timer_++;
  timer_fns_.emplace(id, std::move(fn));
  timer_queue_.push({at_ns, id});
  return id;
}

void Engine::cancel_timer(TimerId id) { timer_fns_.erase(id); }

void Engine::wake() {
  const std::uint64_t one = 1;
  [[maybe_unused]] const auto n = ::write(wake_fd_, &one, sizeof one);
}

int Engine::on_socket(CURL*, curl_socket_t s, int what, void* engine, void* socketp) {
  auto* self = static_cast<Engine*>(engine);
  if (what == CURL_POLL_REMOVE) {
    epoll_ctl(self->epoll_fd_, EPOLL_CTL_DEL, s, nullptr);
    curl_multi_assign(self->multi_.get(), s, nullptr);
    return 0;
  }
  epoll_event ev{};
  ev.data.fd = s;
  if (what == CURL_POLL_IN || what == CURL_POLL_INOUT) ev.events |= EPOLLIN;
  if (what == CURL_POLL_OUT || what == CURL_POLL_INOUT) ev.events |= EPOLLOUT;
  if (socketp) {
    epoll_ctl(self->epoll_fd_, EPOLL_CTL_MOD, s, &ev);
  } else if (epoll_ctl(self->epoll_fd_, EPOLL_CTL_ADD, s, &ev) == 0 || errno == EEXIST) {
    if (errno == EEXIST) epoll_ctl(self->epoll_fd_, EPOLL_CTL_MOD, s, &ev);
    // Any non-null marker: curl hands it back so the next call knows the socket is registered.
    curl_multi_assign(self->multi_.get(), s, self);
  }
  return 0;
}

int Engine::on_timer(CURLM*, long timeout_ms, void* engine) {
  auto* self = static_cast<Engine*>(engine);
  self->curl_deadline_ns_ =
      timeout_ms < 0 ? -1
                     : self->clock_.now_ns() + static_cast<std::int64_t>(timeout_ms) * 1'000'000;
  return 0;
}

std::size_t Engine::on_header(char* data, std::size_t size, std::size_t n, void* transfer) {
  auto* t = static_cast<Transfer*>(transfer);
  const std::size_t len = size * n;
  const std::string_view line(data, len);
  if (line.rfind("HTTP/", 0) == 0) {
    // A new status line (1xx interim responses come first): start over.
    const std::size_t sp = line.find(' ');
    t->http.status = 0;
    for (std::size_t i = sp + 1; sp != std::string_view::npos && i < line.size() && i < sp + 4;
         ++i) {
      if (line[i] < '0' || line[i] > '9') break;
      t->http.status = t->http.status * 10 + (line[i] - '0');
    }
    t->http.content_type.clear();
    t->http.retry_after.clear();
  } else if (header_is(line, "content-type")) {
    t->http.content_type = header_value(line, 12);
  } else if (header_is(line, "retry-after")) {
    t->http.retry_after = header_value(line, 11);
  } else if (line == "\r\n" || line == "\n") {
    if (t->http.status >= 200 && !t->headers_reported) {
      t->headers_reported = true;
      t->handler->on_headers(t->http);
    }
  }
  return len;
}

std::size_t Engine::on_write(char* data, std::size_t size, std::size_t n, void* transfer) {
  auto* t = static_cast<Transfer*>(transfer);
  const std::size_t len = size * n;
  const std::int64_t now = t->engine->clock_.now_ns();
  if (t->http.first_byte_ns == 0) t->http.first_byte_ns = now;
  t->http.bytes += len;
  if (!t->handler->on_body(std::string_view(data, len), now)) {
    t->aborted_by_handler = true;
    return CURL_WRITEFUNC_ERROR;
  }
  return len;
}

void Engine::finish(std::unique_ptr<Transfer> t, CURLcode code) {
  t->http.end_ns = clock_.now_ns();
  t->http.curl_code = static_cast<int>(code);
  if (code != CURLE_OK) {
    t->http.curl_error = t->error_buffer[0] ? t->error_buffer : curl_easy_strerror(code);
    t->http.error = t->aborted_by_handler ? ErrorClass::kCancelled : classify_curl_error(code);
  }
  TransferHandler* handler = t->handler;
  const HttpObservation http = std::move(t->http);
  spare_handles_.push_back(std::move(t->easy));
  t.reset();
  handler->on_complete(http);
}

void Engine::drain_completions() {
  int pending = 0;
  while (CURLMsg* msg = curl_multi_info_read(multi_.get(), &pending)) {
    if (msg->msg != CURLMSG_DONE) continue;
    CURL* easy = msg->easy_handle;
    const CURLcode code = msg->data.result;
    Transfer* raw = nullptr;
    curl_easy_getinfo(easy, CURLINFO_PRIVATE, reinterpret_cast<char**>(&raw));
    curl_multi_remove_handle(multi_.get(), easy);
    if (!raw) continue;
    auto it = transfers_.find(raw->id);
    if (it == transfers_.end()) continue;
    auto t = std::move(it->second);
    transfers_.erase(it);
    finish(std::move(t), code);
  }
}

void Engine::run_due_timers() {
  const std::int64_t now = clock_.now_ns();
  while (!timer_queue_.empty() && timer_queue_.top().at_ns <= now) {
    const TimerId id = timer_queue_.top().id;
    timer_queue_.pop();
    auto it = timer_fns_.find(id);
    if (it == timer_fns_.end()) continue;  // cancelled
    auto fn = std::move(it->second);
    timer_fns_.erase(it);
    fn();
  }
}

int Engine::next_wait_ms() const {
  std::int64_t deadline = curl_deadline_ns_;
  // Cancelled timers stay queued until popped; they only cause an early, harmless wake-up.
  if (!timer_queue_.empty() && (deadline < 0 || timer_queue_.top().at_ns < deadline)) {
    deadline = timer_queue_.top().at_ns;
  }
  if (deadline < 0) return 1000;
  const std::int64_t wait_ns = deadline - clock_.now_ns();
  if (wait_ns <= 0) return 0;
  return static_cast<int>(std::min<std::int64_t>((wait_ns + 999'999) / 1'000'000, 1000));
}

void Engine::run(const std::function<bool()>& done) {
  epoll_event events[kMaxEvents];
  int running = 0;
  while (!done()) {
    if (transfers_.empty() && timer_fns_.empty()) return;
    const int n = epoll_wait(epoll_fd_, events, kMaxEvents, next_wait_ms());
    for (int i = 0; i < n; ++i) {
      const int fd = events[i].data.fd;
      if (fd == wake_fd_) {
        std::uint64_t v;
        [[maybe_unused]] const auto r = ::read(wake_fd_, &v, sizeof v);
        continue;
      }
      int mask = 0;
      if (events[i].events & EPOLLIN) mask |= CURL_CSELECT_IN;
      if (events[i].events & EPOLLOUT) mask |= CURL_CSELECT_OUT;
      if (events[i].events & (EPOLLERR | EPOLLHUP)) mask |= CURL_CSELECT_ERR;
      curl_multi_socket_action(multi_.get(), fd, mask, &running);
    }
    if (curl_deadline_ns_ >= 0 && clock_.now_ns() >= curl_deadline_ns_) {
      curl_deadline_ns_ = -1;
      curl_multi_socket_action(multi_.get(), CURL_SOCKET_TIMEOUT, 0, &running);
    }
    drain_completions();
    run_due_timers();
  }
}

}  // namespace ixh
