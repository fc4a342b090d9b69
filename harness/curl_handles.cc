#include "harness/curl_handles.h"

#include <string_view>

namespace ixh {
namespace {

// The part after the origin can take the short path: an absolute path and an optional query,
// with nothing a whole parse would treat differently (dot segments, a fragment, percent escapes,
// spaces, control characters, an empty query).
bool plain_path_and_query(std::string_view rest) {
  if (rest.empty() || rest.front() != '/') return false;
  for (const char c : rest) {
    const auto u = static_cast<unsigned char>(c);
    // libcurl rewrites percent escapes in a query it is given alone ("%2F" becomes "%2f").
    if (u <= 0x20 || u == 0x7f || c == '#' || c == '\\' || c == '%') return false;
  }
  if (rest.find("/.") != std::string_view::npos) return false;
  return rest.back() != '?';
}

}  // namespace

bool UrlHandle::set(const std::string& url) {
  if (!h_) return false;
  const std::string_view text(url);
  if (!origin_.empty() && text.size() > origin_.size() &&
      text.substr(0, origin_.size()) == origin_) {
    const std::string_view rest = text.substr(origin_.size());
    if (plain_path_and_query(rest)) {
      const std::size_t q = rest.find('?');
      const std::string path(rest.substr(0, q));
      const std::string query =
          q == std::string_view::npos ? std::string() : std::string(rest.substr(q + 1));
      const bool ok =
          curl_url_set(h_, CURLUPART_PATH, path.c_str(), 0) == CURLUE_OK &&
          curl_url_set(h_, CURLUPART_QUERY, q == std::string_view::npos ? nullptr : query.c_str(),
                       0) == CURLUE_OK;
      if (!ok) origin_.clear();
      return ok;
    }
  }
  origin_.clear();
  // Emptied first: on a handle that holds a URL, libcurl would resolve a URL without a scheme
  // against it as a relative reference.
  curl_url_set(h_, CURLUPART_URL, nullptr, 0);
  // The flags libcurl itself parses CURLOPT_URL with.
  if (curl_url_set(h_, CURLUPART_URL, url.c_str(), CURLU_GUESS_SCHEME | CURLU_NON_SUPPORT_SCHEME) !=
      CURLUE_OK) {
    return false;
  }
  // Remember the origin only for a URL spelled "scheme://authority/...".
  const std::size_t scheme_end = text.find("://");
  if (scheme_end == std::string_view::npos) return true;
  const std::size_t path_start = text.find('/', scheme_end + 3);
  if (path_start == std::string_view::npos) return true;
  const std::string_view origin = text.substr(0, path_start);
  // A fragment would outlive the short path, which replaces only the path and the query.
  if (origin.find('?') != std::string_view::npos || text.find('#') != std::string_view::npos) {
    return true;
  }
  origin_.assign(origin);
  return true;
}

}  // namespace ixh
