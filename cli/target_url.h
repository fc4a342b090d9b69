#pragma once

#include <string>

namespace ixh::cli {

// A --target URL, checked and ready for the engine.
struct TargetUrl {
  std::string base_url;  // scheme://host:port[/prefix], no trailing slash
  std::string host;
  int port = 0;
  // "host:port:address" when host is a name: resolved once here, so no transfer starts a
  // resolver thread (empty for numeric hosts).
  std::string resolve_entry;
};

// Parses http:// or https:// URLs; throws UsageError naming the value. Resolves names once
// (a name that does not resolve is left to curl, which reports it as a connect error).
TargetUrl parse_target_url(const std::string& url);

}  // namespace ixh::cli
