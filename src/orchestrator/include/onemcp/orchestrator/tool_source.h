// Where find_tools looks for servers that are not running yet: ranked offers for a task,
// each with how to run it and what starting it would need from the user (consent for
// network, host paths, secrets, or an unverified server). The registry-backed source is
// catalog_source.h; tests hand the daemon a fixed one.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "onemcp/common/result.h"
#include "onemcp/sandbox/proxy_backend.h"
#include "onemcp/sandbox/run_spec.h"

namespace onemcp::orchestrator {

struct Offer {
  std::string server_id;  // catalogue id, e.g. "live:knowledge-graph-memory-server"
  std::string name;       // a short name, used as the tool prefix
  std::string description;
  float score = 0;
  bool verified = false;  // the registry ran it and recorded its tools
  // Why starting it needs the user's consent ("needs the network", "reads /home/x",
  // "needs the secret GITHUB_TOKEN"); empty: nothing beyond an unverified origin.
  std::vector<std::string> consent_reasons;
  // Environment variables the server needs from the user (secrets, required settings):
  // the daemon asks for missing ones and keeps them in the SecretStore; the source's
  // launcher passes the stored values to the server.
  std::vector<std::string> secrets = {};  // "= {}": positional Offer{...} may leave it out
};

class ToolSource {
 public:
  virtual ~ToolSource() = default;
  // Ranked offers for one task (best first), at most `k`.
  virtual Result<std::vector<Offer>> find(const std::string& task, std::size_t k) = 0;
  // How to reach the offered server: a launcher that starts it (sandboxed), and the
  // options to attach it with. Called only once the server may start.
  virtual Result<std::unique_ptr<sandbox::BackendLauncher>> launcher(const Offer& offer) = 0;
  // Where offers come from, as find_tools reports it ("catalog", "registry").
  [[nodiscard]] virtual std::string kind() const { return "source"; }
};

}  // namespace onemcp::orchestrator
