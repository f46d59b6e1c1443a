// A per-client token bucket for the registry's public API: each client (its address)
// may make `burst` requests at once and `per_second` a second on average after that.
// Time comes from an injected Clock, so tests step it instead of sleeping.
#pragma once

#include <chrono>
#include <cstddef>
#include <mutex>
#include <string>
#include <unordered_map>

#include "onemcp/common/clock.h"

namespace onemcp::registry {

struct RateLimit {
  double burst = 60.0;               // bucket size; <= 0 disables limiting
  double per_second = 30.0;          // refill rate
  std::size_t max_clients = 100000;  // buckets kept; full buckets are dropped beyond it
};

class RateLimiter {
 public:
  RateLimiter(const Clock& clock, RateLimit limit) : clock_(clock), limit_(limit) {}

  struct Decision {
    bool allowed = true;
    std::chrono::milliseconds retry_after{0};  // when refused: until one token is back
  };
  // Takes one token from `client`'s bucket. Thread-safe.
  Decision take(const std::string& client);

 private:
  struct Bucket {
    double tokens = 0.0;
    std::chrono::steady_clock::time_point updated;
  };
  void prune(std::chrono::steady_clock::time_point now);  // needs mu_

  const Clock& clock_;
  RateLimit limit_;
  std::mutex mu_;
  std::unordered_map<std::string, Bucket> buckets_;  // guarded by mu_
};

}  // namespace onemcp::registry
