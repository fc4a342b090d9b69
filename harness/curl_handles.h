#pragma once

#include <curl/curl.h>

#include <string>
#include <utility>

namespace ixh {

// Move-only owners of libcurl handles, so no path (early return, exception at a loader) leaks
// one. Created and destroyed on the worker thread that uses them.
class EasyHandle {
 public:
  EasyHandle() : h_(curl_easy_init()) {}
  ~EasyHandle() {
    if (h_) curl_easy_cleanup(h_);
  }
  EasyHandle(EasyHandle&& o) noexcept : h_(std::exchange(o.h_, nullptr)) {}
  EasyHandle& operator=(EasyHandle&& o) noexcept {
    if (this != &o) {
      if (h_) curl_easy_cleanup(h_);
      h_ = std::exchange(o.h_, nullptr);
    }
    return *this;
  }
  EasyHandle(const EasyHandle&) = delete;
  EasyHandle& operator=(const EasyHandle&) = delete;
  CURL* get() const { return h_; }
  explicit operator bool() const { return h_ != nullptr; }

 private:
  CURL* h_;
};

class MultiHandle {
 public:
  MultiHandle() : h_(curl_multi_init()) {}
  ~MultiHandle() {
    if (h_) curl_multi_cleanup(h_);
  }
  MultiHandle(MultiHandle&& o) noexcept : h_(std::exchange(o.h_, nullptr)) {}
  MultiHandle& operator=(MultiHandle&& o) noexcept {
    if (this != &o) {
      if (h_) curl_multi_cleanup(h_);
      h_ = std::exchange(o.h_, nullptr);
    }
    return *this;
  }
  MultiHandle(const MultiHandle&) = delete;
  MultiHandle& operator=(const MultiHandle&) = delete;
  CURLM* get() const { return h_; }

 private:
  CURLM* h_;
};

// A parsed URL (CURLOPT_CURLU): parsed by set(), read by libcurl at each transfer start, so a
// transfer no longer has libcurl parse and re-assemble its URL text.
class UrlHandle {
 public:
  UrlHandle() : h_(curl_url()) {}
  ~UrlHandle() {
    if (h_) curl_url_cleanup(h_);
  }
  UrlHandle(UrlHandle&& o) noexcept
      : h_(std::exchange(o.h_, nullptr)), origin_(std::move(o.origin_)) {}
  UrlHandle& operator=(UrlHandle&& o) noexcept {
    if (this != &o) {
      if (h_) curl_url_cleanup(h_);
      h_ = std::exchange(o.h_, nullptr);
      origin_ = std::move(o.origin_);
    }
    return *this;
  }
  UrlHandle(const UrlHandle&) = delete;
  UrlHandle& operator=(const UrlHandle&) = delete;
  CURLU* get() const { return h_; }
  // Makes the handle hold `url`, parsed as libcurl parses CURLOPT_URL. A URL with the same
  // scheme and authority as the last one only has its path and query replaced (a load run's
  // URLs differ only in the instance id); anything else is parsed whole. False when the URL does
  // not parse: the handle is then empty until a later set() succeeds.
  bool set(const std::string& url);

 private:
  CURLU* h_;
  std::string origin_;  // "scheme://authority" of the last URL parsed whole; empty: none
};

// A curl_slist built by appending; curl keeps only a pointer to it, so it must outlive every
// transfer that uses it.
class StringList {
 public:
  StringList() = default;
  ~StringList() { curl_slist_free_all(list_); }
  StringList(StringList&& o) noexcept : list_(std::exchange(o.list_, nullptr)) {}
  StringList& operator=(StringList&& o) noexcept {
    if (this != &o) {
      curl_slist_free_all(list_);
      list_ = std::exchange(o.list_, nullptr);
    }
    return *this;
  }
  StringList(const StringList&) = delete;
  StringList& operator=(const StringList&) = delete;
  // Returns false when libcurl could not allocate; the list is unchanged then.
  bool append(const std::string& s) {
    curl_slist* next = curl_slist_append(list_, s.c_str());
    if (!next) return false;
    list_ = next;
    return true;
  }
  curl_slist* get() const { return list_; }
  void clear() {
    curl_slist_free_all(list_);
    list_ = nullptr;
  }

 private:
  curl_slist* list_ = nullptr;
};

}  // namespace ixh
