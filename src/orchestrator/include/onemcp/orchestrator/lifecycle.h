// The daemon's lifecycle decisions as pure functions of their inputs and the time, so
// that they are tested with an injected clock: which running servers have been idle long
// enough to stop, and which images or volumes have gone unused long enough to remove.
#pragma once

#include <chrono>
#include <map>
#include <string>
#include <vector>

namespace onemcp::orchestrator {

// Backends whose last use (a call, or being granted to a session) is at least
// `idle_after` before `now`. idle_after <= 0: none (idle stop is off).
std::vector<std::string> idleBackends(
    const std::map<std::string, std::chrono::steady_clock::time_point>& last_used,
    std::chrono::steady_clock::time_point now, std::chrono::milliseconds idle_after);

// An image or volume the daemon may remove, with the last time a server that needs it
// was used (never used: the epoch) and whether a running server needs it now.
struct GcCandidate {
  std::string name;
  std::chrono::system_clock::time_point last_used{};
  bool in_use = false;
};

// The candidates not in use and unused for at least `max_age` before `now`.
// max_age <= 0: none (GC is off).
std::vector<std::string> expiredObjects(const std::vector<GcCandidate>& candidates,
                                        std::chrono::system_clock::time_point now,
                                        std::chrono::hours max_age);

}  // namespace onemcp::orchestrator
