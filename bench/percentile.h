// The p-th quantile (0..1) of a sample, nearest-rank; 0 for an empty sample. Shared by
// the benchmarks that report p50/p99 counters.
#pragma once

#include <algorithm>
#include <cstddef>
#include <vector>

namespace onemcp::bench {

inline double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<std::size_t>(p * static_cast<double>(v.size())))];
}

}  // namespace onemcp::bench
