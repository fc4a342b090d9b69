#include "cli/target_url.h"

#include <arpa/inet.h>
#include <netdb.h>

#include "cli/port.h"
#include "core/errors.h"

namespace ixh::cli {
namespace {

bool is_numeric_host(const std::string& host) {
  unsigned char buf[sizeof(in6_addr)];
  return inet_pton(AF_INET, host.c_str(), buf) == 1 || inet_pton(AF_INET6, host.c_str(), buf) == 1;
}

std::string resolve_once(const std::string& host, int port) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  if (getaddrinfo(host.c_str(), nullptr, &hints, &res) != 0 || !res) return {};
  char text[INET6_ADDRSTRLEN] = {};
  const void* addr =
      res->ai_family == AF_INET
          ? static_cast<const void*>(&reinterpret_cast<sockaddr_in*>(res->ai_addr)->sin_addr)
          : static_cast<const void*>(&reinterpret_cast<sockaddr_in6*>(res->ai_addr)->sin6_addr);
  const bool ok = inet_ntop(res->ai_family, addr, text, sizeof text) != nullptr;
  const bool v6 = res->ai_family == AF_INET6;
  freeaddrinfo(res);
  if (!ok) return {};
  // Appended piece by piece: GCC 12 at -O3 warns (-Wrestrict, a known false positive) on
  // "[" + std::string(...).
  std::string address;
  if (v6) address += '[';
  address += text;
  if (v6) address += ']';
  return host + ":" + std::to_string(port) + ":" + address;
}

}  // namespace

TargetUrl parse_target_url(const std::string& url) {
  const auto bad = [&](const std::string& why) {
    return UsageError("--target " + url + ": " + why + " (expected e.g. http://127.0.0.1:8080)");
  };
  const std::size_t scheme_end = url.find("://");
  if (scheme_end == std::string::npos) throw bad("no scheme");
  const std::string scheme = url.substr(0, scheme_end);
  if (scheme != "http" && scheme != "https") throw bad("scheme must be http or https");
  const std::size_t authority_start = scheme_end + 3;
  const std::size_t path_start = url.find_first_of("/?#", authority_start);
  const std::string authority = url.substr(authority_start, path_start - authority_start);
  std::string path = path_start == std::string::npos ? std::string() : url.substr(path_start);
  if (path.find_first_of("?#") != std::string::npos) throw bad("no query or fragment allowed");
  while (!path.empty() && path.back() == '/') path.pop_back();
  TargetUrl out;
  std::string port_text;
  if (!authority.empty() && authority.front() == '[') {
    const std::size_t close = authority.find(']');
    if (close == std::string::npos) throw bad("unclosed [");
    out.host = authority.substr(1, close - 1);
    if (close + 1 < authority.size()) {
      if (authority[close + 1] != ':') throw bad("junk after ]");
      port_text = authority.substr(close + 2);
    }
  } else {
    const std::size_t colon = authority.rfind(':');
    out.host = authority.substr(0, colon);
    if (colon != std::string::npos) port_text = authority.substr(colon + 1);
  }
  if (out.host.empty()) throw bad("no host");
  out.port = scheme == "https" ? 443 : 80;
  if (!port_text.empty()) {
    const std::optional<int> p = parse_port(port_text);
    if (!p || *p == 0) throw bad("bad port");
    out.port = *p;
  }
  out.base_url = scheme + "://" + authority + path;
  if (!is_numeric_host(out.host)) out.resolve_entry = resolve_once(out.host, out.port);
  return out;
}

}  // namespace ixh::cli
