#include "harness/engine.h"

#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace ixh {

// One pooled transfer. Its easy handle is created once and reused without curl_easy_reset: the
// options every transfer shares are set at creation, the per-transfer ones on every start.
struct Engine::Transfer {
  TransferId id = 0;
  std::uint32_t slot = 0;
  bool active = false;
  Engine* engine = nullptr;
  EasyHandle easy;
  UrlHandle parsed_url;
  StringList headers;
  std::vector<std::string> header_lines;  // what `headers` holds
  std::string url;                        // the URL the easy handle is set to
  long buffer_size = 0;                   // what CURLOPT_BUFFERSIZE holds
  TransferHandler* handler = nullptr;
  HttpObservation http;
  bool headers_reported = false;
  bool aborted_by_handler = false;
  char error_buffer[CURL_ERROR_SIZE] = {};
};

namespace {

constexpr int kMaxEvents = 512;

// Whether libcurl would find a proxy (or a proxy exception) in the environment.
bool proxy_in_environment() {
  for (const char* name : {"http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy",
                           "ALL_PROXY", "no_proxy", "NO_PROXY"}) {
    const char* v = std::getenv(name);
    if (v && *v) return true;
  }
  return false;
}

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

std::string_view header_value(std::string_view line, std::size_t name_len) {
  std::string_view v = line.substr(name_len + 1);
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
  while (!v.empty() && (v.back() == '\r' || v.back() == '\n' || v.back() == ' ')) {
    v.remove_suffix(1);
  }
  return v;
}

// A fresh observation that keeps the string buffers of the last one, so a steady stream of
// transfers reallocates nothing.
void reset_observation(HttpObservation& h) {
  std::string url = std::move(h.url);
  std::string content_type = std::move(h.content_type);
  h = HttpObservation{};
  url.clear();
  content_type.clear();
  h.url = std::move(url);
  h.content_type = std::move(content_type);
}

}  // namespace

int curl_select_bits(std::uint32_t epoll_events) {
  int mask = 0;
  if (epoll_events & EPOLLIN) mask |= CURL_CSELECT_IN;
  if (epoll_events & EPOLLOUT) mask |= CURL_CSELECT_OUT;
  if (epoll_events & (EPOLLERR | EPOLLHUP)) mask |= CURL_CSELECT_ERR | CURL_CSELECT_IN;
  return mask;
}

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
    : clock_(clock), options_(std::move(options)), proxy_from_environment_(proxy_in_environment()) {
  // Without descriptors (the process is out of them) every transfer fails on its own: curl
  // cannot open a socket either.
  int error = 0;
  epoll_ = WakeableEpoll::open(error);
  for (const std::string& r : options_.resolve) resolve_.append(r);
  curl_multi_setopt(multi_.get(), CURLMOPT_SOCKETFUNCTION, &Engine::on_socket);
  curl_multi_setopt(multi_.get(), CURLMOPT_SOCKETDATA, this);
  curl_multi_setopt(multi_.get(), CURLMOPT_TIMERFUNCTION, &Engine::on_timer);
  curl_multi_setopt(multi_.get(), CURLMOPT_TIMERDATA, this);
}

Engine::~Engine() {
  // Handlers may already be gone; drop transfers without calling them back.
  for (auto& t : slots_) {
    if (t && t->active) curl_multi_remove_handle(multi_.get(), t->easy.get());
  }
  // The multi handle goes first, while fds_ and the epoll fd still exist: its cleanup closes the
  // cached connections through on_close_socket. The easy handles, all removed, go after it.
  { const MultiHandle dying = std::move(multi_); }
  slots_.clear();
}

Engine::Transfer* Engine::acquire() {
  Transfer* t = nullptr;
  if (!free_slots_.empty()) {
    t = slots_[free_slots_.back()].get();
    free_slots_.pop_back();
  } else {
    auto owned = std::make_unique<Transfer>();
    t = owned.get();
    t->slot = static_cast<std::uint32_t>(slots_.size());
    t->engine = this;
    slots_.push_back(std::move(owned));
    if (CURL* e = t->easy.get()) {
      curl_easy_setopt(e, CURLOPT_PRIVATE, t);
      curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
      curl_easy_setopt(e, CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_1_1));
      curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, &Engine::on_header);
      curl_easy_setopt(e, CURLOPT_HEADERDATA, t);
      curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, &Engine::on_write);
      curl_easy_setopt(e, CURLOPT_WRITEDATA, t);
      curl_easy_setopt(e, CURLOPT_ERRORBUFFER, t->error_buffer);
      curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS,
                       static_cast<long>(options_.connect_timeout_ms));
      curl_easy_setopt(e, CURLOPT_CLOSESOCKETFUNCTION, &Engine::on_close_socket);
      curl_easy_setopt(e, CURLOPT_CLOSESOCKETDATA, this);
      if (resolve_.get()) curl_easy_setopt(e, CURLOPT_RESOLVE, resolve_.get());
      curl_easy_setopt(e, CURLOPT_OPENSOCKETFUNCTION, &Engine::on_open_socket);
      curl_easy_setopt(e, CURLOPT_OPENSOCKETDATA, this);
      if (!proxy_from_environment_) {
        // Without these libcurl reads five proxy variables from the environment for every
        // transfer, connection reused or not.
        curl_easy_setopt(e, CURLOPT_PROXY, "");
        curl_easy_setopt(e, CURLOPT_NOPROXY, "");
      }
    }
  }
  t->id = (static_cast<TransferId>(next_transfer_++) << 32) | t->slot;
  t->active = true;
  ++active_;
  return t;
}

void Engine::release(Transfer* t) { free_slots_.push_back(t->slot); }

Engine::Transfer* Engine::find(TransferId id) const {
  const auto slot = static_cast<std::size_t>(id & 0xffffffffu);
  if (slot >= slots_.size()) return nullptr;
  Transfer* t = slots_[slot].get();
  return t && t->active && t->id == id ? t : nullptr;
}

TransferId Engine::start(const TransferSpec& spec, TransferHandler* handler) {
  Transfer* t = acquire();
  t->handler = handler;
  t->headers_reported = false;
  t->aborted_by_handler = false;
  t->error_buffer[0] = '\0';
  reset_observation(t->http);
  t->http.url.assign(spec.url);
  t->http.start_ns = clock_.now_ns();
  const TransferId id = t->id;
  CURL* e = t->easy.get();
  bool ok = e != nullptr;
  if (ok && t->url != spec.url) {
    // Parsed here once: given CURLOPT_URL, libcurl would parse and re-assemble it at every
    // transfer start. A URL that does not parse goes to libcurl as text, which fails the transfer
    // with its own error (CURLE_URL_MALFORMAT), exactly as before.
    if (t->parsed_url.set(spec.url)) {
      ok = curl_easy_setopt(e, CURLOPT_CURLU, t->parsed_url.get()) == CURLE_OK;
    } else {
      curl_easy_setopt(e, CURLOPT_CURLU, static_cast<CURLU*>(nullptr));
      ok = curl_easy_setopt(e, CURLOPT_URL, spec.url.c_str()) == CURLE_OK;
    }
    t->url = ok ? spec.url : std::string();
  }
  if (!ok) {
    t->http.end_ns = t->http.start_ns;
    t->http.curl_code = CURLE_URL_MALFORMAT;
    t->http.curl_error = "cannot start a transfer for " + spec.url;
    t->http.error = ErrorClass::kConnect;
    t->active = false;
    --active_;
    release(t);
    // Never call back from inside start(): the caller may not be ready for re-entry.
    schedule(t->http.start_ns, [handler, http = t->http] { handler->on_complete(http); });
    return id;
  }
  if (t->header_lines != spec.headers) {
    t->headers.clear();
    for (const std::string& h : spec.headers) t->headers.append(h);
    t->header_lines = spec.headers;
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, t->headers.get());
  }
  curl_easy_setopt(e, CURLOPT_TIMEOUT_MS,
                   static_cast<long>(std::max<std::int64_t>(0, spec.timeout_ms)));
  // A finished stream's connection would otherwise be cached and pin a server worker idle. And
  // as it is never reused, a stream need not look for a cached connection either: libcurl scans
  // every connection it holds to the host for one, so thousands of streams opened together
  // would cost time quadratic in their number.
  curl_easy_setopt(e, CURLOPT_FORBID_REUSE, spec.stream ? 1L : 0L);
  curl_easy_setopt(e, CURLOPT_FRESH_CONNECT, spec.stream ? 1L : 0L);
  // libcurl allocates the receive buffer per transfer, at this size: a pooled handle that ran a
  // GET may run a stream next.
  const long buffer = spec.stream ? options_.stream_buffer_size : options_.buffer_size;
  if (t->buffer_size != buffer && curl_easy_setopt(e, CURLOPT_BUFFERSIZE, buffer) == CURLE_OK) {
    t->buffer_size = buffer;
  }
  if (admit_queue_.empty() && admitted_this_turn_ < kAdmitPerTurn) {
    admit(t);
  } else {
    admit_queue_.push_back(id);
  }
  return id;
}

void Engine::admit(Transfer* t) {
  ++admitted_this_turn_;
  if (curl_multi_add_handle(multi_.get(), t->easy.get()) != CURLM_OK) {
    // Completed from the loop, never from inside start() (the Transport contract).
    schedule(t->http.start_ns, [this, id = t->id] {
      if (Transfer* failed = find(id)) finish(failed, CURLE_FAILED_INIT);
    });
  }
}

void Engine::admit_queued() {
  admitted_this_turn_ = 0;
  while (!admit_queue_.empty() && admitted_this_turn_ < kAdmitPerTurn) {
    const TransferId id = admit_queue_.front();
    admit_queue_.pop_front();
    // A transfer cancelled while it waited is gone (find() fails) and was never added.
    if (Transfer* t = find(id)) admit(t);
  }
}

void Engine::cancel(TransferId id) {
  Transfer* t = find(id);
  if (!t) return;
  curl_multi_remove_handle(multi_.get(), t->easy.get());
  t->http.end_ns = clock_.now_ns();
  t->http.error = ErrorClass::kCancelled;
  t->http.curl_code = CURLE_ABORTED_BY_CALLBACK;
  t->http.curl_error = "cancelled by the driver";
  t->active = false;
  --active_;
  // Back to the pool only after the handler returns: it may read `http` until then.
  t->handler->on_complete(t->http);
  release(t);
}

TimerId Engine::schedule(std::int64_t at_ns, std::function<void()> fn) {
  const TimerId id = next_timer_++;
  timer_fns_.emplace(id, std::move(fn));
  timer_queue_.push({at_ns, id});
  return id;
}

void Engine::cancel_timer(TimerId id) { timer_fns_.erase(id); }

void Engine::wake() { epoll_.wake(); }

// curl drops a keep-alive connection's socket from its interest set when a transfer ends
// (CURL_POLL_REMOVE) and asks for it again as soon as the next transfer reuses the connection.
// Deleting and re-adding it would cost two epoll_ctl calls per request, so a removed socket stays
// registered ("parked"): re-arming it with the same events is free, an event on a parked socket
// unregisters it then (run()), and on_close_socket forgets it before curl closes it, so a new
// socket that reuses the number is added afresh.
int Engine::on_socket(CURL*, curl_socket_t s, int what, void* engine, void*) {
  auto* self = static_cast<Engine*>(engine);
  if (s < 0) return 0;
  const auto fd = static_cast<std::size_t>(s);
  if (fd >= self->fds_.size()) self->fds_.resize(fd + 1);
  FdState& st = self->fds_[fd];
  if (what == CURL_POLL_REMOVE) {
    st.parked = true;
    return 0;
  }
  std::uint32_t events = 0;
  if (what == CURL_POLL_IN || what == CURL_POLL_INOUT) events |= EPOLLIN;
  if (what == CURL_POLL_OUT || what == CURL_POLL_INOUT) events |= EPOLLOUT;
  st.parked = false;
  if (st.events == events) return 0;
  epoll_event ev{};
  ev.events = events;
  ev.data.fd = s;
  if (st.events != 0) {
    if (epoll_ctl(self->epoll_.fd(), EPOLL_CTL_MOD, s, &ev) != 0 && errno == ENOENT) {
      epoll_ctl(self->epoll_.fd(), EPOLL_CTL_ADD, s, &ev);
    }
  } else if (epoll_ctl(self->epoll_.fd(), EPOLL_CTL_ADD, s, &ev) != 0 && errno == EEXIST) {
    epoll_ctl(self->epoll_.fd(), EPOLL_CTL_MOD, s, &ev);
  }
  st.events = events;
  return 0;
}

curl_socket_t Engine::on_open_socket(void* engine, curlsocktype, curl_sockaddr* address) {
  auto* self = static_cast<Engine*>(engine);
  const int s = ::socket(address->family, address->socktype | SOCK_CLOEXEC, address->protocol);
  if (s < 0) return CURL_SOCKET_BAD;
  ++self->connections_opened_;
  return s;
}

int Engine::on_close_socket(void* engine, curl_socket_t s) {
  auto* self = static_cast<Engine*>(engine);
  const auto fd = static_cast<std::size_t>(s);
  if (s >= 0 && fd < self->fds_.size() && self->fds_[fd].events != 0) {
    epoll_ctl(self->epoll_.fd(), EPOLL_CTL_DEL, s, nullptr);
    self->fds_[fd] = FdState{};
  }
  return ::close(s);
}

void Engine::unpark(int fd) {
  epoll_ctl(epoll_.fd(), EPOLL_CTL_DEL, fd, nullptr);
  fds_[static_cast<std::size_t>(fd)] = FdState{};
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
    t->http.content_type.assign(header_value(line, 12));
  } else if (header_is(line, "retry-after")) {
    t->http.retry_after.assign(header_value(line, 11));
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

void Engine::finish(Transfer* t, CURLcode code) {
  t->http.end_ns = clock_.now_ns();
  t->http.curl_code = static_cast<int>(code);
  if (code != CURLE_OK) {
    t->http.curl_error = t->error_buffer[0] ? t->error_buffer : curl_easy_strerror(code);
    t->http.error = t->aborted_by_handler ? ErrorClass::kCancelled : classify_curl_error(code);
  }
  t->active = false;
  --active_;
  // The handler may start the next transfer from here; this one goes back to the pool only
  // after it returns, so `http` stays valid for the whole call.
  t->handler->on_complete(t->http);
  release(t);
}

void Engine::drain_completions() {
  int pending = 0;
  while (CURLMsg* msg = curl_multi_info_read(multi_.get(), &pending)) {
    if (msg->msg != CURLMSG_DONE) continue;
    CURL* easy = msg->easy_handle;
    const CURLcode code = msg->data.result;
    Transfer* t = nullptr;
    curl_easy_getinfo(easy, CURLINFO_PRIVATE, reinterpret_cast<char**>(&t));
    curl_multi_remove_handle(multi_.get(), easy);
    if (!t || !t->active) continue;
    finish(t, code);
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
  // Transfers waiting to be handed to curl are the next turn's work: look again at once.
  if (!admit_queue_.empty()) return 0;
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
    if (active_ == 0 && timer_fns_.empty()) return;
    admit_queued();
    const int n = epoll_wait(epoll_.fd(), events, kMaxEvents, next_wait_ms());
    for (int i = 0; i < n; ++i) {
      if (WakeableEpoll::is_wake(events[i])) {
        epoll_.drain();
        continue;
      }
      const int fd = events[i].data.fd;
      if (static_cast<std::size_t>(fd) < fds_.size() && fds_[static_cast<std::size_t>(fd)].parked) {
        // An idle cached connection became readable (the server closed it, most likely): curl
        // is not watching it, so stop reporting it; curl finds it dead when it next looks.
        unpark(fd);
        continue;
      }
      curl_multi_socket_action(multi_.get(), fd, curl_select_bits(events[i].events), &running);
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
