#include "onemcp/orchestrator/catalog_source.h"

#include <fstream>

#include "onemcp/sandbox/proxy_launchers.h"

namespace onemcp::orchestrator {
namespace {

using nlohmann::json;

std::string shortName(const CatalogServer& s) {
  std::string name = s.server.value("name", s.id);
  if (auto slash = name.rfind('/'); slash != std::string::npos) name = name.substr(slash + 1);
  return name;
}

search::Catalog toSearchCatalog(const std::vector<CatalogServer>& servers) {
  search::Catalog cat;
  for (const auto& s : servers) {
    search::ServerEntry e;
    e.id = s.id;
    e.name = s.server.value("title", shortName(s));
    e.description = s.server.value("description", "");
    e.keywords = s.meta.value("category", "");
    const auto index = cat.addServer(std::move(e));
    for (const auto& t : s.tools) {
      search::ToolEntry te;
      te.server = index;
      te.name = t.value("name", "");
      te.id = s.id + "::" + te.name;
      te.description = t.value("description", "");
      if (auto schema = t.find("inputSchema"); schema != t.end()) te.params = search::schemaText(schema->dump());
      cat.addTool(std::move(te));
    }
  }
  return cat;
}

}  // namespace

Result<std::vector<CatalogServer>> loadCatalogFile(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) return fail(ErrorCode::kNotFound, "cannot read the catalogue " + path.string());
  std::vector<CatalogServer> out;
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    if (line.empty()) continue;
    auto j = json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.is_object() || !j.contains("id") || !j["id"].is_string()) {
      return fail(ErrorCode::kInvalidInput, path.string() + " line " + std::to_string(n) +
                                                ": not a catalogue entry");
    }
    CatalogServer s;
    s.id = j["id"].get<std::string>();
    s.server = j.value("server", json::object());
    s.meta = j.value("meta", json::object());
    if (auto tools = j.find("tools"); tools != j.end() && tools->is_array()) {
      for (const auto& t : *tools) {
        if (t.is_object()) s.tools.push_back(t);
      }
    }
    out.push_back(std::move(s));
  }
  return out;
}

Startability startability(const CatalogServer& s) {
  Startability out;
  if (auto launch = s.meta.find("launch"); launch != s.meta.end() && launch->is_object()) {
    const std::string runtime = launch->value("runtime", "");
    out.runnable = runtime == "npm" || runtime == "pypi";
    for (const auto& env : launch->value("needs_env", json::array())) {
      if (!env.is_string()) continue;
      out.consent_reasons.push_back("needs the setting " + env.get<std::string>());
      out.env_needed.push_back(env.get<std::string>());
    }
    return out;
  }
  for (const auto& pkg : s.server.value("packages", json::array())) {
    const std::string type = pkg.value("registryType", "");
    if (type != "npm" && type != "pypi") continue;
    if (pkg.value("transport", json::object()).value("type", "stdio") != "stdio") continue;
    out.runnable = true;
    for (const auto& env : pkg.value("environmentVariables", json::array())) {
      if (!env.value("isRequired", false) && !env.value("isSecret", false)) continue;
      out.consent_reasons.push_back((env.value("isSecret", false) ? "needs the secret " : "needs the setting ") +
                                    env.value("name", std::string("?")));
      if (env.contains("name")) out.env_needed.push_back(env.value("name", std::string()));
    }
    return out;
  }
  return out;
}

Result<std::unique_ptr<CatalogToolSource>> CatalogToolSource::create(
    std::vector<CatalogServer> servers, std::shared_ptr<const search::Encoder> encoder,
    sandbox::ServerHost& host, std::function<sandbox::Discoverer()> discoverer, SecretStore* secrets) {
  auto index = search::SearchIndex::build(toSearchCatalog(servers), std::move(encoder));
  if (!index) return fail(index.error().wrap("indexing the catalogue"));
  return std::unique_ptr<CatalogToolSource>(
      new CatalogToolSource(std::move(servers), std::move(*index), host, std::move(discoverer), secrets));
}

Result<std::vector<Offer>> CatalogToolSource::find(const std::string& task, std::size_t k) {
  search::QueryOptions q;
  q.servers = std::max<std::size_t>(k * 4, 20);  // room for entries that cannot run here
  q.tools = 0;
  q.split_tasks = false;  // the daemon splits
  auto result = index_->search(task, q);
  if (!result) return fail(result.error());
  std::vector<Offer> out;
  for (const auto& r : result->servers) {
    const CatalogServer& s = servers_.at(r.index);
    Startability st = startability(s);
    if (!st.runnable) continue;
    Offer o;
    o.server_id = s.id;
    o.name = shortName(s);  // a launch config's key can be anything ("searxng" for a PDF tool)
    o.description = s.server.value("description", "");
    o.score = r.score;
    o.verified = false;  // no verification record yet: the registry's verifier sets this
    o.consent_reasons = std::move(st.consent_reasons);
    o.secrets = std::move(st.env_needed);
    out.push_back(std::move(o));
    if (out.size() >= k) break;
  }
  return out;
}

Result<sandbox::RunSpec> CatalogToolSource::runSpecFor(const CatalogServer& s) {
  sandbox::Discoverer discoverer = discoverer_();
  return discoverRunSpec(s, discoverer);
}

Result<sandbox::RunSpec> discoverRunSpec(const CatalogServer& s, sandbox::Discoverer& discoverer) {
  std::optional<sandbox::Discovery> found;
  if (auto launch = s.meta.find("launch"); launch != s.meta.end() && launch->contains("mcpServers")) {
    auto all = discoverer.fromMcpServers((*launch)["mcpServers"], s.id);
    if (!all.empty()) found = std::move(all.front());
  } else {
    found = discoverer.fromServerJson(s.server);
  }
  if (!found) return fail(ErrorCode::kNotFound, "'" + s.id + "' has no way to run it");
  // A server that needs secrets runs: the daemon asks the user for them and the launcher
  // passes the stored values (a missing one fails the start with its name).
  const bool runs = found->outcome == sandbox::Outcome::kRunnable ||
                    found->outcome == sandbox::Outcome::kNeedsSecret;
  if (!found->spec || !runs) {
    return fail(ErrorCode::kUnavailable, "'" + s.id + "' cannot run here (" +
                                             std::string(sandbox::toString(found->outcome)) + "): " +
                                             found->reason);
  }
  return *found->spec;
}

Result<std::unique_ptr<sandbox::BackendLauncher>> CatalogToolSource::launcher(const Offer& offer) {
  const CatalogServer* entry = nullptr;
  for (const auto& s : servers_) {
    if (s.id == offer.server_id) entry = &s;
  }
  if (!entry) return fail(ErrorCode::kNotFound, "no catalogue entry '" + offer.server_id + "'");
  auto spec = runSpecFor(*entry);
  if (!spec) return fail(spec.error());
  return daemonLauncher(host_, std::move(*spec), offer.server_id, secrets_);
}

Result<std::unique_ptr<sandbox::BackendLauncher>> daemonLauncher(sandbox::ServerHost& host, sandbox::RunSpec spec,
                                                                 const std::string& server_id, SecretStore* secrets) {
  // The daemon owns its containers: one a crashed daemon left running is adopted.
  sandbox::StartOptions start;
  start.adopt_running = true;
  if (secrets != nullptr) {
    auto values = secrets->get(server_id);
    if (!values) return fail(values.error());
    start.env_values = std::move(*values);
  }
  return std::unique_ptr<sandbox::BackendLauncher>(
      std::make_unique<sandbox::SandboxLauncher>(host, std::move(spec), std::move(start)));
}

}  // namespace onemcp::orchestrator
