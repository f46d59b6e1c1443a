#include "onemcp/registry/rate_limiter.h"

#include <algorithm>
#include <cmath>

namespace onemcp::registry {

void RateLimiter::prune(std::chrono::steady_clock::time_point now) {
  // A bucket that has refilled completely carries no state worth keeping.
  std::erase_if(buckets_, [&](const auto& entry) {
    const std::chrono::duration<double> idle = now - entry.second.updated;
    return entry.second.tokens + idle.count() * limit_.per_second >= limit_.burst;
  });
}

RateLimiter::Decision RateLimiter::take(const std::string& client) {
  if (limit_.burst <= 0.0) return {};
  const auto now = clock_.now();
  std::lock_guard lock(mu_);
  auto it = buckets_.find(client);
  if (it == buckets_.end()) {
    if (buckets_.size() >= limit_.max_clients) prune(now);
    it = buckets_.emplace(client, Bucket{limit_.burst, now}).first;
  }
  Bucket& b = it->second;
  const std::chrono::duration<double> elapsed = now - b.updated;
  b.tokens = std::min(limit_.burst, b.tokens + std::max(0.0, elapsed.count()) * limit_.per_second);
  b.updated = now;
  if (b.tokens >= 1.0) {
    b.tokens -= 1.0;
    return {};
  }
  const double wait_s = limit_.per_second > 0.0 ? (1.0 - b.tokens) / limit_.per_second : 3600.0;
  return {false, std::chrono::milliseconds(static_cast<long long>(std::ceil(wait_s * 1000.0)))};
}

}  // namespace onemcp::registry
