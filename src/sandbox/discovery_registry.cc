// The official registry's server.json (every packages kind and remotes) and docker run.
#include <array>
#include <set>

#include "discovery_internal.h"

namespace onemcp::sandbox {
namespace {

using detail::addEvidence;
using nlohmann::json;

std::string str(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

bool flag(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_boolean() && it->get<bool>();
}

// "{port}" style variables resolved from their defaults; nullopt while one has none.
std::optional<std::string> resolveTemplate(const std::string& value, const json& holder) {
  std::string out = value;
  const json* vars = holder.contains("variables") && holder["variables"].is_object() ? &holder["variables"] : nullptr;
  for (std::size_t open = out.find('{'); open != std::string::npos; open = out.find('{', open)) {
    auto close = out.find('}', open);
    if (close == std::string::npos) break;
    std::string var = out.substr(open + 1, close - open - 1);
    std::string def;
    if (vars != nullptr && vars->contains(var) && (*vars)[var].is_object()) def = str((*vars)[var], "default");
    if (def.empty()) return std::nullopt;
    out.replace(open, close - open + 1, def);
    open += def.size();
  }
  return out;
}

struct Port {
  std::uint16_t port = 0;
  std::string path;
};

// http://localhost:3000/mcp -> {3000, "/mcp"}; {port} variables fall back to a default.
Port parseLocalUrl(const std::string& url, std::uint16_t fallback) {
  Port p{fallback, "/mcp"};
  auto scheme = url.find("://");
  std::string rest = scheme == std::string::npos ? url : url.substr(scheme + 3);
  auto slash = rest.find('/');
  std::string host = rest.substr(0, slash);
  if (slash != std::string::npos) p.path = rest.substr(slash);
  if (p.path.empty() || p.path == "/") p.path = "/";
  if (auto colon = host.rfind(':'); colon != std::string::npos) {
    unsigned v = 0;
    bool digits = colon + 1 < host.size();
    for (std::size_t i = colon + 1; i < host.size() && digits; ++i) {
      digits = std::isdigit(static_cast<unsigned char>(host[i])) != 0 && v < 70000;
      v = v * 10 + static_cast<unsigned>(host[i] - '0');
    }
    if (digits && v > 0 && v < 65536) p.port = static_cast<std::uint16_t>(v);
  }
  return p;
}

// packageArguments -> argv words; names settings the user must supply.
std::vector<std::string> packageArgs(const json& pkg, const char* key, std::vector<std::string>& missing) {
  std::vector<std::string> args;
  auto it = pkg.find(key);
  if (it == pkg.end() || !it->is_array()) return args;
  for (const auto& a : *it) {
    if (!a.is_object()) continue;
    std::string value = str(a, "value");
    if (value.empty()) value = str(a, "default");
    std::optional<std::string> resolved = value.empty() ? std::nullopt : resolveTemplate(value, a);
    std::string label = str(a, "name").empty() ? str(a, "valueHint") : str(a, "name");
    if (!resolved) {
      if (flag(a, "isRequired")) missing.push_back(label.empty() ? "argument" : label);
      continue;
    }
    if (str(a, "type") == "named" && !str(a, "name").empty()) args.push_back(str(a, "name"));
    args.push_back(*resolved);
  }
  return args;
}

void applyServerEnv(RunSpec& spec, const json& pkg, const std::string& origin) {
  auto it = pkg.find("environmentVariables");
  if (it == pkg.end() || !it->is_array()) return;
  for (const auto& e : *it) {
    if (!e.is_object() || str(e, "name").empty()) continue;
    EnvVar var;
    var.name = str(e, "name");
    var.description = str(e, "description");
    var.secret = flag(e, "isSecret");
    var.required = flag(e, "isRequired");
    std::string value = str(e, "value");
    if (value.empty()) value = str(e, "default");
    if (!value.empty() && !var.secret) {
      if (auto resolved = resolveTemplate(value, e)) {
        var.value = *resolved;
      } else {
        var.required = true;
      }
    }
    detail::mergeEnv(spec, std::move(var), origin, "environmentVariables");
  }
}

void applyTransport(RunSpec& spec, const json& pkg, const std::string& origin) {
  auto t = pkg.find("transport");
  if (t == pkg.end() || !t->is_object()) return;
  std::string type = str(*t, "type");
  if (type == "stdio" || type.empty()) {
    addEvidence(spec, "transport", origin, "transport.type stdio");
    return;
  }
  spec.transport.kind = type == "sse" ? TransportKind::kSse : TransportKind::kHttp;
  Port p = parseLocalUrl(str(*t, "url"), 3000);
  spec.transport.port = p.port;
  spec.transport.path = p.path;
  addEvidence(spec, "transport", origin, "transport " + type + " " + str(*t, "url"));
}

int packageRank(const std::string& kind) {
  static constexpr std::array<std::string_view, 3> kOrder{"npm", "pypi", "oci"};
  for (std::size_t i = 0; i < kOrder.size(); ++i) {
    if (kind == kOrder[i]) return static_cast<int>(i);
  }
  return 10;
}

}  // namespace

Discovery Discoverer::fromServerJson(const json& server) {
  std::string server_name = server.is_object() ? str(server, "name") : "";
  Discovery d{server_name.empty() ? "server.json" : server_name, InputKind::kServerJson};
  if (!server.is_object()) return failWithCopy(d, Outcome::kInvalid, "server.json is not an object");
  const json* best = nullptr;
  if (auto pk = server.find("packages"); pk != server.end() && pk->is_array()) {
    for (const auto& p : *pk) {
      if (p.is_object() && (best == nullptr || packageRank(str(p, "registryType")) < packageRank(str(*best, "registryType")))) {
        best = &p;
      }
    }
  }
  if (best == nullptr) {
    auto rm = server.find("remotes");
    if (rm != server.end() && rm->is_array() && !rm->empty() && (*rm)[0].is_object()) {
      return failWithCopy(d, Outcome::kRemoteOnly, "remote only: " + str((*rm)[0], "type") + " " + str((*rm)[0], "url"));
    }
    return failWithCopy(d, Outcome::kNoEntryPoint, "server.json lists no packages and no remotes");
  }
  const json& pkg = *best;
  std::string kind = str(pkg, "registryType");
  std::string id = str(pkg, "identifier");
  std::string version = str(pkg, "version");
  std::string origin = "server.json packages[" + kind + "] " + id;
  if (kind == "mcpb") return failWithCopy(d, Outcome::kUnsupported, "unsupported package kind: mcpb bundle " + id);
  if (kind == "nuget") return failWithCopy(d, Outcome::kUnsupported, "unsupported package kind: nuget (.NET is not in the runtime images) " + id);
  if (id.empty()) return failWithCopy(d, Outcome::kInvalid, "server.json package without identifier");
  std::vector<std::string> missing;
  std::vector<std::string> args = packageArgs(pkg, "packageArguments", missing);
  std::vector<std::string> runtime_missing;
  std::vector<std::string> runtime_args = packageArgs(pkg, "runtimeArguments", runtime_missing);
  Discovery found;
  if (kind == "npm") {
    found = fromNpm(version.empty() ? id : id + "@" + version, args);
  } else if (kind == "pypi") {
    auto [name, pinned] = detail::splitPypiSpec(id);
    found = fromPythonPackage(version.empty() ? id : name + "==" + version, {}, name, args);
  } else if (kind == "oci") {
    std::string ref = id;
    if (!version.empty() && ref.find(':', ref.rfind('/') == std::string::npos ? 0 : ref.rfind('/')) == std::string::npos) {
      ref += ":" + version;
    }
    found = fromOci(ref);
    if (found.spec) found.spec->command = args;
  } else {
    return failWithCopy(d, Outcome::kUnsupported, "unsupported package kind: " + kind + " " + id);
  }
  found.input = d.input;
  found.kind = InputKind::kServerJson;
  if (!found.spec) return found;
  RunSpec& spec = *found.spec;
  if (!server_name.empty()) spec.name = serverNameFrom(server_name);
  addEvidence(spec, "install", origin, version.empty() ? "identifier" : "identifier and version " + version);
  applyTransport(spec, pkg, origin);
  applyServerEnv(spec, pkg, origin);
  for (const auto& a : runtime_args) {
    if (a.starts_with("type=bind") || a.find(':') != std::string::npos) {
      spec.notes.push_back("runtime argument '" + a + "' asks for a host mount: grant it");
    }
  }
  missing.insert(missing.end(), runtime_missing.begin(), runtime_missing.end());
  if (found.outcome == Outcome::kRunnable) {
    detail::settleOutcome(found);
    if (found.outcome == Outcome::kRunnable && !missing.empty()) {
      std::string list;
      for (const auto& m : missing) list += (list.empty() ? "" : ", ") + m;
      detail::failWith(found, Outcome::kNeedsConfig, "needs setting: " + list);
    }
  }
  return found;
}

Discovery Discoverer::launchDocker(const LaunchCommand& cmd) {
  static const std::set<std::string> kWithValue{
      "-e", "--env", "-v", "--volume", "-p", "--publish", "--name", "--network", "--net", "--mount", "-w", "--workdir",
      "-u", "--user", "--entrypoint", "--env-file", "-l", "--label", "-m", "--memory", "--cpus", "--platform",
      "--add-host", "--pull", "-h", "--hostname", "--tmpfs", "--cap-add", "--cap-drop", "--security-opt"};
  const auto& argv = cmd.argv;
  Discovery d{cmd.origin, InputKind::kCommand};
  std::size_t i = 2;  // after "docker run"
  if (argv.size() < 2 || argv[1] != "run") return failWithCopy(d, Outcome::kInvalid, "not a docker run command");
  std::map<std::string, std::string> env;
  std::vector<std::string> volumes;
  std::uint16_t port = 0;
  for (; i < argv.size(); ++i) {
    std::string a = argv[i];
    std::string value;
    auto eq = a.find('=');
    if (a.starts_with("--") && eq != std::string::npos) {
      value = a.substr(eq + 1);
      a.resize(eq);
    } else if (kWithValue.count(a) != 0 && i + 1 < argv.size()) {
      value = argv[++i];
    } else if (a.starts_with("-")) {
      continue;
    } else {
      break;
    }
    if (a == "-e" || a == "--env") {
      auto veq = value.find('=');
      env[value.substr(0, veq)] = veq == std::string::npos ? std::string() : value.substr(veq + 1);
    } else if (a == "-v" || a == "--volume" || a == "--mount") {
      volumes.push_back(value);
    } else if (a == "-p" || a == "--publish") {
      port = parseLocalUrl("http://x:" + value.substr(value.rfind(':') + 1), 0).port;
    }
  }
  if (i >= argv.size()) return failWithCopy(d, Outcome::kInvalid, "docker run without an image");
  Discovery found = fromOci(argv[i]);
  found.input = cmd.origin;
  found.kind = InputKind::kCommand;
  if (!found.spec) return found;
  RunSpec& spec = *found.spec;
  spec.command.assign(argv.begin() + static_cast<std::ptrdiff_t>(i) + 1, argv.end());
  addEvidence(spec, "command", cmd.origin, spec.command.empty() ? "the image's own entrypoint" : "arguments after the image");
  if (port != 0) {
    spec.transport.kind = TransportKind::kHttp;
    spec.transport.port = port;
    addEvidence(spec, "transport", cmd.origin, "docker run -p publishes port " + std::to_string(port));
  }
  for (const auto& v : volumes) spec.notes.push_back("volume '" + v + "' asks for a host mount: grant it");
  detail::addLaunchEnv(spec, env, cmd.origin);
  detail::addLaunchEnv(spec, cmd.env, cmd.origin);
  detail::settleOutcome(found);
  return found;
}

}  // namespace onemcp::sandbox
