// Counters and latency histograms for the registry API, written as Prometheus text.
// Thread-safe: handlers on every server thread record into it under one mutex.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <tuple>

#include "onemcp/registry/registry_search.h"

namespace onemcp::registry {

class ApiMetrics {
 public:
  void record(const std::string& method, const std::string& route, int status,
              std::chrono::nanoseconds latency);
  void rateLimited();
  // The exposition text; `counts` is the catalogue of the current snapshot (if any).
  [[nodiscard]] std::string render(const CatalogCounts* counts) const;

 private:
  static constexpr std::array<double, 12> kBuckets = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                      0.05,   0.1,   0.25,   0.5,   1.0,  5.0};
  struct Histogram {
    std::array<std::uint64_t, kBuckets.size()> buckets{};
    std::uint64_t count = 0;
    double sum = 0.0;
  };
  mutable std::mutex mu_;
  std::map<std::tuple<std::string, std::string, int>, std::uint64_t> requests_;  // guarded by mu_
  std::map<std::string, Histogram> latency_;                                     // guarded by mu_
  std::uint64_t rate_limited_ = 0;                                               // guarded by mu_
};

}  // namespace onemcp::registry
