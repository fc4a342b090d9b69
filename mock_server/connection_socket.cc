#include "mock_server/connection_socket.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <linux/sockios.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <thread>

namespace ixh::mock {
namespace {

// Whether `addr` is the endpoint `ip`:`port`. The text form is parsed rather than compared as
// text, so "::ffff:127.0.0.1" and other spellings cannot slip through.
bool same_endpoint(const sockaddr_storage& addr, const std::string& ip, int port) {
  if (addr.ss_family == AF_INET) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(&addr);
    in_addr want{};
    return ntohs(in->sin_port) == port && inet_pton(AF_INET, ip.c_str(), &want) == 1 &&
           std::memcmp(&want, &in->sin_addr, sizeof want) == 0;
  }
  if (addr.ss_family == AF_INET6) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(&addr);
    in6_addr want{};
    return ntohs(in6->sin6_port) == port && inet_pton(AF_INET6, ip.c_str(), &want) == 1 &&
           std::memcmp(&want, &in6->sin6_addr, sizeof want) == 0;
  }
  return false;
}

bool matches(int fd, const ConnectionAddress& conn) {
  struct stat st {};
  if (fstat(fd, &st) != 0 || !S_ISSOCK(st.st_mode)) return false;
  sockaddr_storage local{};
  socklen_t local_len = sizeof local;
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&local), &local_len) != 0) return false;
  if (!same_endpoint(local, conn.local_addr, conn.local_port)) return false;
  sockaddr_storage peer{};
  socklen_t peer_len = sizeof peer;
  if (getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &peer_len) != 0) return false;
  return same_endpoint(peer, conn.remote_addr, conn.remote_port);
}

}  // namespace

int find_connection_socket(const ConnectionAddress& conn) {
  if (conn.local_port < 0 || conn.remote_port < 0) return -1;
  DIR* dir = opendir("/proc/self/fd");
  if (!dir) return -1;
  int found = -1;
  while (const dirent* entry = readdir(dir)) {
    char* end = nullptr;
    const long fd = std::strtol(entry->d_name, &end, 10);
    if (end == entry->d_name || *end != '\0' || fd == dirfd(dir)) continue;
    if (matches(static_cast<int>(fd), conn)) {
      found = static_cast<int>(fd);
      break;
    }
  }
  closedir(dir);
  return found;
}

bool send_raw(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

bool shut_down_writes(int fd) { return ::shutdown(fd, SHUT_WR) == 0; }

bool reset_connection(int fd) {
  // cpp-httplib shuts a socket down (FIN) before it closes it, so an abortive close alone would
  // come after a FIN that the peer reads as a clean end. connect() to AF_UNSPEC disconnects the
  // socket at once instead (Linux tcp_disconnect: an RST for an established connection) and
  // leaves the descriptor open for cpp-httplib to close as usual. SO_LINGER {1, 0} first makes
  // any later close abortive too.
  const linger abortive{1, 0};
  const bool linger_set = ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &abortive, sizeof abortive) == 0;
  sockaddr unspec{};
  unspec.sa_family = AF_UNSPEC;
  return ::connect(fd, &unspec, sizeof unspec) == 0 && linger_set;
}

bool wait_until_acknowledged(int fd, std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  for (;;) {
    int queued = 0;
    // SIOCOUTQ: bytes not yet acknowledged by the peer (sent or not).
    if (::ioctl(fd, SIOCOUTQ, &queued) != 0) return false;
    if (queued == 0) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

}  // namespace ixh::mock
