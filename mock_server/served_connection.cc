#include "mock_server/served_connection.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <string_view>

namespace ixh::mock {
namespace {

thread_local ServedConnection* t_current = nullptr;

// Bytes held back before they are sent even though the response is not over.
constexpr std::size_t kHoldBackBytes = 16 * 1024;

timeval to_timeval(std::chrono::microseconds t) {
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(t.count() / 1'000'000);
  tv.tv_usec = static_cast<suseconds_t>(t.count() % 1'000'000);
  return tv;
}

int poll_ms(std::chrono::microseconds t) {
  return static_cast<int>(std::min<std::int64_t>((t.count() + 999) / 1000, 1 << 30));
}

// As cpp-httplib's get_ip_and_port: the numeric host, so the journal and faults see the same
// text the library would have given.
bool ip_and_port(const sockaddr_storage& addr, socklen_t len, std::string& ip, int& port) {
  if (addr.ss_family == AF_INET) {
    port = ntohs(reinterpret_cast<const sockaddr_in*>(&addr)->sin_port);
  } else if (addr.ss_family == AF_INET6) {
    port = ntohs(reinterpret_cast<const sockaddr_in6*>(&addr)->sin6_port);
  } else {
    return false;
  }
  char host[NI_MAXHOST] = {};
  if (getnameinfo(reinterpret_cast<const sockaddr*>(&addr), len, host, sizeof host, nullptr, 0,
                  NI_NUMERICHOST) != 0) {
    return false;
  }
  ip = host;
  return true;
}

}  // namespace

ServedConnection::ServedConnection(int fd, std::chrono::microseconds read_timeout,
                                   std::chrono::microseconds write_timeout)
    : fd_(fd), write_timeout_(write_timeout) {
  // Reads and writes block under these timeouts instead of polling before each call.
  const timeval rt = to_timeval(read_timeout);
  const timeval wt = to_timeval(write_timeout);
  setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &rt, sizeof rt);
  setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &wt, sizeof wt);
}

ServedConnection::~ServedConnection() {
  if (fd_ >= 0) close();
}

ServedConnection::Scope::Scope(ServedConnection& conn) : outer_(t_current) { t_current = &conn; }
ServedConnection::Scope::~Scope() { t_current = outer_; }

ServedConnection* ServedConnection::current() { return t_current; }

bool ServedConnection::is_readable() const {
  if (in_off_ < in_len_) return true;
  pollfd p{fd_, POLLIN, 0};
  int rc;
  do {
    rc = ::poll(&p, 1, 0);
  } while (rc < 0 && errno == EINTR);
  return rc > 0;
}

bool ServedConnection::is_writable() const {
  // cpp-httplib's check, kept for streams served on the worker thread: writable within the
  // write timeout, and the peer has not sent its FIN.
  pollfd p{fd_, POLLOUT, 0};
  int rc;
  do {
    rc = ::poll(&p, 1, poll_ms(write_timeout_));
  } while (rc < 0 && errno == EINTR);
  if (rc <= 0) return false;
  pollfd r{fd_, POLLIN, 0};
  do {
    rc = ::poll(&r, 1, 0);
  } while (rc < 0 && errno == EINTR);
  if (rc == 0) return true;
  char byte;
  return ::recv(fd_, &byte, 1, MSG_PEEK) > 0;
}

ssize_t ServedConnection::read(char* ptr, size_t size) {
  if (in_off_ == in_len_ && nonblocking_) {
    const ssize_t n = fill_nonblocking();
    if (n <= 0) return -1;
  }
  if (in_off_ == in_len_) {
    // A request/response exchange: whatever the last response left behind goes out first.
    if (!pending_.empty() && !flush()) return -1;
    ssize_t n;
    if (size >= in_.size()) {
      do {
        n = ::recv(fd_, ptr, size, 0);
      } while (n < 0 && errno == EINTR);
      return n;
    }
    do {
      n = ::recv(fd_, in_.data(), in_.size(), 0);
    } while (n < 0 && errno == EINTR);
    if (n <= 0) return n;
    in_off_ = 0;
    in_len_ = static_cast<std::size_t>(n);
  }
  const std::size_t n = std::min(size, in_len_ - in_off_);
  std::memcpy(ptr, in_.data() + in_off_, n);
  in_off_ += n;
  return static_cast<ssize_t>(n);
}

ssize_t ServedConnection::write(const char* ptr, size_t size) {
  if (nonblocking_) {
    pending_.append(ptr, size);
    return static_cast<ssize_t>(size);
  }
  if (write_through_) {
    if (!pending_.empty() && !flush()) return -1;
    if (!is_writable()) return -1;
    ssize_t n;
    do {
      n = ::send(fd_, ptr, size, MSG_NOSIGNAL);
    } while (n < 0 && errno == EINTR);
    return n;
  }
  if (pending_.size() + size <= kHoldBackBytes) {
    pending_.append(ptr, size);
    return static_cast<ssize_t>(size);
  }
  const bool ok = send_all(pending_.data(), pending_.size(), ptr, size);
  pending_.clear();
  return ok ? static_cast<ssize_t>(size) : -1;
}

bool ServedConnection::flush() {
  if (pending_.empty()) return true;
  const bool ok = send_all(pending_.data(), pending_.size(), nullptr, 0);
  pending_.clear();
  return ok;
}

bool ServedConnection::send_all(const char* a, std::size_t an, const char* b, std::size_t bn) {
  while (an + bn > 0) {
    iovec iov[2] = {{const_cast<char*>(a), an}, {const_cast<char*>(b), bn}};
    msghdr msg{};
    msg.msg_iov = an > 0 ? iov : iov + 1;
    msg.msg_iovlen = an > 0 ? 2 : 1;
    const ssize_t n = ::sendmsg(fd_, &msg, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    auto sent = static_cast<std::size_t>(n);
    const std::size_t from_a = std::min(sent, an);
    a += from_a;
    an -= from_a;
    sent -= from_a;
    b += sent;
    bn -= sent;
  }
  return true;
}

ssize_t ServedConnection::fill_nonblocking() {
  if (in_off_ > 0) {
    std::memmove(in_.data(), in_.data() + in_off_, in_len_ - in_off_);
    in_len_ -= in_off_;
    in_off_ = 0;
  }
  if (in_len_ == in_.size()) return 0;
  ssize_t n;
  do {
    n = ::recv(fd_, in_.data() + in_len_, in_.size() - in_len_, MSG_DONTWAIT);
  } while (n < 0 && errno == EINTR);
  if (n == 0) return -1;
  if (n < 0) return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
  in_len_ += static_cast<std::size_t>(n);
  return n;
}

bool ServedConnection::head_buffered_or_full() const {
  const std::string_view buf(in_.data() + in_off_, in_len_ - in_off_);
  return buf.find("\r\n\r\n") != std::string_view::npos || in_len_ - in_off_ == in_.size();
}

bool ServedConnection::has_plain_get() const {
  const std::string_view buf(in_.data() + in_off_, in_len_ - in_off_);
  const std::size_t end = buf.find("\r\n\r\n");
  if (end == std::string_view::npos || buf.substr(0, 4) != "GET ") return false;
  const std::string_view head = buf.substr(0, end + 2);
  const std::size_t eol = head.find("\r\n");
  const std::string_view line = head.substr(0, eol);
  const std::size_t q = line.find('?');
  if (q != std::string_view::npos) {
    const std::string_view query = line.substr(q);
    if (query.find('%') != std::string_view::npos ||
        query.find("stream") != std::string_view::npos) {
      return false;
    }
  }
  // A body, or a wait for 100-continue, would need reads that may block.
  std::string lower(head.substr(eol + 2));
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return lower.find("content-length:") == std::string::npos &&
         lower.find("transfer-encoding:") == std::string::npos &&
         lower.find("expect:") == std::string::npos;
}

bool ServedConnection::flush_nonblocking() {
  std::size_t off = 0;
  while (off < pending_.size()) {
    const ssize_t n =
        ::send(fd_, pending_.data() + off, pending_.size() - off, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    off += static_cast<std::size_t>(n);
  }
  pending_.erase(0, off);
  return pending_.empty();
}

bool ServedConnection::wait_for_request(std::chrono::milliseconds timeout) {
  if (in_off_ < in_len_) return true;
  if (!pending_.empty() && !flush()) return false;
  pollfd p{fd_, POLLIN, 0};
  int rc;
  do {
    rc = ::poll(&p, 1, static_cast<int>(timeout.count()));
  } while (rc < 0 && errno == EINTR);
  return rc > 0 && (p.revents & POLLIN) != 0;
}

void ServedConnection::look_up_endpoints() const {
  if (endpoints_known_) return;
  endpoints_known_ = true;
  sockaddr_storage addr{};
  socklen_t len = sizeof addr;
  if (getpeername(fd_, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    ip_and_port(addr, len, remote_ip_, remote_port_);
  }
  addr = {};
  len = sizeof addr;
  if (getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    ip_and_port(addr, len, local_ip_, local_port_);
  }
}

void ServedConnection::get_remote_ip_and_port(std::string& ip, int& port) const {
  look_up_endpoints();
  ip = remote_ip_;
  port = remote_port_;
}

void ServedConnection::get_local_ip_and_port(std::string& ip, int& port) const {
  look_up_endpoints();
  ip = local_ip_;
  port = local_port_;
}

void ServedConnection::complete_hand_over() {
  if (!take_over_) return;
  TakeOver take = std::move(take_over_);
  take_over_ = nullptr;
  std::string unsent = std::move(pending_);
  pending_.clear();
  const int fd = fd_;
  fd_ = -1;
  take(fd, std::move(unsent));
}

void ServedConnection::close() {
  if (fd_ < 0) return;
  flush();
  ::shutdown(fd_, SHUT_RDWR);
  ::close(fd_);
  fd_ = -1;
}

}  // namespace ixh::mock
