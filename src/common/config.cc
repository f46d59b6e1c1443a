#include "onemcp/common/config.h"

#include <cctype>
#include <fstream>
#include <sstream>

namespace onemcp {
namespace {

void flatten(const nlohmann::json& j, const std::string& prefix,
             std::map<std::string, nlohmann::json>& out) {
  if (j.is_object() && !j.empty()) {
    for (const auto& [k, v] : j.items()) {
      flatten(v, prefix.empty() ? k : prefix + "." + k, out);
    }
    return;
  }
  out[prefix] = j;
}

nlohmann::json parseScalar(const std::string& text) {
  if (text == "true") return true;
  if (text == "false") return false;
  // Integers and decimals only; anything else stays text (e.g. "1.2.3", URLs).
  auto parsed = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!parsed.is_discarded() && parsed.is_number()) return parsed;
  return text;
}

}  // namespace

std::string_view toString(ConfigSource source) {
  switch (source) {
    case ConfigSource::kDefault: return "default";
    case ConfigSource::kFile: return "file";
    case ConfigSource::kEnvironment: return "environment";
    case ConfigSource::kFlag: return "flag";
  }
  return "unknown";
}

void Config::define(const std::string& key, nlohmann::json default_value) {
  defaults_[key] = default_value;
  auto it = entries_.find(key);
  if (it == entries_.end() || it->second.source == ConfigSource::kDefault) {
    entries_[key] = Entry{std::move(default_value), ConfigSource::kDefault};
  }
}

Result<void> Config::loadFile(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) {
    if (!std::filesystem::exists(file)) return {};
    return fail(ErrorCode::kIo, "cannot read config file " + file.string());
  }
  std::stringstream buf;
  buf << in.rdbuf();
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(buf.str());
  } catch (const nlohmann::json::parse_error& e) {
    return fail(ErrorCode::kInvalidInput,
                "config file " + file.string() + " is not valid JSON: " + e.what());
  }
  if (!j.is_object()) {
    return fail(ErrorCode::kInvalidInput,
                "config file " + file.string() + " must hold a JSON object");
  }
  std::map<std::string, nlohmann::json> flat;
  flatten(j, "", flat);
  for (auto& [k, v] : flat) set(k, std::move(v), ConfigSource::kFile);
  return {};
}

void Config::loadEnvironment(const EnvLookup& env) {
  for (const auto& [key, unused] : defaults_) {
    if (auto v = env(envName(key))) set(key, parseScalar(*v), ConfigSource::kEnvironment);
  }
}

Result<void> Config::setFlag(std::string_view assignment) {
  auto eq = assignment.find('=');
  if (eq == std::string_view::npos || eq == 0) {
    return fail(ErrorCode::kInvalidInput,
                "expected KEY=VALUE, got '" + std::string(assignment) + "'");
  }
  set(std::string(assignment.substr(0, eq)), parseScalar(std::string(assignment.substr(eq + 1))),
      ConfigSource::kFlag);
  return {};
}

void Config::set(const std::string& key, nlohmann::json value, ConfigSource source) {
  auto it = entries_.find(key);
  if (it != entries_.end() && it->second.source > source) return;  // a stronger layer won
  entries_[key] = Entry{std::move(value), source};
}

std::optional<Config::Entry> Config::find(const std::string& key) const {
  auto it = entries_.find(key);
  if (it == entries_.end()) return std::nullopt;
  return it->second;
}

std::string Config::getString(const std::string& key) const {
  auto e = find(key);
  if (!e || e->value.is_null()) return {};
  return e->value.is_string() ? e->value.get<std::string>() : e->value.dump();
}

std::int64_t Config::getInt(const std::string& key) const {
  auto e = find(key);
  if (e && e->value.is_number()) return e->value.get<std::int64_t>();
  auto d = defaults_.find(key);
  return (d != defaults_.end() && d->second.is_number()) ? d->second.get<std::int64_t>() : 0;
}

bool Config::getBool(const std::string& key) const {
  auto e = find(key);
  if (e && e->value.is_boolean()) return e->value.get<bool>();
  auto d = defaults_.find(key);
  return d != defaults_.end() && d->second.is_boolean() && d->second.get<bool>();
}

std::vector<std::string> Config::unknownKeys() const {
  std::vector<std::string> out;
  for (const auto& [k, e] : entries_) {
    if (!defaults_.contains(k)) out.push_back(k);
  }
  return out;
}

std::string Config::envName(std::string_view key) {
  std::string out = "ONEMCP_";
  for (char c : key) {
    out += (c == '.' || c == '-') ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return out;
}

std::filesystem::path Config::defaultFile(const Paths& paths) {
  return paths.config_dir / "config.json";
}

}  // namespace onemcp
