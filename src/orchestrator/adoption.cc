#include "onemcp/orchestrator/adoption.h"

#include "onemcp/common/log.h"

namespace onemcp::orchestrator {

Result<int> removeStrays(sandbox::DockerClient& docker, const std::string& owner,
                         const std::set<std::string>& keep) {
  const sandbox::LabelFilter mine{{std::string(sandbox::kLabelManaged), "true"},
                                  {std::string(sandbox::kLabelOwner), owner}};
  auto containers = docker.listContainers(mine, true);
  if (!containers) return fail(containers.error().wrap("listing the daemon's containers"));
  int removed = 0;
  std::set<std::string> networks_in_use;
  for (const auto& c : *containers) {
    if (keep.contains(c.id)) {
      if (auto info = docker.inspectContainer(c.id)) {
        for (const auto& [name, ip] : info->network_ips) networks_in_use.insert(name);
      }
      continue;
    }
    log::info("daemon: removing stray container {} ({}, {})", c.id.substr(0, 12), c.name, c.state);
    if (auto r = docker.removeContainer(c.id, true); r) {
      ++removed;
    } else {
      log::warn("daemon: cannot remove stray container {}: {}", c.id.substr(0, 12),
                r.error().message);
    }
  }
  auto networks = docker.listNetworks(mine);
  if (!networks) return fail(networks.error().wrap("listing the daemon's networks"));
  for (const auto& n : *networks) {
    if (!networks_in_use.contains(n.name)) (void)docker.removeNetwork(n.id);
  }
  return removed;
}

}  // namespace onemcp::orchestrator
