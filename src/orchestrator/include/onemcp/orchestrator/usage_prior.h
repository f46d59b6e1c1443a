// Personalisation from the usage history: servers whose tools the user called
// successfully, recently and often, get a small, bounded bonus that reorders near-equal
// candidates (local or offered) but never lifts one over a clearly better match. A pure
// function of the history and "now", so tests pass their own times.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <span>
#include <string>

#include "onemcp/orchestrator/state_store.h"

namespace onemcp::orchestrator {

struct UsagePriorOptions {
  // The most a server's history adds to a candidate's score. Scores are the hybrid
  // search's, the best candidate at about 1: 0.05 lets history settle candidates within
  // 5% of each other and nothing further apart (the README gives the measurement).
  float weight = 0.05F;
  // A successful call counts half after this long, a quarter after twice as long.
  std::chrono::hours half_life{24 * 7};
  // Decayed successful calls at which a server gets half the weight; the bonus grows as
  // calls / (calls + saturation), so a busy server's bonus stays below `weight`.
  float saturation = 3.0F;
};

// Bonus per server (UsageRecord::server, the backend name), in [0, options.weight):
// weight * c / (c + saturation), c = sum over successful calls of 0.5^(age / half_life).
// Failed calls add nothing; calls stamped after `now_ms` count as age 0.
std::map<std::string, float> usagePrior(std::span<const UsageRecord> history, std::int64_t now_ms,
                                        const UsagePriorOptions& options = {});

// The same per server id: each record's backend maps to the id of the server that runs
// (ran) under that name; the daemon's candidates carry server ids.
std::map<std::string, float> usagePriorById(std::span<const UsageRecord> history,
                                            std::span<const ServerRecord> servers,
                                            std::int64_t now_ms,
                                            const UsagePriorOptions& options = {});

}  // namespace onemcp::orchestrator
