// A ToolSource over a catalogue of servers (the seed the project ships, or any JSONL in
// its layout): hybrid search over server and tool text to rank offers, and run-spec
// discovery (launch configurations, server.json packages) to start the chosen one in a
// hardened container. What starting needs (secrets, settings, network) is read from the
// entry, so find() stays fast; discovery runs only for the server that starts.
#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "onemcp/orchestrator/secret_store.h"
#include "onemcp/orchestrator/tool_source.h"
#include "onemcp/sandbox/discovery.h"
#include "onemcp/sandbox/server_host.h"
#include "onemcp/search/encoder.h"
#include "onemcp/search/search_index.h"

namespace onemcp::orchestrator {

struct CatalogServer {
  std::string id;
  nlohmann::json server;  // server.json
  nlohmann::json meta;    // source annotations (launch, category, ...)
  std::vector<nlohmann::json> tools;
};

// Reads catalogue lines ({"id", "server", "meta", "tools"}); malformed lines are an error
// naming the line.
Result<std::vector<CatalogServer>> loadCatalogFile(const std::filesystem::path& path);

class CatalogToolSource final : public ToolSource {
 public:
  // `discoverer` makes a Discoverer when a server must start (it may consult npm).
  static Result<std::unique_ptr<CatalogToolSource>> create(
      std::vector<CatalogServer> servers, std::shared_ptr<const search::Encoder> encoder,
      sandbox::ServerHost& host, std::function<sandbox::Discoverer()> discoverer,
      SecretStore* secrets = nullptr);

  Result<std::vector<Offer>> find(const std::string& task, std::size_t k) override;
  Result<std::unique_ptr<sandbox::BackendLauncher>> launcher(const Offer& offer) override;
  [[nodiscard]] std::string kind() const override { return "catalog"; }
  // The run spec discovery gives for a catalogue entry (or why it cannot run here).
  Result<sandbox::RunSpec> runSpecFor(const CatalogServer& server);

 private:
  CatalogToolSource(std::vector<CatalogServer> servers, std::shared_ptr<const search::SearchIndex> index,
                    sandbox::ServerHost& host, std::function<sandbox::Discoverer()> discoverer,
                    SecretStore* secrets)
      : servers_(std::move(servers)), index_(std::move(index)), host_(host),
        discoverer_(std::move(discoverer)), secrets_(secrets) {}

  std::vector<CatalogServer> servers_;
  std::shared_ptr<const search::SearchIndex> index_;
  sandbox::ServerHost& host_;
  std::function<sandbox::Discoverer()> discoverer_;
  SecretStore* secrets_;  // not owned; may be null
};

// The run spec discovery gives for a catalogue entry: its launch configuration, or its
// server.json packages; an error says why it cannot run here.
Result<sandbox::RunSpec> discoverRunSpec(const CatalogServer& server, sandbox::Discoverer& discoverer);

// How the daemon starts a server: sandboxed, adopting a container a crashed daemon left
// running, with the secrets stored for `server_id` (none when `secrets` is null).
Result<std::unique_ptr<sandbox::BackendLauncher>> daemonLauncher(sandbox::ServerHost& host, sandbox::RunSpec spec,
                                                                 const std::string& server_id, SecretStore* secrets);

// Whether an entry can run locally at all, and what its start would need from the user.
// Exposed for tests.
struct Startability {
  bool runnable = false;  // a launch configuration or a package of a kind we run
  std::vector<std::string> consent_reasons;
  std::vector<std::string> env_needed;  // names of the secrets and settings it needs
};
Startability startability(const CatalogServer& server);

}  // namespace onemcp::orchestrator
