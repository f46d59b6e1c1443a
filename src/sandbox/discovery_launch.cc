// Packages and launch commands: npm specs (npx), PyPI names (uvx, uv, pipx), OCI images
// (docker run), remote bridges.
#include <array>

#include "discovery_internal.h"

namespace onemcp::sandbox {
namespace {

using detail::addEvidence;
using detail::failWith;

constexpr std::array<std::string_view, 4> kRemoteBridges{"supergateway", "mcp-remote", "@modelcontextprotocol/mcp-remote",
                                                         "mcp-proxy"};

bool isRemoteBridge(std::string_view package) {
  for (auto b : kRemoteBridges) {
    if (package == b) return true;
  }
  return false;
}

std::string unscoped(const std::string& name) {
  auto slash = name.rfind('/');
  return slash == std::string::npos ? name : name.substr(slash + 1);
}

// npx runs the bin named like the package when there are several.
std::string chooseBin(const std::map<std::string, std::string>& bins, const std::string& package) {
  if (bins.empty()) return {};
  if (bins.size() == 1) return bins.begin()->first;
  if (bins.count(unscoped(package)) != 0) return unscoped(package);
  for (const auto& [name, path] : bins) {
    if (name.find("mcp") != std::string::npos) return name;
  }
  return bins.begin()->first;
}

void noteHostPaths(RunSpec& spec, const std::vector<std::string>& args) {
  for (const auto& a : args) {
    if (a.starts_with("/") || a.starts_with("~/") || a.starts_with("./") || a.starts_with("../")) {
      spec.notes.push_back("argument '" + a + "' names a host path: grant it to the container (--grant)");
    }
  }
}

bool isVersionWord(const std::string& v) { return v.empty() || v == "latest" || v == "*"; }

}  // namespace

Discovery Discoverer::fromNpm(std::string_view spec_text, std::vector<std::string> args,
                              std::map<std::string, std::string> env) {
  Discovery d{std::string(spec_text), InputKind::kNpm};
  auto [name, version] = detail::splitNpmSpec(spec_text);
  if (name.empty() || name.find(' ') != std::string::npos) {
    return failWithCopy(d, Outcome::kInvalid, "not an npm package name: " + std::string(spec_text));
  }
  if (isVersionWord(version)) version.clear();
  RunSpec spec;
  spec.name = serverNameFrom(name);
  spec.runtime = Runtime::kNode;
  spec.install.kind = InstallKind::kNpm;
  spec.source = "npm:" + std::string(spec_text);
  addEvidence(spec, "runtime", "npm:" + name, "an npm package runs on Node");
  std::string chosen = version;
  std::string bin = unscoped(name);
  if (services_.npm != nullptr) {
    auto info = services_.npm->view(name);
    if (!info) {
      bool missing = info.error().code == ErrorCode::kNotFound;
      spec.install.packages = {version.empty() ? name : name + "@" + version};
      spec.command = {bin};
      spec.command.insert(spec.command.end(), args.begin(), args.end());
      d.spec = std::move(spec);
      return failWithCopy(std::move(d), missing ? Outcome::kNotServed : Outcome::kUnreachable,
                          missing ? "package not served by the configured registry: " + name
                                  : "npm registry not reachable: " + info.error().message);
    }
    bool served = version.empty() || std::find(info->versions.begin(), info->versions.end(), version) != info->versions.end();
    if (!served) {
      spec.notes.push_back("pinned version " + version + " is not served by the configured registry; using the newest served, " +
                           info->latest);
      spec.install.pinned_not_served = name + "@" + version;
      std::string served_list;
      for (std::size_t i = info->versions.size() > 5 ? info->versions.size() - 5 : 0; i < info->versions.size(); ++i) {
        served_list += (served_list.empty() ? "" : ", ") + info->versions[i];
      }
      addEvidence(spec, "install.pinned_not_served", "npm registry: " + name,
                  "versions served: " + (info->versions.size() > 5 ? "…, " : std::string()) + served_list + "; not " + version);
    }
    chosen = served && !version.empty() ? version : info->latest;
    NodeManifest manifest = info->manifest;
    if (chosen != manifest.version) {
      if (auto exact = services_.npm->view(name + "@" + chosen)) manifest = exact->manifest;
    }
    bin = chooseBin(manifest.bins, name);
    if (bin.empty()) {
      d.spec = std::move(spec);
      return failWithCopy(std::move(d), Outcome::kNoEntryPoint, "no bin in package.json of " + name + "@" + chosen + ": npx cannot start it");
    }
    addEvidence(spec, "command", "npm registry: " + name + "@" + chosen, "package.json bin." + bin + " = " + manifest.bins[bin]);
    addEvidence(spec, "install", "npm registry", served ? "version " + chosen + " is served" : "newest served version " + chosen);
    if (manifest.node_major) {
      spec.node_major = manifest.node_major;
      addEvidence(spec, "node_major", "package.json engines.node", manifest.engines_node);
    } else if (!manifest.engines_node.empty()) {
      addEvidence(spec, "node_major", "package.json engines.node",
                  manifest.engines_node + " allows Node " + std::to_string(kPreferredNodeMajor));
    }
    if (manifest.mcp_dependency.empty()) spec.notes.push_back("no MCP SDK among its dependencies");
    if (auto readme = services_.npm->readme(name + "@" + chosen)) {
      detail::addReadmeStatePaths(spec, *readme, "README.md of " + name + "@" + chosen);
    }
  } else {
    addEvidence(spec, "command", "npx convention", "the bin named like the package (not looked up in the registry)");
    spec.notes.push_back("not looked up in the npm registry");
  }
  spec.install.packages = {chosen.empty() ? name : name + "@" + chosen};
  spec.command = {bin};
  spec.command.insert(spec.command.end(), args.begin(), args.end());
  noteHostPaths(spec, args);
  detail::addLaunchEnv(spec, env, "launch command env");
  d.spec = std::move(spec);
  detail::settleOutcome(d);
  return d;
}

Discovery Discoverer::fromPythonPackage(const std::string& package, const std::vector<std::string>& extra,
                                        const std::string& command, std::vector<std::string> args) {
  Discovery d{package, InputKind::kPypi};
  RunSpec spec;
  auto [name, version] = detail::splitPypiSpec(package);
  if (name.empty()) return failWithCopy(d, Outcome::kInvalid, "not a Python package name: " + package);
  spec.name = serverNameFrom(name);
  spec.runtime = Runtime::kPython;
  spec.install.kind = InstallKind::kPip;
  spec.install.packages.push_back(isVersionWord(version) ? name : name + "==" + version);
  spec.install.packages.insert(spec.install.packages.end(), extra.begin(), extra.end());
  spec.source = "pypi:" + package;
  std::string cmd = command.empty() ? name : command;
  spec.command = {cmd};
  spec.command.insert(spec.command.end(), args.begin(), args.end());
  addEvidence(spec, "runtime", "pypi:" + name, "a PyPI package runs on Python");
  addEvidence(spec, "command", "uvx convention", command.empty() ? "the console script named like the package"
                                                                  : "the command named by the launch line");
  noteHostPaths(spec, args);
  d.spec = std::move(spec);
  if (package.starts_with("git+")) {
    if (services_.reach == nullptr || !services_.reach->gitHost(package.substr(4))) {
      return failWithCopy(std::move(d), Outcome::kUnreachable, "Git host not reachable from here: " + package.substr(4));
    }
  } else if (services_.reach == nullptr || !services_.reach->pypi()) {
    return failWithCopy(std::move(d), Outcome::kUnreachable, "PyPI not reachable from here: " + name);
  }
  return d;
}

Discovery Discoverer::fromPypi(std::string_view spec) {
  auto [name, version] = detail::splitPypiSpec(spec);
  return fromPythonPackage(std::string(spec), {}, name, {});
}

Discovery Discoverer::fromOci(std::string_view reference) {
  Discovery d{std::string(reference), InputKind::kOci};
  if (reference.empty() || reference.find(' ') != std::string_view::npos) {
    return failWithCopy(d, Outcome::kInvalid, "not an image reference: " + std::string(reference));
  }
  RunSpec spec;
  std::string ref(reference);
  spec.name = serverNameFrom(ref.substr(0, ref.find('@')));
  spec.runtime = Runtime::kImage;
  spec.image = ref;
  spec.source = "oci:" + ref;
  addEvidence(spec, "image", "oci:" + ref, "an OCI image runs as it is, with its own entrypoint");
  d.spec = std::move(spec);
  if (services_.reach != nullptr && !services_.reach->imageRegistry(ref)) {
    return failWithCopy(std::move(d), Outcome::kUnreachable, "image registry not reachable from here: " + ref + " is not present locally");
  }
  return d;
}

Discovery Discoverer::launchNpx(const LaunchCommand& cmd, std::size_t first) {
  const auto& argv = cmd.argv;
  std::string package;
  std::size_t i = first;
  for (; i < argv.size(); ++i) {
    const std::string& a = argv[i];
    if (a == "-y" || a == "--yes" || a == "-q" || a == "--quiet" || a == "--prefer-offline") continue;
    if ((a == "-p" || a == "--package") && i + 1 < argv.size()) {
      package = argv[++i];
      continue;
    }
    if (a.starts_with("--package=")) {
      package = a.substr(10);
      continue;
    }
    if (a.starts_with("-")) continue;
    break;
  }
  Discovery d{cmd.origin, InputKind::kCommand};
  if (i >= argv.size() && package.empty()) return failWithCopy(d, Outcome::kInvalid, "npx without a package");
  std::string word = i < argv.size() ? argv[i] : package;
  std::vector<std::string> args(argv.begin() + static_cast<std::ptrdiff_t>(std::min(i + 1, argv.size())), argv.end());
  if (package.empty()) package = word;
  auto [name, version] = detail::splitNpmSpec(package);
  if (isRemoteBridge(name)) {
    std::string url = detail::bridgedUrl(args);
    return failWithCopy(d, Outcome::kRemoteOnly, "remote only: " + name + " bridges " + (url.empty() ? "a remote server" : url));
  }
  if (package.starts_with("github:") || package.starts_with("git+") || package.find("://") != std::string::npos) {
    Discovery g = fromGit(package);
    g.input = cmd.origin;
    return g;
  }
  if (package.starts_with(".") || package.starts_with("/")) {
    return failWithCopy(d, Outcome::kNoEntryPoint, "runs the local package '" + package + "', which is not part of the input");
  }
  Discovery found = fromNpm(package, args, cmd.env);
  found.input = cmd.origin;
  found.kind = InputKind::kCommand;
  if (found.spec) addEvidence(*found.spec, "install", cmd.origin, "npx " + package);
  return found;
}

Discovery Discoverer::launchPython(const LaunchCommand& cmd) {
  const auto& argv = cmd.argv;
  Discovery d{cmd.origin, InputKind::kCommand};
  std::size_t i = 1;
  // uv run / uv tool run / pipx run: the rest is like uvx.
  if (argv[0] == "uv" && i < argv.size() && argv[i] == "tool") ++i;
  if ((argv[0] == "uv" || argv[0] == "pipx") && i < argv.size() && argv[i] == "run") ++i;
  std::string from;
  std::vector<std::string> with;
  std::string directory;
  for (; i < argv.size(); ++i) {
    const std::string& a = argv[i];
    auto value = [&](std::string& out) {
      if (i + 1 < argv.size()) out = argv[++i];
    };
    if (a == "--from" || a == "--spec") {
      value(from);
    } else if (a == "--with") {
      std::string w;
      value(w);
      with.push_back(w);
    } else if (a == "--directory") {
      value(directory);
    } else if (a == "--python" || a == "-p") {
      std::string ignored;
      value(ignored);
    } else if (a.starts_with("-")) {
      continue;
    } else {
      break;
    }
  }
  if (i >= argv.size()) return failWithCopy(d, Outcome::kInvalid, argv[0] + " without a command");
  std::string word = argv[i];
  std::vector<std::string> args(argv.begin() + static_cast<std::ptrdiff_t>(i) + 1, argv.end());
  if (!directory.empty() || word.ends_with(".py")) {
    return failWithCopy(d, Outcome::kNoEntryPoint, "runs local files ('" + (directory.empty() ? word : directory) +
                                                       "') from the author's checkout, not part of the input");
  }
  auto [command, version] = detail::splitPypiSpec(word);
  std::string package = from.empty() ? word : from;
  Discovery found = fromPythonPackage(package, with, command, args);
  found.input = cmd.origin;
  found.kind = InputKind::kCommand;
  if (found.spec) {
    detail::addLaunchEnv(*found.spec, cmd.env, cmd.origin);
    addEvidence(*found.spec, "install", cmd.origin, argv[0] + " " + package);
    if (found.outcome == Outcome::kRunnable) detail::settleOutcome(found);
  }
  return found;
}

Discovery Discoverer::fromLaunch(const LaunchCommand& cmd) {
  Discovery d{cmd.origin.empty() ? cmd.name : cmd.origin, InputKind::kCommand};
  if (!cmd.url.empty()) return failWithCopy(d, Outcome::kRemoteOnly, "remote only: " + cmd.url);
  if (cmd.argv.empty()) return failWithCopy(d, Outcome::kInvalid, "empty command");
  std::string exe = cmd.argv[0];
  if (auto slash = exe.rfind('/'); slash != std::string::npos) exe = exe.substr(slash + 1);
  if (exe == "npx" || exe == "bunx" || exe == "pnpx") return launchNpx(cmd, 1);
  if ((exe == "npm" || exe == "pnpm") && cmd.argv.size() > 1 && (cmd.argv[1] == "exec" || cmd.argv[1] == "dlx")) {
    return launchNpx(cmd, 2);
  }
  if (exe == "uvx" || exe == "uv" || exe == "pipx") {
    LaunchCommand copy = cmd;
    copy.argv[0] = exe;
    return launchPython(copy);
  }
  if (exe == "docker" || exe == "podman") return launchDocker(cmd);
  if (exe == "node" || exe == "python" || exe == "python3" || exe == "bun" || exe == "tsx") {
    std::string file = cmd.argv.size() > 1 ? cmd.argv[1] : "";
    if (file == "-m" && cmd.argv.size() > 2) file = "module " + cmd.argv[2];
    return failWithCopy(d, Outcome::kNoEntryPoint, "runs local files ('" + file + "') from the author's checkout, not part of the input");
  }
  if (exe == "deno") return failWithCopy(d, Outcome::kUnsupported, "unsupported runtime: Deno is not in the runtime images");
  if (exe == "dotnet" || exe == "dnx") {
    return failWithCopy(d, Outcome::kUnsupported, "unsupported runtime: .NET is not in the runtime images");
  }
  if (exe == "go" || exe == "cargo") {
    return failWithCopy(d, Outcome::kUnsupported, "unsupported runtime: " + exe + " toolchains are not in the runtime images");
  }
  return failWithCopy(d, Outcome::kNoEntryPoint, "runs the program '" + cmd.argv[0] + "', which is not a package OneMCP can install");
}

}  // namespace onemcp::sandbox
