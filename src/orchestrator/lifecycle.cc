#include "onemcp/orchestrator/lifecycle.h"

namespace onemcp::orchestrator {

std::vector<std::string> idleBackends(
    const std::map<std::string, std::chrono::steady_clock::time_point>& last_used,
    std::chrono::steady_clock::time_point now, std::chrono::milliseconds idle_after) {
  std::vector<std::string> out;
  if (idle_after <= std::chrono::milliseconds::zero()) return out;
  for (const auto& [backend, at] : last_used) {
    if (now - at >= idle_after) out.push_back(backend);
  }
  return out;
}

std::vector<std::string> expiredObjects(const std::vector<GcCandidate>& candidates,
                                        std::chrono::system_clock::time_point now,
                                        std::chrono::hours max_age) {
  std::vector<std::string> out;
  if (max_age <= std::chrono::hours::zero()) return out;
  for (const auto& c : candidates) {
    if (!c.in_use && now - c.last_used >= max_age) out.push_back(c.name);
  }
  return out;
}

}  // namespace onemcp::orchestrator
