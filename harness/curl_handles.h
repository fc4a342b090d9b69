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

// A parsed URL (CURLOPT_CURLU): parsed once by set(), read by libcurl at each transfer start, so
// a transfer repeating the last URL skips libcurl's parse and normalisation of it.
class UrlHandle {
 public:
  UrlHandle() : h_(curl_url()) {}
  ~UrlHandle() {
    if (h_) curl_url_cleanup(h_);
  }
  UrlHandle(UrlHandle&& o) noexcept : h_(std::exchange(o.h_, nullptr)) {}
  UrlHandle& operator=(UrlHandle&& o) noexcept {
    if (this != &o) {
      if (h_) curl_url_cleanup(h_);
      h_ = std::exchange(o.h_, nullptr);
    }
    return *this;
  }
  UrlHandle(const UrlHandle&) = delete;
  UrlHandle& operator=(const UrlHandle&) = delete;
  CURLU* get() const { return h_; }
  // Replaces the whole URL; false when it does not parse (the handle is then unchanged).
  bool set(const std::string& url) {
    // The flags libcurl itself parses CURLOPT_URL with.
    return h_ && curl_url_set(h_, CURLUPART_URL, url.c_str(),
                              CURLU_GUESS_SCHEME | CURLU_NON_SUPPORT_SCHEME) == CURLUE_OK;
  }

 private:
  CURLU* h_;
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
