#include "laborsim/memory.hpp"

#include <sys/mman.h>

#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

#include <algorithm>
#include <cstdint>

namespace laborsim {

void prefer_huge_pages(const void* data, std::size_t bytes) {
#ifdef MADV_HUGEPAGE
  constexpr std::uintptr_t kPage = 4096;
  constexpr std::size_t kWorthIt = std::size_t{8} << 20;  // below this the TLB copes
  if (data == nullptr || bytes < kWorthIt) return;
  const auto begin = (reinterpret_cast<std::uintptr_t>(data) + kPage - 1) & ~(kPage - 1);
  const auto end = (reinterpret_cast<std::uintptr_t>(data) + bytes) & ~(kPage - 1);
  if (end > begin) ::madvise(reinterpret_cast<void*>(begin), end - begin, MADV_HUGEPAGE);  // a hint: errors ignored
#else
  (void)data, (void)bytes;
#endif
}

void populate(const void* data, std::size_t bytes) {
#ifdef MADV_POPULATE_WRITE
  constexpr std::uintptr_t kPage = 4096;
  constexpr std::size_t kPiece = std::size_t{32} << 20;
  if (data == nullptr || bytes < kPiece) return;
  const auto begin = (reinterpret_cast<std::uintptr_t>(data) + kPage - 1) & ~(kPage - 1);
  const auto end = (reinterpret_cast<std::uintptr_t>(data) + bytes) & ~(kPage - 1);
  if (end <= begin) return;
  const std::size_t pieces = (end - begin + kPiece - 1) / kPiece;
  tbb::this_task_arena::isolate([&] {
    tbb::parallel_for(std::size_t{0}, pieces, [&](std::size_t i) {
      const std::uintptr_t lo = begin + i * kPiece, hi = std::min<std::uintptr_t>(end, lo + kPiece);
      ::madvise(reinterpret_cast<void*>(lo), hi - lo, MADV_POPULATE_WRITE);  // a hint: errors ignored
    });
  });
#else
  (void)data, (void)bytes;
#endif
}

}  // namespace laborsim
