// PaddedVector<T>: a vector whose elements each sit on cache lines of their own, for the
// per-market (or per-block) counts and lists that a parallel pass writes side by side.
// In a plain vector, eight markets' counts share one 64-byte line: every event one
// thread's market writes takes the line away from the other thread's core, which then
// waits for it back (false sharing). Measured in docs/performance-history.md (tenth round).
#pragma once

#include <cstddef>
#include <iterator>
#include <vector>

namespace laborsim {

// 128, not 64: the paired-line ("adjacent line") prefetcher of x86 cores moves lines in
// aligned pairs, so two slots on one 128-byte pair still contend.
inline constexpr std::size_t kFalseSharingSpan = 128;

template <class T>
class PaddedVector {
 public:
  PaddedVector() = default;
  explicit PaddedVector(std::size_t n) : slots_(n) {}
  void assign(std::size_t n, const T& value) { slots_.assign(n, Slot{value}); }
  void resize(std::size_t n) { slots_.resize(n); }
  std::size_t size() const { return slots_.size(); }
  T& operator[](std::size_t i) { return slots_[i].value; }
  const T& operator[](std::size_t i) const { return slots_[i].value; }

 private:
  struct alignas(kFalseSharingSpan) Slot {
    T value{};
  };
  std::vector<Slot> slots_;

  // Walks the slots, yielding their values.
  template <class Value, class SlotIt>
  struct Iterator {
    using iterator_category = std::forward_iterator_tag;
    using value_type = T;
    using difference_type = std::ptrdiff_t;
    using pointer = Value*;
    using reference = Value&;
    SlotIt it;
    Value& operator*() const { return it->value; }
    Value* operator->() const { return &it->value; }
    Iterator& operator++() { return ++it, *this; }
    Iterator operator++(int) { return {it++}; }
    bool operator==(const Iterator&) const = default;
  };

 public:
  using iterator = Iterator<T, typename std::vector<Slot>::iterator>;
  using const_iterator = Iterator<const T, typename std::vector<Slot>::const_iterator>;
  iterator begin() { return {slots_.begin()}; }
  iterator end() { return {slots_.end()}; }
  const_iterator begin() const { return {slots_.begin()}; }
  const_iterator end() const { return {slots_.end()}; }
};

}  // namespace laborsim
