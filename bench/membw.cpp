// This machine's memory, as the bench compares the engine with it, with as many threads
// as given:
//   laborsim-membw THREADS [stream|N] : streaming bandwidth in GB/s (a STREAM-style
//     triad, a = b + s c, over arrays much larger than the caches; N doubles each, 50M by
//     default): the bound for an engine touching every worker's state every month.
//   laborsim-membw THREADS random   : random 64-byte lines read per second from 2 GiB,
//     each fetched 16 reads ahead (the best an event loop that prefetches can do): what
//     an event-driven engine spends its time on once the state outgrows the caches,
//     since every event reads a few lines at places nothing predicts. On 2 MB pages,
//     as the engine's state.
// Used by bench/run.sh.
#include "laborsim/memory.hpp"

#include <tbb/global_control.h>
#include <tbb/parallel_for.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <vector>

namespace {

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

int stream(std::size_t n) {
  std::vector<double> a(n), b(n, 1.0), c(n, 2.0);
  const double s = 3.0;
  double best = 1e300;
  for (int rep = 0; rep < 5; ++rep) {
    const auto t0 = std::chrono::steady_clock::now();
    tbb::parallel_for(tbb::blocked_range<std::size_t>(0, n, 1 << 16), [&](const tbb::blocked_range<std::size_t>& r) {
      for (std::size_t i = r.begin(); i != r.end(); ++i) a[i] = b[i] + s * c[i];
    });
    best = std::min(best, seconds_since(t0));
  }
  // Bytes moved: read b and c, write a (plus the write-allocate read of a, not counted).
  std::printf("%.2f\n", 3.0 * sizeof(double) * static_cast<double>(n) / best / 1e9);
  return a[n / 2] == 7.0 ? 0 : 1;
}

int random_lines(int threads) {
  struct alignas(64) Line {
    std::uint64_t v[8];
  };
  const std::size_t lines = (std::size_t{2} << 30) / sizeof(Line);
  std::vector<Line> table;
  table.reserve(lines);
  laborsim::prefer_huge_pages(table);  // on 2 MB pages, as the engine's state
  table.resize(lines);
  tbb::parallel_for(tbb::blocked_range<std::size_t>(0, lines), [&](const tbb::blocked_range<std::size_t>& r) {
    for (std::size_t i = r.begin(); i != r.end(); ++i) table[i].v[0] = i;
  });
  // Each thread reads its own precomputed sequence of places (drawn before the clock
  // starts: the drawing is not what is measured).
  constexpr std::size_t kReads = 8'000'000, kAhead = 16;
  std::vector<std::vector<std::uint32_t>> places(static_cast<std::size_t>(threads));
  for (int t = 0; t < threads; ++t) {
    std::mt19937_64 gen(static_cast<std::uint64_t>(t) + 1);
    std::uniform_int_distribution<std::uint32_t> pick(0, static_cast<std::uint32_t>(lines - 1));
    places[static_cast<std::size_t>(t)].resize(kReads);
    for (auto& p : places[static_cast<std::size_t>(t)]) p = pick(gen);
  }
  std::vector<std::uint64_t> sums(static_cast<std::size_t>(threads) * 8);
  double best = 1e300;
  for (int rep = 0; rep < 3; ++rep) {
    const auto t0 = std::chrono::steady_clock::now();
    tbb::parallel_for(0, threads, 1, [&](int t) {
      const auto& p = places[static_cast<std::size_t>(t)];
      std::uint64_t sum = 0;
      for (std::size_t i = 0; i < kReads; ++i) {
        if (i + kAhead < kReads) __builtin_prefetch(&table[p[i + kAhead]]);
        sum += table[p[i]].v[0];
      }
      sums[static_cast<std::size_t>(t) * 8] = sum;
    });
    best = std::min(best, seconds_since(t0));
  }
  std::printf("%.4g\n", static_cast<double>(kReads) * threads / best);
  std::uint64_t all = 0;
  for (auto s : sums) all += s;
  return all == 0 ? 1 : 0;  // keeps the reads
}

}  // namespace

int main(int argc, char** argv) {
  const int threads = argc > 1 ? std::max(1, std::atoi(argv[1])) : 1;
  tbb::global_control gc(tbb::global_control::max_allowed_parallelism, static_cast<std::size_t>(threads));
  const char* mode = argc > 2 ? argv[2] : "stream";
  if (std::strcmp(mode, "random") == 0) return random_lines(threads);
  if (std::strcmp(mode, "stream") == 0) return stream(50'000'000);  // 3 x 400 MB
  char* end = nullptr;
  const std::size_t n = std::strtoull(mode, &end, 10);  // stream over arrays of n doubles
  if (n == 0 || *end != '\0') {
    std::fprintf(stderr, "laborsim-membw: unknown mode '%s' (stream, random or an array length)\n", mode);
    return 2;
  }
  return stream(n);
}
