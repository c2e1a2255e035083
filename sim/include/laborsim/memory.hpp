// Large state on 2 MB pages. Every event reads a few lines at random addresses of the
// worker columns and cells; with 4 KB pages each of those is also a TLB miss once the
// state is bigger than a few MB. Linux backs a range with huge pages when asked
// (transparent huge pages in "madvise" mode, the usual default); the request is a hint,
// harmless where unsupported.
#pragma once

#include <cstddef>
#include <vector>

namespace laborsim {

void prefer_huge_pages(const void* data, std::size_t bytes);

// For a vector's whole capacity: call after reserve(), before the elements are written.
template <class T>
void prefer_huge_pages(const std::vector<T>& v) {
  prefer_huge_pages(v.data(), v.capacity() * sizeof(T));
}

// Backs a freshly allocated range with memory now, pieces on all threads at once: the
// kernel zeroes every new page at its first write, which for the state of a big run
// (gigabytes, written in order by one thread) is seconds. A hint like the above (Linux
// 5.14+; elsewhere the first writes do it, as before).
void populate(const void* data, std::size_t bytes);

}  // namespace laborsim
