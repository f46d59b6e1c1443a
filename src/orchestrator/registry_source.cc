#include "onemcp/orchestrator/registry_source.h"

#include <boost/url/encode.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>

#include "onemcp/registry/api_json.h"

namespace onemcp::orchestrator {
namespace {

using nlohmann::json;

std::string shortName(const json& server, const std::string& id) {
  std::string name = server.value("name", id);
  if (auto slash = name.rfind('/'); slash != std::string::npos) name = name.substr(slash + 1);
  return name;
}

}  // namespace

std::vector<std::string> consentReasons(const sandbox::RunSpec& spec) {
  std::vector<std::string> out;
  if (spec.network) out.push_back("needs the network");
  for (const auto& g : spec.grants) {
    out.push_back((g.read_write ? "reads and writes " : "reads ") + g.host_path);
  }
  for (const auto& e : spec.env) {
    if (e.secret) {
      out.push_back("needs the secret " + e.name);
    } else if (e.required && !e.value) {
      out.push_back("needs the setting " + e.name);
    }
  }
  return out;
}

std::vector<std::string> envNeeded(const sandbox::RunSpec& spec) {
  std::vector<std::string> out;
  for (const auto& e : spec.env) {
    if (e.secret || (e.required && !e.value)) out.push_back(e.name);
  }
  return out;
}

RegistryToolSource::RegistryToolSource(RegistrySourceOptions options, sandbox::ServerHost& host,
                                       std::function<sandbox::Discoverer()> discoverer, SecretStore* secrets)
    : options_(std::move(options)), host_(host), discoverer_(std::move(discoverer)), secrets_(secrets) {
  while (!options_.url.empty() && options_.url.back() == '/') options_.url.pop_back();
}

Result<json> RegistryToolSource::call(const std::string& method, const std::string& path, std::string body) {
  http::ClientRequest r;
  r.method = method;
  r.url = options_.url + path;
  r.timeout = options_.timeout;
  r.body_idle_timeout = options_.timeout;
  r.headers.set("Accept", "application/json");
  if (!body.empty()) r.headers.set("Content-Type", "application/json");
  r.body = std::move(body);
  auto response = client_.send(std::move(r));
  if (!response) {
    return fail(ErrorCode::kUnavailable,
                "cannot reach the registry at " + options_.url + ": " + response.error().message);
  }
  auto doc = json::parse(response->body, nullptr, false);
  if (response->status != 200) {
    std::string why = doc.is_object() ? doc.value("detail", doc.value("error", std::string())) : "";
    return fail(response->status == 404 ? ErrorCode::kNotFound : ErrorCode::kUnavailable,
                "the registry at " + options_.url + " answered " + std::to_string(response->status) +
                    " to " + method + " " + path + (why.empty() ? "" : ": " + why));
  }
  if (doc.is_discarded() || !doc.is_object()) {
    return fail(ErrorCode::kInvalidInput, "the registry at " + options_.url + " sent a reply that is not JSON");
  }
  return doc;
}

Result<RegistryToolSource::Entry> RegistryToolSource::fetch(const std::string& id) {
  {
    std::lock_guard lock(mu_);
    if (auto it = entries_.find(id); it != entries_.end()) return it->second;
  }
  auto doc = call("GET", "/v0/servers/" + boost::urls::encode(id, boost::urls::unreserved_chars), "");
  if (!doc) return fail(doc.error());
  const json meta = doc->value("_meta", json::object()).value(registry::kMetaKey, json::object());
  Entry e;
  e.server.id = id;
  e.server.server = doc->value("server", json::object());
  e.server.meta = meta.value("annotations", json::object());
  for (const auto& t : meta.value("tools", json::array())) {
    if (t.is_object()) e.server.tools.push_back(t);
  }
  e.verified = meta.value("verified", false);
  if (auto spec = meta.find("runSpec"); spec != meta.end() && spec->is_object() && !spec->empty()) {
    auto parsed = sandbox::parseRunSpec(*spec);
    // A stored spec this build cannot read is not fatal: discovery can still run it.
    if (parsed) e.spec = std::move(*parsed);
  }
  std::lock_guard lock(mu_);
  entries_.insert_or_assign(id, e);
  return e;
}

Result<std::vector<Offer>> RegistryToolSource::find(const std::string& task, std::size_t k) {
  const std::size_t ask = std::max<std::size_t>(k * 4, 20);  // room for entries that cannot run here
  auto answer = call("POST", "/v0/search", json{{"query", task}, {"k", ask}}.dump());
  if (!answer) return fail(answer.error());
  std::vector<Offer> out;
  for (const auto& s : answer->value("servers", json::array())) {
    if (out.size() >= k) break;
    const std::string id = s.value("id", "");
    if (id.empty()) continue;
    auto entry = fetch(id);
    if (!entry) {
      if (entry.error().code == ErrorCode::kNotFound) continue;  // gone since the search
      return fail(entry.error());
    }
    Offer o;
    o.server_id = id;
    o.name = shortName(entry->server.server, id);
    o.description = entry->server.server.value("description", "");
    o.score = s.value("score", 0.0F);
    o.verified = entry->verified && entry->spec.has_value();
    if (entry->spec) {
      o.consent_reasons = consentReasons(*entry->spec);
      o.secrets = envNeeded(*entry->spec);
    } else {
      Startability st = startability(entry->server);
      if (!st.runnable) continue;
      o.consent_reasons = std::move(st.consent_reasons);
      o.secrets = std::move(st.env_needed);
    }
    out.push_back(std::move(o));
  }
  return out;
}

Result<std::unique_ptr<sandbox::BackendLauncher>> RegistryToolSource::launcher(const Offer& offer) {
  auto entry = fetch(offer.server_id);
  if (!entry) return fail(entry.error());
  std::optional<sandbox::RunSpec> spec = entry->spec;
  if (!spec) {
    sandbox::Discoverer discoverer = discoverer_();
    auto found = discoverRunSpec(entry->server, discoverer);
    if (!found) return fail(found.error());
    spec = std::move(*found);
  }
  return daemonLauncher(host_, std::move(*spec), offer.server_id, secrets_);
}

}  // namespace onemcp::orchestrator
