#include "mock_server/mock_server.h"

#include <httplib.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <algorithm>
#include <chrono>

#include "core/dialect_support.h"
#include "core/errors.h"
#include "core/thread_name.h"
#include "mock_server/admin_routes.h"
#include "mock_server/connection_sweep.h"
#include "mock_server/interaction_routes.h"
#include "mock_server/keep_alive_loop.h"
#include "mock_server/served_connection.h"
#include "mock_server/stream_writer.h"
#include "mock_server/worker_pool.h"

namespace ixh::mock {
namespace {

// Requests one keep-alive connection may carry (nginx's keepalive_requests is 1000).
constexpr std::size_t kKeepAliveMaxRequests = 10000;

// How long the kernel holds a connection without a request before handing it over anyway.
constexpr int kDeferAcceptSeconds = 5;

// File descriptors kept back from the connection budget: listening socket, journal, logs, and
// (for the embedded mock) the driver in the same process.
constexpr std::size_t kReservedFds = 64;

// Raises the soft RLIMIT_NOFILE to the hard limit (every connection and stream needs a
// descriptor; the soft limit is often 1024) and returns the limit now in force.
std::size_t raise_open_file_limit() {
  rlimit r{};
  if (getrlimit(RLIMIT_NOFILE, &r) != 0) return 1024;
  if (r.rlim_cur < r.rlim_max) {
    rlimit raised = r;
    raised.rlim_cur = r.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &raised) == 0) r = raised;
  }
  return r.rlim_cur == RLIM_INFINITY ? 100000 : static_cast<std::size_t>(r.rlim_cur);
}

}  // namespace

// cpp-httplib bakes a listen backlog of 5 into its shared library; bursts of connects then wait
// seconds in SYN retries. The listening socket is protected, so re-listen it with a deeper queue.
//
// It also serves each accepted connection itself (process_and_close_socket, called by the worker
// the connection was queued to) instead of through cpp-httplib's SocketStream and keep-alive
// loop, so that: a handler knows its socket (ServedConnection::current()) and a stream can hand
// it to the StreamWriter; a response goes out in one send; and an idle keep-alive connection
// sleeps in one poll() rather than the library's 10 ms poll / 1 ms sleep loop.
class ListeningServer : public httplib::Server {
 public:
  void relisten(int backlog) { ::listen(svr_sock_, backlog); }

  // The pool the library's accept loop queues connections to; also runs the connections the
  // keep-alive loop gives back. Set when the library creates it, before the first connection.
  std::atomic<WorkerPool*> pool{nullptr};

  bool start_keep_alive_loop(std::string& error) {
    loop_ = std::make_unique<KeepAliveLoop>(
        std::chrono::milliseconds(keep_alive_timeout_sec_ * 1000),
        [this](ServedConnection& c) { return serve_parked(c); },
        [this](std::unique_ptr<ServedConnection> c) {
          ServedConnection* raw = c.release();
          // The pool runs every job it is given, so the connection is always served or closed.
          pool.load()->enqueue([this, raw] { serve(std::unique_ptr<ServedConnection>(raw)); });
        });
    return loop_->start(error);
  }
  // Closes the parked connections; afterwards workers close theirs instead of parking them.
  void stop_keep_alive_loop() {
    if (loop_) loop_->stop();
  }
  std::size_t parked() const { return loop_ ? loop_->parked() : 0; }

 private:
  bool process_and_close_socket(socket_t sock) override {
    using std::chrono::microseconds;
    auto conn = std::make_unique<ServedConnection>(
        sock, microseconds(read_timeout_sec_ * 1'000'000 + read_timeout_usec_),
        microseconds(write_timeout_sec_ * 1'000'000 + write_timeout_usec_));
    conn->requests_left = keep_alive_max_count_;
    serve(std::move(conn));
    return true;
  }

  // Serves requests on the calling worker until the connection ends, becomes a stream (handed
  // to the StreamWriter) or goes idle (parked in the keep-alive loop).
  void serve(std::unique_ptr<ServedConnection> conn) {
    ServedConnection::Scope scope(*conn);
    const std::chrono::milliseconds keep_alive(keep_alive_timeout_sec_ * 1000);
    while (conn->requests_left > 0 && svr_sock_ != INVALID_SOCKET) {
      if (!conn->has_buffered_input()) {
        if (conn->served_any && loop_ && conn->flush() && loop_->park(conn)) return;
        if (!conn || !conn->wait_for_request(keep_alive)) break;
      }
      bool connection_closed = false;
      conn->set_write_through(false);
      const bool ok = process_request(*conn, conn->requests_left == 1, connection_closed, nullptr);
      --conn->requests_left;
      conn->served_any = true;
      if (conn->handing_over()) {
        // The stream writer owns the socket from here on: neither reused nor closed here.
        conn->complete_hand_over();
        return;
      }
      if (!ok || connection_closed) break;
    }
    if (conn) conn->close();
  }

  // On the keep-alive loop's thread: a parked connection has bytes.
  KeepAliveLoop::Verdict serve_parked(ServedConnection& c) {
    using Verdict = KeepAliveLoop::Verdict;
    const ssize_t n = c.fill_nonblocking();
    if (n < 0 && !c.has_buffered_input()) return Verdict::kClose;
    // Every whole request already buffered (a client may pipeline), since no new readiness
    // event comes for bytes already read.
    while (c.has_buffered_input()) {
      if (!c.head_buffered_or_full()) return n < 0 ? Verdict::kClose : Verdict::kKeep;
      if (!c.has_plain_get() || svr_sock_ == INVALID_SOCKET) return Verdict::kToWorker;
      ServedConnection::Scope scope(c);
      c.set_nonblocking_mode(true);
      c.set_write_through(false);
      bool connection_closed = false;
      const bool ok = process_request(c, c.requests_left == 1, connection_closed, nullptr);
      c.set_nonblocking_mode(false);
      --c.requests_left;
      if (c.handing_over()) return Verdict::kHandOver;
      if (!ok || connection_closed || c.requests_left == 0) {
        // What the socket does not take at once is sent by a worker, which may wait for it.
        c.requests_left = 0;
        return c.flush_nonblocking() ? Verdict::kClose : Verdict::kToWorker;
      }
      if (!c.flush_nonblocking()) return Verdict::kToWorker;
    }
    return n < 0 ? Verdict::kClose : Verdict::kKeep;
  }

  std::unique_ptr<KeepAliveLoop> loop_;
};

MockServer::MockServer(MockOptions options, const std::vector<Scenario>& scenarios,
                       const Clock& real_clock)
    : options_(std::move(options)),
      real_clock_(real_clock),
      clock_(real_clock,
             options_.manual_clock ? MockClock::Mode::kManual : MockClock::Mode::kScaled,
             options_.time_scale),
      store_(clock_, options_.seed, unix_now_ms()),
      journal_(options_.journal_capacity) {
  if (const std::string problem = options_.validate(); !problem.empty()) throw UsageError(problem);
  for (const Scenario& s : scenarios) check_expressible(options_.dialect, s);
  store_.load(scenarios, false);
}

MockServer::~MockServer() { stop(); }

std::string MockServer::base_url() const {
  const bool v6 = options_.host.find(':') != std::string::npos;
  return "http://" + (v6 ? "[" + options_.host + "]" : options_.host) + ":" + std::to_string(port_);
}

bool MockServer::start(std::string& error) {
  http_ = std::make_unique<ListeningServer>();
  ListeningServer& svr = *http_;
  writer_ = std::make_unique<StreamWriter>(
      clock_, real_clock_, journal_,
      StreamWriter::Options{options_.dialect, options_.heartbeat_ms, std::chrono::seconds(5)});
  if (!writer_->start(error)) return false;
  clock_.set_wake_hook([w = writer_.get()] { w->wake(); });
  routes_ = std::make_unique<RouteContext>(
      RouteContext{store_, journal_, clock_, real_clock_, options_, stopping_, writer_.get()});
  RouteContext* ctx = routes_.get();
  const std::size_t fd_limit = raise_open_file_limit();
  const std::size_t max_workers =
      options_.max_connections > 0
          ? options_.max_connections
          : std::clamp<std::size_t>(fd_limit > kReservedFds ? fd_limit - kReservedFds : 1, 1,
                                    100000);
  const std::size_t stack = options_.stack_kib * 1024;
  svr.new_task_queue = [this, max_workers, stack] {
    auto* pool = new WorkerPool(max_workers, stack);
    pool_.store(pool);
    http_->pool.store(pool);
    return pool;
  };
  svr.set_tcp_nodelay(true);
  // cpp-httplib's default also sets SO_REUSEPORT, which lets a second mock bind a port that is
  // in use and silently take half its connections. A busy port must be an error (exit 3).
  svr.set_socket_options([](socket_t sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    // A worker waits for a connection's first request in cpp-httplib's keep-alive loop, which
    // polls every 10 ms and sleeps 1 ms in between: thousands of connections opened at once
    // spin thousands of threads until their requests arrive, starve the clients that would send
    // them, and miss the 5 s window. Accepting a connection only once its request has arrived
    // means that loop finds data at its first poll.
    int defer_s = kDeferAcceptSeconds;
    setsockopt(sock, IPPROTO_TCP, TCP_DEFER_ACCEPT, &defer_s, sizeof defer_s);
  });
  svr.set_keep_alive_timeout(options_.keep_alive_timeout_s);
  // The library closes a keep-alive connection after 5 requests by default, so a polling client
  // reconnects every fifth GET: a new accept, a worker hand-off and a TCP handshake each time.
  // Streams are unaffected (they send Connection: close).
  svr.set_keep_alive_max_count(kKeepAliveMaxRequests);
  svr.set_read_timeout(5, 0);
  svr.set_write_timeout(5, 0);
  svr.set_error_handler([](const httplib::Request& req, httplib::Response& res) {
    if (!res.body.empty()) return;
    send_error(res, res.status,
               res.status == 404 ? "no route for " + req.method + " " + req.path
                                 : "request could not be served");
  });
  svr.set_exception_handler(
      [](const httplib::Request&, httplib::Response& res, std::exception_ptr) {
        send_error(res, 500, "internal error in the mock");
      });
  svr.set_pre_routing_handler([ctx, interactions = interaction_pre_route(*ctx)](
                                  const httplib::Request& req, httplib::Response& res) mutable {
    return interactions(req, res) || serve_bodyless_admin_post(*ctx, req, res)
               ? httplib::Server::HandlerResponse::Handled
               : httplib::Server::HandlerResponse::Unhandled;
  });
  add_admin_routes(svr, *ctx, [this] {
    nlohmann::json j = nlohmann::json::object();
    if (WorkerPool* pool = pool_.load()) {
      const WorkerPool::Stats s = pool->stats();
      j = {{"workers", s.threads},
           {"busy", s.busy},
           {"queued", s.queued},
           {"max_connections", s.max_threads},
           {"peak_busy", s.peak_busy}};
    }
    if (http_) j["keep_alive_idle"] = http_->parked();
    if (writer_) {
      const StreamTimeliness t = writer_->timeliness();
      j["streams"] = writer_->live();
      j["stream_timeliness"] = {{"live_events", t.live_events},
                                {"late_over_1ms", t.late_over_1ms},
                                {"late_over_20ms", t.late_over_20ms},
                                {"max_lateness_ms", t.max_lateness_ms},
                                {"p50_ms", t.p50_ms},
                                {"p99_ms", t.p99_ms},
                                {"p999_ms", t.p999_ms}};
    }
    return j;
  });

  if (options_.port == 0) {
    port_ = svr.bind_to_any_port(options_.host);
  } else {
    port_ = svr.bind_to_port(options_.host, options_.port) ? options_.port : -1;
  }
  if (port_ < 0) {
    error = "cannot listen on " + options_.host + ":" + std::to_string(options_.port);
    return false;
  }
  svr.relisten(options_.backlog);
  if (!svr.start_keep_alive_loop(error)) return false;
  listener_done_ = false;
  listener_ = std::thread([this, &svr] {
    name_this_thread("ixh-accept");
    svr.listen_after_bind();
    listener_done_ = true;
  });
  // stop() is a no-op until the accept loop runs, so do not return before it does.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!svr.is_running()) {
    if (std::chrono::steady_clock::now() > deadline) {
      error = "the HTTP server did not start accepting within 10 s";
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}

StreamTimeliness MockServer::stream_timeliness() const {
  return writer_ ? writer_->timeliness() : StreamTimeliness{};
}

void MockServer::stop() {
  if (!http_) return;
  stopping_.store(true);
  clock_.shut_down();
  // Streams end first (`server_stopped`), so the sweep below meets no socket the writer owns.
  if (writer_) writer_->stop();
  http_->stop_keep_alive_loop();
  if (listener_.joinable()) {
    // stop() is ignored until the accept loop runs; start() normally waited for that already.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!http_->is_running() && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    http_->stop();
    // Workers idling in a keep-alive wait would hold the stop for the keep-alive timeout; wake
    // them by shutting their sockets down, again until the accept loop has drained its workers
    // (a request finishing meanwhile enters a fresh wait).
    while (!listener_done_.load()) {
      shut_down_accepted_sockets(port_);
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    listener_.join();
  }
  pool_.store(nullptr);
  http_.reset();
  routes_.reset();
  // Every thread that could advance the clock has been joined.
  clock_.set_wake_hook(nullptr);
  writer_.reset();
}

}  // namespace ixh::mock
