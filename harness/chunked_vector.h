#pragma once

#include <cstddef>
#include <initializer_list>
#include <iterator>
#include <type_traits>
#include <utility>
#include <vector>

namespace ixh {

// A sequence with the part of std::vector's interface the harness uses, stored in chunks of
// 2^kShift elements, so appending never moves or copies what is already stored. A stream's events
// are appended one at a time for as long as it is live (harness/fetch.cc); a vector would copy all
// of them at every growth step and, for a long stream, take a fresh block of tens of KiB, page by
// page. With a thousand streams growing in step those copies and page faults come at once and
// delay every other stream's events. The first chunk grows as a vector does, up to its full size,
// so a short stream costs no more than it did.
//
// Iterators are positions, not pointers: they stay valid across push_back. References to elements
// of the first chunk move while it grows, as a vector's do; insert and erase shift the later
// elements. Not thread-safe: one owner at a time, like the vector it replaces.
template <typename T, unsigned kShift = 4>
class ChunkedVector {
  static constexpr std::size_t kChunk = std::size_t{1} << kShift;
  static constexpr std::size_t kMask = kChunk - 1;

  template <bool kConst>
  class Iter {
    using Owner = std::conditional_t<kConst, const ChunkedVector, ChunkedVector>;

   public:
    using iterator_category = std::random_access_iterator_tag;
    using iterator_concept = std::random_access_iterator_tag;
    using value_type = T;
    using difference_type = std::ptrdiff_t;
    using pointer = std::conditional_t<kConst, const T*, T*>;
    using reference = std::conditional_t<kConst, const T&, T&>;

    Iter() = default;
    Iter(Owner* owner, std::size_t i) : owner_(owner), i_(i) {}
    // iterator -> const_iterator
    template <bool kOther, typename = std::enable_if_t<kConst && !kOther>>
    Iter(const Iter<kOther>& o) : owner_(o.owner_), i_(o.i_) {}  // NOLINT(runtime/explicit)

    reference operator*() const { return (*owner_)[i_]; }
    pointer operator->() const { return &(*owner_)[i_]; }
    reference operator[](difference_type n) const { return (*owner_)[offset(n)]; }
    Iter& operator++() {
      ++i_;
      return *this;
    }
    Iter operator++(int) {
      Iter t = *this;
      ++i_;
      return t;
    }
    Iter& operator--() {
      --i_;
      return *this;
    }
    Iter operator--(int) {
      Iter t = *this;
      --i_;
      return t;
    }
    Iter& operator+=(difference_type n) {
      i_ = offset(n);
      return *this;
    }
    Iter& operator-=(difference_type n) {
      i_ = offset(-n);
      return *this;
    }
    friend Iter operator+(Iter it, difference_type n) { return it += n; }
    friend Iter operator+(difference_type n, Iter it) { return it += n; }
    friend Iter operator-(Iter it, difference_type n) { return it -= n; }
    friend difference_type operator-(const Iter& a, const Iter& b) {
      return static_cast<difference_type>(a.i_) - static_cast<difference_type>(b.i_);
    }
    friend bool operator==(const Iter& a, const Iter& b) { return a.i_ == b.i_; }
    friend auto operator<=>(const Iter& a, const Iter& b) { return a.i_ <=> b.i_; }

   private:
    friend class Iter<!kConst>;
    std::size_t offset(difference_type n) const {
      return static_cast<std::size_t>(static_cast<difference_type>(i_) + n);
    }
    Owner* owner_ = nullptr;
    std::size_t i_ = 0;
  };

 public:
  using value_type = T;
  using size_type = std::size_t;
  using difference_type = std::ptrdiff_t;
  using reference = T&;
  using const_reference = const T&;
  using iterator = Iter<false>;
  using const_iterator = Iter<true>;
  using reverse_iterator = std::reverse_iterator<iterator>;
  using const_reverse_iterator = std::reverse_iterator<const_iterator>;

  ChunkedVector() = default;
  ChunkedVector(std::initializer_list<T> items) {
    for (const T& item : items) push_back(item);
  }
  template <typename It>
  ChunkedVector(It first, It last) {
    for (; first != last; ++first) push_back(*first);
  }

  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }

  T& operator[](std::size_t i) { return chunks_[i >> kShift][i & kMask]; }
  const T& operator[](std::size_t i) const { return chunks_[i >> kShift][i & kMask]; }
  T& front() { return (*this)[0]; }
  const T& front() const { return (*this)[0]; }
  T& back() { return (*this)[size_ - 1]; }
  const T& back() const { return (*this)[size_ - 1]; }

  iterator begin() { return {this, 0}; }
  iterator end() { return {this, size_}; }
  const_iterator begin() const { return {this, 0}; }
  const_iterator end() const { return {this, size_}; }
  const_iterator cbegin() const { return begin(); }
  const_iterator cend() const { return end(); }
  reverse_iterator rbegin() { return reverse_iterator(end()); }
  reverse_iterator rend() { return reverse_iterator(begin()); }
  const_reverse_iterator rbegin() const { return const_reverse_iterator(end()); }
  const_reverse_iterator rend() const { return const_reverse_iterator(begin()); }

  void push_back(const T& item) { emplace_back(item); }
  void push_back(T&& item) { emplace_back(std::move(item)); }
  template <typename... Args>
  T& emplace_back(Args&&... args) {
    std::vector<T>& chunk = chunk_for_append();
    chunk.emplace_back(std::forward<Args>(args)...);
    ++size_;
    return chunk.back();
  }
  void pop_back() {
    chunks_.back().pop_back();
    --size_;
    if (chunks_.back().empty()) chunks_.pop_back();
  }

  // Makes room for n elements in all: later appends allocate nothing until then.
  void reserve(std::size_t n) {
    if (n <= size_) return;
    chunks_.reserve((n + kMask) >> kShift);
    if (chunks_.empty()) chunks_.emplace_back();
    if (chunks_.size() == 1 && chunks_[0].capacity() < kChunk) {
      chunks_[0].reserve(n < kChunk ? n : kChunk);
    }
  }
  // Gives back the unused part of the last chunk and of the chunk index.
  void shrink_to_fit() {
    if (!chunks_.empty()) chunks_.back().shrink_to_fit();
    chunks_.shrink_to_fit();
  }
  void clear() {
    chunks_.clear();
    size_ = 0;
  }

  iterator insert(const_iterator pos, T item) {
    const auto at = pos - cbegin();
    push_back(std::move(item));
    for (auto i = static_cast<difference_type>(size_) - 1; i > at; --i) {
      using std::swap;
      swap((*this)[static_cast<std::size_t>(i)], (*this)[static_cast<std::size_t>(i - 1)]);
    }
    return begin() + at;
  }
  iterator erase(const_iterator pos) {
    const auto at = static_cast<std::size_t>(pos - cbegin());
    for (std::size_t i = at; i + 1 < size_; ++i) (*this)[i] = std::move((*this)[i + 1]);
    pop_back();
    return begin() + static_cast<difference_type>(at);
  }

  friend bool operator==(const ChunkedVector& a, const ChunkedVector& b) {
    if (a.size_ != b.size_) return false;
    for (std::size_t i = 0; i < a.size_; ++i) {
      if (!(a[i] == b[i])) return false;
    }
    return true;
  }

 private:
  std::vector<T>& chunk_for_append() {
    if (chunks_.empty() || chunks_.back().size() == kChunk) {
      chunks_.emplace_back();
      // Later chunks are taken whole; the first grows as needed, so a short sequence stays small.
      if (chunks_.size() > 1) chunks_.back().reserve(kChunk);
    } else if (chunks_.size() == 1 && chunks_[0].size() == chunks_[0].capacity()) {
      const std::size_t n = chunks_[0].size();
      chunks_[0].reserve(n + n / 2 + 1 < kChunk ? n + n / 2 + 1 : kChunk);
    }
    return chunks_.back();
  }

  std::vector<std::vector<T>> chunks_;
  std::size_t size_ = 0;
};

}  // namespace ixh
