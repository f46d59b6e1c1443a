#include "onemcp/orchestrator/usage_prior.h"

#include <algorithm>
#include <cmath>

namespace onemcp::orchestrator {

std::map<std::string, float> usagePrior(std::span<const UsageRecord> history, std::int64_t now_ms,
                                        const UsagePriorOptions& options) {
  const double half_life_ms = std::max<double>(
      1.0, static_cast<double>(std::chrono::milliseconds(options.half_life).count()));
  std::map<std::string, double> decayed;
  for (const auto& u : history) {
    if (!u.ok) continue;
    const double age = static_cast<double>(std::max<std::int64_t>(0, now_ms - u.at_ms));
    decayed[u.server] += std::exp2(-age / half_life_ms);
  }
  std::map<std::string, float> out;
  const double saturation = std::max(1e-6, static_cast<double>(options.saturation));
  for (const auto& [server, c] : decayed) {
    out[server] = static_cast<float>(options.weight * c / (c + saturation));
  }
  return out;
}

std::map<std::string, float> usagePriorById(std::span<const UsageRecord> history,
                                            std::span<const ServerRecord> servers,
                                            std::int64_t now_ms, const UsagePriorOptions& options) {
  std::map<std::string, std::string> id_of;  // backend -> server id
  for (const auto& r : servers) id_of[r.backend] = r.offer.server_id;
  std::map<std::string, float> out;
  for (const auto& [backend, bonus] : usagePrior(history, now_ms, options)) {
    if (auto it = id_of.find(backend); it != id_of.end())
      out[it->second] = std::max(out[it->second], bonus);
  }
  return out;
}

}  // namespace onemcp::orchestrator
