// Environment variables, outcomes and package-spec splitting shared by the sources.
#include <cctype>

#include "discovery_internal.h"
#include "onemcp/sandbox/detect.h"
#include "onemcp/sandbox/hardening.h"

namespace onemcp::sandbox::detail {

bool isPlaceholder(std::string_view value) {
  if (value.empty()) return true;
  std::string l(value);
  for (auto& c : l) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return l.find("your") != std::string::npos || l.find('<') != std::string::npos ||
         l.find("xxx") != std::string::npos || l.find("...") != std::string::npos ||
         l.find("${") != std::string::npos || l.find("{") != std::string::npos ||
         l.find("here") != std::string::npos || l.find("replace") != std::string::npos ||
         l.find("changeme") != std::string::npos;
}

void mergeEnv(RunSpec& spec, EnvVar var, const std::string& source, const std::string& detail) {
  std::string name = var.name;
  bool replaced = false;
  for (auto& e : spec.env) {
    if (e.name != var.name) continue;
    // Keep what any source said: once required or secret, always so.
    var.required = var.required || e.required;
    var.secret = var.secret || e.secret;
    if (var.description.empty()) var.description = e.description;
    if (!var.value) var.value = e.value;
    if (var.secret) var.value.reset();
    e = std::move(var);
    replaced = true;
    break;
  }
  if (!replaced) {
    if (var.secret) var.value.reset();
    spec.env.push_back(std::move(var));
  }
  addEvidence(spec, "env." + name, source, detail);
}

namespace {

bool looksLikePath(const std::string& v) {
  return v.size() > 1 && (v.front() == '/' || v.starts_with("~/") || v.starts_with("./")) &&
         v.find_first_of(" \t\n\"'$`;|&") == std::string::npos;
}

// The data-volume path for an example path: its last component (a file name such as
// memory.jsonl), or the variable's name for a folder.
std::string dataPathFor(const std::string& name, const std::string& example) {
  std::string base = example;
  while (!base.empty() && base.back() == '/') base.pop_back();
  base = base.substr(base.find_last_of('/') + 1);
  const bool folder = example.ends_with('/') || name.ends_with("_DIR") || name.ends_with("_DIRECTORY") ||
                      base.find('.') == std::string::npos;
  std::string leaf;
  for (char c : folder ? name : base) {
    leaf += std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_'
                ? static_cast<char>(folder ? std::tolower(static_cast<unsigned char>(c)) : c)
                : '_';
  }
  if (leaf.empty() || leaf.front() == '.') leaf = "state" + leaf;
  return std::string(kDataDir) + "/" + leaf;
}

}  // namespace

int addReadmeStatePaths(RunSpec& spec, std::string_view readme, const std::string& origin) {
  int added = 0;
  for (const auto& cmd : parseReadme(readme).commands) {
    for (const auto& [name, value] : cmd.env) {
      if (looksSecret(name) || !looksLikePath(value)) continue;
      bool known = false;
      for (const auto& e : spec.env) known = known || e.name == name;
      if (known) continue;
      EnvVar var;
      var.name = name;
      var.description = "a path the server writes its state to";
      var.value = dataPathFor(name, value);
      mergeEnv(spec, std::move(var), origin,
               "the README's launch example sets it to the path " + value +
                   "; pointed at the server's data volume, since the package is read-only");
      ++added;
    }
  }
  return added;
}

void addLaunchEnv(RunSpec& spec, const std::map<std::string, std::string>& env, const std::string& origin) {
  for (const auto& [name, value] : env) {
    EnvVar var;
    var.name = name;
    var.secret = looksSecret(name);
    if (var.secret || isPlaceholder(value)) {
      var.required = true;
    } else {
      var.value = value;
    }
    mergeEnv(spec, std::move(var), origin, var.secret ? "a credential (by its name)" : "set by the launch command");
  }
}

void settleOutcome(Discovery& d) {
  if (d.outcome != Outcome::kRunnable || !d.spec) return;
  std::string secrets;
  std::string settings;
  for (const auto& e : d.spec->env) {
    if (!e.required || e.value) continue;
    std::string& list = e.secret ? secrets : settings;
    list += (list.empty() ? "" : ", ") + e.name;
  }
  if (!secrets.empty()) {
    failWith(d, Outcome::kNeedsSecret, "needs secret: " + secrets);
  } else if (!settings.empty()) {
    failWith(d, Outcome::kNeedsConfig, "needs setting: " + settings);
  }
}

std::pair<std::string, std::string> splitNpmSpec(std::string_view spec) {
  std::size_t from = spec.starts_with("@") ? 1 : 0;
  auto at = spec.find('@', from);
  if (at == std::string_view::npos) return {std::string(spec), ""};
  return {std::string(spec.substr(0, at)), std::string(spec.substr(at + 1))};
}

std::pair<std::string, std::string> splitPypiSpec(std::string_view spec) {
  std::string name = requirementName(spec);
  std::string_view rest = spec.substr(std::min(spec.size(), name.size()));
  if (auto bracket = rest.find(']'); rest.starts_with("[") && bracket != std::string_view::npos) {
    rest = rest.substr(bracket + 1);
  }
  if (rest.starts_with("==")) return {name, std::string(rest.substr(2))};
  if (rest.starts_with("@")) return {name, std::string(rest.substr(1))};
  return {name, ""};
}

std::string bridgedUrl(const std::vector<std::string>& args) {
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if ((a == "--sse" || a == "--streamableHttp" || a == "--url") && i + 1 < args.size()) return args[i + 1];
  }
  for (const auto& a : args) {
    if (a.starts_with("https://") || a.starts_with("http://")) return a;
  }
  return {};
}

}  // namespace onemcp::sandbox::detail
