// Streaming memory bandwidth of this machine (a STREAM-style triad, a = b + s c, over
// arrays much larger than the caches), with as many threads as given. Prints GB/s.
// Used by bench/run.sh to put the engine's throughput next to the bound for touching
// every worker's state every month.
#include <tbb/global_control.h>
#include <tbb/parallel_for.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>

int main(int argc, char** argv) {
  const int threads = argc > 1 ? std::atoi(argv[1]) : 1;
  const std::size_t n = argc > 2 ? std::strtoull(argv[2], nullptr, 10) : 50'000'000;  // 3 x 400 MB
  tbb::global_control gc(tbb::global_control::max_allowed_parallelism, static_cast<std::size_t>(threads));
  std::vector<double> a(n), b(n, 1.0), c(n, 2.0);
  const double s = 3.0;
  double best = 1e300;
  for (int rep = 0; rep < 5; ++rep) {
    const auto t0 = std::chrono::steady_clock::now();
    tbb::parallel_for(tbb::blocked_range<std::size_t>(0, n, 1 << 16), [&](const tbb::blocked_range<std::size_t>& r) {
      for (std::size_t i = r.begin(); i != r.end(); ++i) a[i] = b[i] + s * c[i];
    });
    best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  // Bytes moved: read b and c, write a (plus the write-allocate read of a, not counted).
  std::printf("%.2f\n", 3.0 * sizeof(double) * static_cast<double>(n) / best / 1e9);
  return a[n / 2] == 7.0 ? 0 : 1;
}
