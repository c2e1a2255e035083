// Which of the values 0 .. n-1 are taken, one bit each, in a buffer of the running
// thread's own that is reused from call to call (no allocation per use). Used by draws
// of distinct values (churn's picks, Floyd's sampling). One set per thread at a time:
// its user must clear every value it took before it returns.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

namespace laborsim {

class ThreadMarks {
 public:
  explicit ThreadMarks(std::int64_t n) : bits_(buffer()) {
    bits_.resize(std::max(bits_.size(), static_cast<std::size_t>((n + 63) / 64)));
  }
  // Takes v; false if it was taken already.
  bool take(std::int64_t v) {
    std::uint64_t& word = bits_[static_cast<std::size_t>(v >> 6)];
    const std::uint64_t bit = std::uint64_t{1} << (v & 63);
    const bool was = word & bit;
    word |= bit;
    return !was;
  }
  // Gives v back alone (the other values of its word stay as they are).
  void release(std::int64_t v) { bits_[static_cast<std::size_t>(v >> 6)] &= ~(std::uint64_t{1} << (v & 63)); }
  // Clears v together with the 63 values sharing its word: called for every value taken,
  // it leaves the buffer clear for the next user.
  void clear(std::int64_t v) { bits_[static_cast<std::size_t>(v >> 6)] = 0; }

 private:
  static std::vector<std::uint64_t>& buffer() {
    static thread_local std::vector<std::uint64_t> bits;
    return bits;
  }
  std::vector<std::uint64_t>& bits_;
};

}  // namespace laborsim
