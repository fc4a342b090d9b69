#pragma once

// A small HTTP/1.1 test client over plain sockets, for the integration and e2e suites. It sends
// the request target byte for byte (so tests control every percent-escape), decodes chunked and
// Content-Length bodies itself, and tells a cleanly finished chunked body (final 0-size chunk)
// apart from a connection that merely ended. SseClient feeds a stream body through
// ixh::SseParser and can be read step by step while a test advances the mock's clock.
//
// Header-only: CMake compiles only *_test.cc files into the test binaries.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/sse_parser.h"

namespace ixh::http_test {

using std::chrono::milliseconds;
using Headers = std::vector<std::pair<std::string, std::string>>;

inline bool equals_ignore_case(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

// Incremental parser of one HTTP/1.1 response: status line, headers, then a body framed by
// Transfer-Encoding: chunked, Content-Length, or the end of the connection.
class ResponseParser {
 public:
  // Appends body bytes to `body`. Returns false once the bytes are not valid HTTP.
  bool feed(std::string_view bytes, std::string& body) {
    if (failed_) return false;
    buf_.append(bytes);
    while (!failed_ && phase_ != Phase::kDone) {
      if (!step(body)) break;
    }
    return !failed_;
  }

  // The connection ended: a body delimited by the end of the connection is now complete.
  void on_eof() {
    if (phase_ == Phase::kUntilClose) phase_ = Phase::kDone;
  }

  bool headers_done() const { return headers_done_; }
  // The body ended as its framing says (final chunk, Content-Length reached, or EOF when
  // neither framing was used).
  bool complete() const { return phase_ == Phase::kDone; }
  bool failed() const { return failed_; }
  bool chunked() const { return chunked_; }
  int status() const { return status_; }
  const Headers& headers() const { return headers_; }

 private:
  enum class Phase {
    kHead,
    kLength,
    kChunkSize,
    kChunkData,
    kChunkCrlf,
    kTrailers,
    kUntilClose,
    kDone
  };

  // Consumes one unit from buf_; returns false when more bytes are needed.
  bool step(std::string& body) {
    switch (phase_) {
      case Phase::kHead: {
        const std::size_t end = buf_.find("\r\n\r\n");
        if (end == std::string::npos) return false;
        parse_head(buf_.substr(0, end));
        buf_.erase(0, end + 4);
        return true;
      }
      case Phase::kLength: {
        const std::size_t n = std::min<std::size_t>(remaining_, buf_.size());
        body.append(buf_, 0, n);
        buf_.erase(0, n);
        remaining_ -= n;
        if (remaining_ == 0) phase_ = Phase::kDone;
        return n > 0 || phase_ == Phase::kDone;
      }
      case Phase::kChunkSize: {
        const std::size_t eol = buf_.find("\r\n");
        if (eol == std::string::npos) return false;
        std::string line = buf_.substr(0, eol);
        buf_.erase(0, eol + 2);
        line = line.substr(0, line.find(';'));
        if (line.empty() || line.find_first_not_of("0123456789abcdefABCDEF") != std::string::npos) {
          failed_ = true;
          return false;
        }
        remaining_ = std::stoull(line, nullptr, 16);
        phase_ = remaining_ == 0 ? Phase::kTrailers : Phase::kChunkData;
        return true;
      }
      case Phase::kChunkData: {
        const std::size_t n = std::min<std::size_t>(remaining_, buf_.size());
        body.append(buf_, 0, n);
        buf_.erase(0, n);
        remaining_ -= n;
        if (remaining_ == 0) phase_ = Phase::kChunkCrlf;
        return n > 0 || remaining_ == 0;
      }
      case Phase::kChunkCrlf: {
        if (buf_.size() < 2) return false;
        if (buf_.compare(0, 2, "\r\n") != 0) {
          failed_ = true;
          return false;
        }
        buf_.erase(0, 2);
        phase_ = Phase::kChunkSize;
        return true;
      }
      case Phase::kTrailers: {
        const std::size_t eol = buf_.find("\r\n");
        if (eol == std::string::npos) return false;
        buf_.erase(0, eol + 2);
        if (eol == 0) phase_ = Phase::kDone;
        return true;
      }
      case Phase::kUntilClose:
        body.append(buf_);
        buf_.clear();
        return false;
      case Phase::kDone:
        return false;
    }
    return false;
  }

  void parse_head(const std::string& head) {
    std::size_t pos = head.find("\r\n");
    const std::string status_line = head.substr(0, pos);
    // "HTTP/1.1 200 OK"
    if (status_line.rfind("HTTP/1.", 0) != 0 || status_line.size() < 12) {
      failed_ = true;
      return;
    }
    status_ = std::atoi(status_line.c_str() + 9);
    while (pos != std::string::npos) {
      const std::size_t start = pos + 2;
      pos = head.find("\r\n", start);
      const std::string line = head.substr(start, pos == std::string::npos ? pos : pos - start);
      const std::size_t colon = line.find(':');
      if (colon == std::string::npos) continue;
      std::string value = line.substr(colon + 1);
      value.erase(0, value.find_first_not_of(" \t"));
      value.erase(value.find_last_not_of(" \t") + 1);
      headers_.emplace_back(line.substr(0, colon), value);
    }
    headers_done_ = true;
    std::string te;
    std::string length;
    for (const auto& [k, v] : headers_) {
      if (equals_ignore_case(k, "Transfer-Encoding")) te = v;
      if (equals_ignore_case(k, "Content-Length")) length = v;
    }
    if (equals_ignore_case(te, "chunked")) {
      chunked_ = true;
      phase_ = Phase::kChunkSize;
    } else if (!length.empty()) {
      remaining_ = std::stoull(length);
      phase_ = remaining_ == 0 ? Phase::kDone : Phase::kLength;
    } else {
      phase_ = Phase::kUntilClose;
    }
  }

  Phase phase_ = Phase::kHead;
  std::string buf_;
  std::uint64_t remaining_ = 0;
  int status_ = 0;
  Headers headers_;
  bool headers_done_ = false;
  bool chunked_ = false;
  bool failed_ = false;
};

// One TCP connection to 127.0.0.1. Writes never raise SIGPIPE.
class Connection {
 public:
  Connection() = default;
  explicit Connection(int port) { open(port); }
  ~Connection() { close(); }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  Connection(Connection&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  Connection& operator=(Connection&& o) noexcept {
    if (this != &o) {
      close();
      fd_ = std::exchange(o.fd_, -1);
    }
    return *this;
  }

  bool open(int port) {
    close();
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) return false;
    int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      close();
      return false;
    }
    return true;
  }

  bool is_open() const { return fd_ >= 0; }
  int fd() const { return fd_; }

  bool send_all(std::string_view bytes) {
    while (!bytes.empty()) {
      const ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return false;
      bytes.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
  }

  enum class Read { kData, kEof, kTimeout, kError };
  // Waits up to `timeout` for bytes and appends what is there to `out`.
  Read read_some(std::string& out, milliseconds timeout) {
    pollfd p{fd_, POLLIN, 0};
    int rc = 0;
    do {
      rc = ::poll(&p, 1, static_cast<int>(timeout.count()));
    } while (rc < 0 && errno == EINTR);
    if (rc == 0) return Read::kTimeout;
    if (rc < 0) return Read::kError;
    char buf[16384];
    ssize_t n = 0;
    do {
      n = ::recv(fd_, buf, sizeof buf, 0);
    } while (n < 0 && errno == EINTR);
    if (n == 0) return Read::kEof;
    if (n < 0) return errno == ECONNRESET ? Read::kEof : Read::kError;
    out.append(buf, static_cast<std::size_t>(n));
    return Read::kData;
  }

  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_ = -1;
};

// Builds a request with Host, and Content-Length whenever there is a body or the method usually
// carries one. `close` adds "Connection: close" so the response ends with the connection.
inline std::string build_request(std::string_view method, std::string_view target,
                                 const Headers& headers = {}, std::string_view body = {},
                                 bool close = true) {
  std::string req;
  req.append(method).append(" ").append(target).append(" HTTP/1.1\r\n");
  req.append("Host: 127.0.0.1\r\n");
  for (const auto& [k, v] : headers) req.append(k).append(": ").append(v).append("\r\n");
  if (!body.empty() || method == "POST" || method == "PUT" || method == "DELETE") {
    req.append("Content-Length: ").append(std::to_string(body.size())).append("\r\n");
  }
  if (close) req.append("Connection: close\r\n");
  req.append("\r\n");
  req.append(body);
  return req;
}

struct HttpResponse {
  std::string error;  // empty when a complete response arrived
  int status = 0;
  Headers headers;
  std::string body;
  bool chunked = false;

  bool ok() const { return error.empty(); }
  bool has_header(std::string_view name) const { return header_count(name) > 0; }
  std::size_t header_count(std::string_view name) const {
    return static_cast<std::size_t>(
        std::count_if(headers.begin(), headers.end(),
                      [&](const auto& kv) { return equals_ignore_case(kv.first, name); }));
  }
  std::string header(std::string_view name) const {
    for (const auto& [k, v] : headers) {
      if (equals_ignore_case(k, name)) return v;
    }
    return {};
  }
  // The body as JSON; a discarded value when it is not JSON.
  nlohmann::json json() const { return nlohmann::json::parse(body, nullptr, false); }
};

// Sends one request on a fresh connection and reads the whole response (bounded by `timeout`).
inline HttpResponse send_request(int port, const std::string& raw_request,
                                 milliseconds timeout = milliseconds(5000)) {
  HttpResponse out;
  Connection conn;
  if (!conn.open(port)) {
    out.error = "connect failed";
    return out;
  }
  if (!conn.send_all(raw_request)) {
    out.error = "send failed";
    return out;
  }
  ResponseParser parser;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::string in;
  while (!parser.complete()) {
    const auto left =
        std::chrono::duration_cast<milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      out.error = "timed out";
      break;
    }
    in.clear();
    const Connection::Read r = conn.read_some(in, left);
    if (r == Connection::Read::kData) {
      if (!parser.feed(in, out.body)) {
        out.error = "malformed HTTP response";
        break;
      }
    } else if (r == Connection::Read::kEof) {
      parser.on_eof();
      if (!parser.complete()) out.error = "connection ended before the response was complete";
      break;
    } else {
      out.error = r == Connection::Read::kTimeout ? "timed out" : "read error";
      break;
    }
  }
  out.status = parser.status();
  out.headers = parser.headers();
  out.chunked = parser.chunked();
  return out;
}

inline HttpResponse http_get(int port, std::string_view target, const Headers& headers = {}) {
  return send_request(port, build_request("GET", target, headers));
}

inline HttpResponse http_post(int port, std::string_view target, std::string_view body = {},
                              const Headers& headers = {}) {
  return send_request(port, build_request("POST", target, headers, body));
}

inline HttpResponse http_delete(int port, std::string_view target) {
  return send_request(port, build_request("DELETE", target));
}

// One event as the test keeps it: the SSE fields and the parsed data.
struct StreamEvent {
  std::string type;  // SSE event field
  std::string id;    // SSE last event ID when dispatched
  std::string data;
  nlohmann::json json;  // data parsed; discarded when not JSON
};

// A stream request read step by step. The request goes out on construction; pump()/wait_*()
// read what the server sends, parse HTTP framing and SSE, and never block past their timeout.
class SseClient {
 public:
  SseClient(int port, std::string_view target, const Headers& headers = {}) {
    if (!conn_.open(port)) {
      error_ = "connect failed";
      ended_ = true;
      return;
    }
    if (!conn_.send_all(build_request("GET", target, headers))) {
      error_ = "send failed";
      ended_ = true;
    }
  }

  // Reads once, waiting up to `timeout`. Returns false once the connection has ended.
  bool pump(milliseconds timeout) {
    if (ended_) return false;
    scratch_.clear();
    const Connection::Read r = conn_.read_some(scratch_, timeout);
    if (r == Connection::Read::kData) {
      const std::size_t before = body_.size();
      if (!parser_.feed(scratch_, body_)) error_ = "malformed HTTP response";
      if (body_.size() > before) {
        sse_.feed(std::string_view(body_).substr(before), [this](const SseEvent& e) {
          StreamEvent ev{e.type, e.last_event_id, e.data,
                         nlohmann::json::parse(e.data, nullptr, false)};
          events_.push_back(std::move(ev));
        });
      }
      return true;
    }
    if (r == Connection::Read::kTimeout) return true;
    if (r == Connection::Read::kError) error_ = "read error";
    parser_.on_eof();
    ended_ = true;
    truncated_ = sse_.finish();
    conn_.close();
    return false;
  }

  // Reads until `pred()` holds, the connection ends or `timeout` passes; returns pred().
  bool wait_for(const std::function<bool()>& pred, milliseconds timeout = milliseconds(5000)) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!pred()) {
      const auto left =
          std::chrono::duration_cast<milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0 || ended_) return pred();
      pump(std::min(left, milliseconds(100)));
    }
    return true;
  }
  bool wait_events(std::size_t n, milliseconds timeout = milliseconds(5000)) {
    return wait_for([&] { return events_.size() >= n; }, timeout);
  }
  bool wait_headers(milliseconds timeout = milliseconds(5000)) {
    return wait_for([&] { return parser_.headers_done(); }, timeout);
  }
  // Reads until the server ends the connection.
  bool wait_end(milliseconds timeout = milliseconds(5000)) {
    return wait_for([&] { return ended_; }, timeout);
  }

  // Closes the client side mid-stream.
  void close() {
    conn_.close();
    ended_ = true;
  }

  int fd() const { return conn_.fd(); }
  int status() const { return parser_.status(); }
  bool headers_done() const { return parser_.headers_done(); }
  std::string header(std::string_view name) const {
    for (const auto& [k, v] : parser_.headers()) {
      if (equals_ignore_case(k, name)) return v;
    }
    return {};
  }
  const std::vector<StreamEvent>& events() const { return events_; }
  const std::string& body() const { return body_; }
  std::uint64_t comments() const { return sse_.comments(); }
  const std::string& error() const { return error_; }
  bool ended() const { return ended_; }
  // The response body ended as HTTP framing says (final chunk seen), without errors.
  bool body_complete() const { return parser_.complete() && !parser_.failed(); }
  // Ended cleanly: body complete, connection ended, SSE ended on a block boundary.
  bool clean_end() const {
    return ended_ && body_complete() && !truncated_ && error_.empty() &&
           sse_.error() == SseError::kNone;
  }
  SseError sse_error() const { return sse_.error(); }

 private:
  Connection conn_;
  ResponseParser parser_;
  SseParser sse_;
  std::string scratch_;
  std::string body_;
  std::vector<StreamEvent> events_;
  std::string error_;
  bool ended_ = false;
  bool truncated_ = false;
};

// Pumps many streams at once until every one satisfies `done` or `timeout` passes. Returns true
// when all did.
inline bool pump_all(std::vector<SseClient*>& clients, const std::function<bool(SseClient&)>& done,
                     milliseconds timeout = milliseconds(8000)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    std::vector<pollfd> fds;
    std::vector<SseClient*> waiting;
    for (SseClient* c : clients) {
      if (done(*c) || c->ended()) continue;
      fds.push_back(pollfd{c->fd(), POLLIN, 0});
      waiting.push_back(c);
    }
    if (waiting.empty()) break;
    const auto left =
        std::chrono::duration_cast<milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    const int rc =
        ::poll(fds.data(), fds.size(), static_cast<int>(std::min<std::int64_t>(left.count(), 100)));
    if (rc < 0 && errno != EINTR) break;
    for (std::size_t i = 0; i < fds.size(); ++i) {
      if (fds[i].revents != 0) waiting[i]->pump(milliseconds(0));
    }
  }
  return std::all_of(clients.begin(), clients.end(), [&](SseClient* c) { return done(*c); });
}

// Ignores SIGPIPE for the whole test process: a server thread writing to a socket that a test
// closed must not end the run. Used as `static const bool kSigpipe = ignore_sigpipe();`.
inline bool ignore_sigpipe() {
  std::signal(SIGPIPE, SIG_IGN);
  return true;
}

}  // namespace ixh::http_test
