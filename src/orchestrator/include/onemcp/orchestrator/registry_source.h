// A ToolSource that asks a OneMCP registry over HTTP (`onemcp registry serve`, local or
// remote): POST /v0/search ranks servers for a task, GET /v0/servers/{id} gives each
// one's server.json, run spec, verification and tools. A server the registry verified
// is offered as verified; its stored run spec starts it, and discovery runs only when the
// registry has none. An unreachable registry is a clear error, never a hang.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "onemcp/http/client.h"
#include "onemcp/orchestrator/catalog_source.h"
#include "onemcp/orchestrator/secret_store.h"
#include "onemcp/orchestrator/tool_source.h"

namespace onemcp::orchestrator {

struct RegistrySourceOptions {
  std::string url;  // http://HOST:PORT of the registry
  std::chrono::milliseconds timeout{std::chrono::seconds(10)};
};

// What starting a server needs from the user, read from its run spec.
std::vector<std::string> consentReasons(const sandbox::RunSpec& spec);
// The variables the user must give (secrets, and required settings without a value).
std::vector<std::string> envNeeded(const sandbox::RunSpec& spec);

class RegistryToolSource final : public ToolSource {
 public:
  // `secrets` (may be null) holds the values a server needs, passed to its environment.
  RegistryToolSource(RegistrySourceOptions options, sandbox::ServerHost& host,
                     std::function<sandbox::Discoverer()> discoverer, SecretStore* secrets = nullptr);

  Result<std::vector<Offer>> find(const std::string& task, std::size_t k) override;
  Result<std::unique_ptr<sandbox::BackendLauncher>> launcher(const Offer& offer) override;
  [[nodiscard]] std::string kind() const override { return "registry"; }

 private:
  struct Entry {
    CatalogServer server;
    std::optional<sandbox::RunSpec> spec;  // the registry's stored run spec
    bool verified = false;
  };
  Result<nlohmann::json> call(const std::string& method, const std::string& path, std::string body);
  Result<Entry> fetch(const std::string& id);

  RegistrySourceOptions options_;  // url without a trailing slash
  sandbox::ServerHost& host_;
  std::function<sandbox::Discoverer()> discoverer_;
  SecretStore* secrets_;
  http::HttpClient client_;
  std::mutex mu_;
  std::map<std::string, Entry> entries_;  // guarded by mu_: fetched details, by id
};

}  // namespace onemcp::orchestrator
