#include "onemcp/orchestrator/secret_store.h"

#include <nlohmann/json.hpp>

#include "onemcp/orchestrator/daemon_files.h"

namespace onemcp::orchestrator {
namespace {

using nlohmann::json;

// The whole file; an absent file is an empty store.
Result<json> load(const std::filesystem::path& file) {
  auto text = readPrivateFile(file);
  if (!text) {
    if (text.error().code == ErrorCode::kNotFound) return json{{"servers", json::object()}};
    return fail(text.error());
  }
  auto j = json::parse(*text, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.value("servers", json()).is_object()) {
    return fail(ErrorCode::kInvalidInput,
                file.string() +
                    " is not a OneMCP secrets file (expected {\"servers\": {...}}); "
                    "fix or remove it");
  }
  return j;
}

}  // namespace

Result<std::map<std::string, std::string>> SecretStore::get(const std::string& server_id) {
  std::lock_guard lock(mu_);
  auto j = load(file_);
  if (!j) return fail(j.error());
  std::map<std::string, std::string> out;
  const json& server = (*j)["servers"].value(server_id, json::object());
  if (!server.is_object()) return out;
  for (const auto& [name, value] : server.items()) {
    if (value.is_string()) out[name] = value.get<std::string>();
  }
  return out;
}

Result<void> SecretStore::put(const std::string& server_id, const std::string& name,
                              const std::string& value) {
  if (server_id.empty() || name.empty())
    return fail(ErrorCode::kInvalidParams, "a secret needs a server and a name");
  std::lock_guard lock(mu_);
  auto j = load(file_);
  if (!j) return fail(j.error());
  json& server = (*j)["servers"][server_id];
  if (!server.is_object()) server = json::object();
  server[name] = value;
  return writePrivateFile(file_, j->dump(2));
}

std::vector<std::string> SecretStore::missing(const std::string& server_id,
                                              const std::vector<std::string>& names) {
  auto have = get(server_id);
  std::vector<std::string> out;
  for (const auto& n : names) {
    if (!have || !have->contains(n)) out.push_back(n);
  }
  return out;
}

}  // namespace onemcp::orchestrator
