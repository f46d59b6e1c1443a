// A server's own files: package.json, pyproject.toml/setup.cfg/setup.py, Dockerfile,
// smithery.yaml, go.mod, Cargo.toml, server.json, .env.example, README.
#include <array>
#include <cctype>

#include "discovery_internal.h"

namespace onemcp::sandbox {
namespace {

using detail::addEvidence;
using detail::failWith;
using nlohmann::json;

std::string join(const std::string& dir, const std::string& file) { return dir.empty() ? file : dir + "/" + file; }

std::string clean(std::string path) {
  while (path.starts_with("./")) path.erase(0, 2);
  return path;
}

std::string mountPath(const std::string& dir) {
  return dir.empty() ? std::string(kSourceMount) : std::string(kSourceMount) + "/" + dir;
}

// The first port after `marker` in `text` (e.g. "listen(" -> 8080).
std::optional<std::uint16_t> portAfter(std::string_view text, std::string_view marker) {
  auto pos = text.find(marker);
  if (pos == std::string_view::npos) return std::nullopt;
  std::size_t i = pos + marker.size();
  std::size_t limit = std::min(text.size(), i + 40);
  while (i < limit && !std::isdigit(static_cast<unsigned char>(text[i]))) ++i;
  unsigned v = 0;
  std::size_t digits = 0;
  while (i < limit && std::isdigit(static_cast<unsigned char>(text[i])) && digits < 6) {
    v = v * 10 + static_cast<unsigned>(text[i++] - '0');
    ++digits;
  }
  if (digits < 2 || v == 0 || v > 65535) return std::nullopt;
  return static_cast<std::uint16_t>(v);
}

// "http://localhost:8080/mcp" in prose: the port and path.
bool localUrlIn(std::string_view text, std::uint16_t& port, std::string& path) {
  for (std::string_view host : {"http://localhost:", "http://127.0.0.1:", "http://0.0.0.0:"}) {
    auto pos = text.find(host);
    if (pos == std::string_view::npos) continue;
    auto p = portAfter(text.substr(pos), host);
    if (!p) continue;
    std::size_t i = pos + host.size();
    while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) ++i;
    std::size_t end = i;
    while (end < text.size() && !std::isspace(static_cast<unsigned char>(text[end])) && text[end] != ')' &&
           text[end] != '`' && text[end] != '"' && text[end] != '\'') {
      ++end;
    }
    port = *p;
    path = end > i ? std::string(text.substr(i, end - i)) : "/mcp";
    return true;
  }
  return false;
}

void setHttp(RunSpec& spec, std::uint16_t port, std::string path, const std::string& source, const std::string& detail) {
  spec.transport.kind = path.ends_with("/sse") ? TransportKind::kSse : TransportKind::kHttp;
  spec.transport.port = port;
  spec.transport.path = path.empty() ? "/mcp" : std::move(path);
  addEvidence(spec, "transport", source, detail);
}

// Code that serves HTTP rather than stdio: the port it listens on.
std::optional<std::uint16_t> httpPortInCode(std::string_view code) {
  static constexpr std::array<std::string_view, 4> kStdio{"StdioServerTransport", "sys.stdin", "process.stdin", "stdio_server"};
  for (auto m : kStdio) {
    if (code.find(m) != std::string_view::npos) return std::nullopt;
  }
  for (std::string_view m : {"HTTPServer((", "HTTPServer(", ".listen(", "port=", "PORT", "port:"}) {
    if (auto p = portAfter(code, m)) return p;
  }
  return std::nullopt;
}

void detectTransport(const SourceTree& tree, const std::string& entry_file, RunSpec& spec) {
  if (spec.transport.kind != TransportKind::kStdio) return;
  for (const char* readme : {"README.md", "readme.md", "README"}) {
    auto text = tree.read(readme);
    std::uint16_t port = 0;
    std::string path;
    if (text && text->find("stdio") == std::string::npos && localUrlIn(*text, port, path)) {
      setHttp(spec, port, path, readme, "names the endpoint http://localhost:" + std::to_string(port) + path);
      return;
    }
  }
  if (entry_file.empty()) return;
  auto code = tree.read(entry_file);
  if (!code) return;
  if (auto port = httpPortInCode(*code)) {
    setHttp(spec, *port, "/mcp", entry_file, "serves HTTP on port " + std::to_string(*port) + " and never reads stdin");
  }
}

// A monorepo root: the workspace package that depends on an MCP SDK, and that SDK.
std::optional<std::pair<std::string, std::string>> workspaceServer(const SourceTree& tree, const std::string& dir,
                                                                  const std::vector<std::string>& workspaces) {
  for (const auto& pattern : workspaces) {
    std::string base = pattern.ends_with("/*") ? pattern.substr(0, pattern.size() - 2) : pattern;
    std::vector<std::string> subs = pattern.ends_with("/*") ? tree.list(join(dir, base)) : std::vector<std::string>{""};
    for (const auto& sub : subs) {
      std::string subdir = join(dir, sub.empty() ? base : join(base, sub));
      auto text = tree.read(join(subdir, "package.json"));
      if (!text) continue;
      auto manifest = parsePackageJson(*text);
      if (manifest && !manifest->mcp_dependency.empty()) return std::make_pair(subdir, manifest->mcp_dependency);
    }
  }
  return std::nullopt;
}

// The file Node starts, and why: the bin named like the package, main, `node X` in
// scripts.start, or index.js.
std::pair<std::string, std::string> nodeEntry(const NodeManifest& m, bool has_index) {
  if (!m.bins.empty()) {
    std::string bin = m.bins.count(serverNameFrom(m.name)) != 0 ? serverNameFrom(m.name) : m.bins.begin()->first;
    return {m.bins.at(bin), "bin." + bin + " = " + m.bins.at(bin)};
  }
  if (!m.main.empty()) return {m.main, "main = " + m.main};
  if (m.scripts.count("start") != 0) {
    auto words = splitShellWords(m.scripts.at("start"));
    if (words.size() >= 2 && words[0] == "node") return {words[1], "scripts.start = " + m.scripts.at("start")};
  }
  if (has_index) return {"index.js", "index.js, Node's default main"};
  return {};
}

// Picks the bin (or main, or start script) of a package.json and fills the spec.
bool detectNode(const SourceTree& tree, const std::string& dir, Discovery& d, RunSpec& spec, std::string& entry_file) {
  std::string file = join(dir, "package.json");
  auto text = tree.read(file);
  if (!text) return false;
  auto manifest = parsePackageJson(*text);
  if (!manifest) {
    failWith(d, Outcome::kInvalid, file + ": " + manifest.error().message);
    return true;
  }
  if (manifest->bins.empty() && manifest->main.empty() && !manifest->workspaces.empty()) {
    if (auto sub = workspaceServer(tree, dir, manifest->workspaces)) {
      addEvidence(spec, "working_dir", file, "workspace " + sub->first + " depends on " + sub->second);
      return detectNode(tree, sub->first, d, spec, entry_file);
    }
  }
  const NodeManifest& m = *manifest;
  spec.runtime = Runtime::kNode;
  if (!m.name.empty()) spec.name = serverNameFrom(m.name);
  addEvidence(spec, "runtime", file, "package.json");
  auto [entry, why] = nodeEntry(m, tree.read(join(dir, "index.js")).has_value());
  if (entry.empty()) {
    failWith(d, Outcome::kNoEntryPoint, file + ": no bin, main or start script names an entry point");
    return true;
  }
  entry = clean(entry);
  entry_file = join(dir, entry);
  bool build = false;
  if (!tree.read(entry_file)) {
    if (m.scripts.count("build") == 0) {
      failWith(d, Outcome::kNoEntryPoint, file + ": " + why + " is missing and no build script makes it");
      return true;
    }
    build = true;
    spec.install.build_command = {"npm", "run", "build"};
    addEvidence(spec, "install.build_command", file, entry + " is built by scripts.build = " + m.scripts.at("build"));
  }
  if (m.has_dependencies || build) {
    spec.install.kind = InstallKind::kNpm;
    spec.install.from_source = true;
    spec.install.packages = {mountPath(dir)};
    addEvidence(spec, "install", file, m.has_dependencies ? "has dependencies" : "needs its build tools");
  }
  spec.working_dir = mountPath(dir);
  spec.command = {"node", entry};
  addEvidence(spec, "command", file, why);
  if (m.node_major) {
    spec.node_major = m.node_major;
    addEvidence(spec, "node_major", file, "engines.node = " + m.engines_node);
  } else if (!m.engines_node.empty()) {
    addEvidence(spec, "node_major", file, "engines.node = " + m.engines_node + " allows Node " + std::to_string(kPreferredNodeMajor));
  }
  if (m.mcp_dependency.empty()) {
    spec.notes.push_back("no MCP SDK dependency: the server speaks MCP by itself, or is not an MCP server");
  } else {
    addEvidence(spec, "runtime", file, "depends on " + m.mcp_dependency);
  }
  return true;
}

Result<PythonManifest> readPythonManifest(const SourceTree& tree, std::string& file) {
  if (auto t = tree.read("pyproject.toml")) {
    file = "pyproject.toml";
    auto m = parsePyproject(*t);
    if (!m || !m->name.empty() || !m->scripts.empty()) return m;
  }
  if (auto t = tree.read("setup.cfg")) {
    file = "setup.cfg";
    auto m = parseSetupCfg(*t);
    if (!m || !m->name.empty()) return m;
  }
  if (auto t = tree.read("setup.py")) {
    file = "setup.py";
    return parseSetupPy(*t);
  }
  file.clear();
  return PythonManifest{};
}

// A console script, a package with __main__.py, or a script file.
// `bare_scripts`: also a lone server.py/main.py without any manifest.
bool detectPython(const SourceTree& tree, Discovery& d, RunSpec& spec, std::string& entry_file, bool bare_scripts) {
  std::string file;
  auto manifest = readPythonManifest(tree, file);
  if (!manifest) {
    failWith(d, Outcome::kInvalid, file + ": " + manifest.error().message);
    return true;
  }
  PythonManifest m = *manifest;
  if (auto req = tree.read("requirements.txt")) {
    for (const auto& line : splitShellWords(*req)) {
      if (!line.starts_with("-")) m.dependencies.push_back(line);
    }
  }
  bool stdlib_only = m.dependencies.empty();
  auto startWith = [&](std::vector<std::string> command, std::string source, std::string why) {
    spec.runtime = Runtime::kPython;
    spec.command = std::move(command);
    addEvidence(spec, "runtime", source, "Python project");
    addEvidence(spec, "command", std::move(source), std::move(why));
  };
  if (!m.name.empty()) spec.name = serverNameFrom(m.name);
  if (!m.scripts.empty()) {
    std::string script = m.scripts.begin()->first;
    for (const auto& [name, target] : m.scripts) {
      if (serverNameFrom(name) == spec.name || name.find("mcp") != std::string::npos) script = name;
    }
    const std::string& target = m.scripts.at(script);
    std::string module = target.substr(0, target.find(':'));
    std::string func = target.find(':') == std::string::npos ? "main" : target.substr(target.find(':') + 1);
    std::string top = module.substr(0, module.find('.'));
    if (stdlib_only) {
      // Nothing to install: call the entry point the console script would call.
      startWith({"python3", "-c", "import sys; from " + module + " import " + func + "; sys.exit(" + func + "())"},
                file, "console script " + script + " = " + target + " (standard library only)");
      entry_file = (tree.isDirectory("src/" + top) ? "src/" : "") + module;
      for (auto& c : entry_file) c = c == '.' ? '/' : c;
      entry_file += tree.isDirectory(entry_file) ? "/__init__.py" : ".py";
      if (tree.isDirectory("src/" + top)) {
        EnvVar path{"PYTHONPATH", "the project's src layout", false, false, std::string(kSourceMount) + "/src"};
        detail::mergeEnv(spec, std::move(path), file, "src/" + top + " is a src layout");
      }
    } else {
      startWith({script}, file, "console script " + script + " = " + target);
    }
  } else {
    std::vector<std::string> roots{""};
    if (tree.isDirectory("src")) roots.push_back("src");
    for (const auto& root : roots) {
      for (const auto& pkg : tree.list(root)) {
        if (!tree.read(join(join(root, pkg), "__main__.py"))) continue;
        startWith({"python3", "-m", pkg}, join(join(root, pkg), "__main__.py"), "python -m " + pkg);
        entry_file = join(join(root, pkg), "__main__.py");
        if (!root.empty()) {
          EnvVar path{"PYTHONPATH", "the project's src layout", false, false, std::string(kSourceMount) + "/src"};
          detail::mergeEnv(spec, std::move(path), entry_file, "package under src/");
        }
        break;
      }
      if (!spec.command.empty()) break;
    }
  }
  if (spec.command.empty() && (bare_scripts || !file.empty())) {
    for (const std::string& candidate : std::vector<std::string>{"server.py", "main.py", "mcp_server.py", "app.py", spec.name + ".py"}) {
      if (!tree.read(candidate)) continue;
      startWith({"python3", candidate}, candidate, "script file " + candidate);
      entry_file = candidate;
      break;
    }
  }
  if (spec.command.empty()) {
    if (file.empty()) return false;
    failWith(d, Outcome::kNoEntryPoint, file + ": no console script, __main__.py or server script");
    return true;
  }
  spec.working_dir = std::string(kSourceMount);
  if (!stdlib_only) {
    spec.install.kind = InstallKind::kPip;
    spec.install.from_source = true;
    spec.install.packages = {std::string(kSourceMount)};
    addEvidence(spec, "install", file.empty() ? "requirements.txt" : file, "depends on " + m.dependencies.front());
  }
  if (!m.mcp_dependency.empty()) addEvidence(spec, "runtime", file, "depends on " + m.mcp_dependency);
  return true;
}

bool detectDockerfile(const SourceTree& tree, const std::string& host_path, RunSpec& spec) {
  auto text = tree.read("Dockerfile");
  if (!text) return false;
  DockerfileInfo info = parseDockerfile(*text);
  spec.runtime = Runtime::kImage;
  spec.image = "onemcp-local/" + spec.name + ":latest";
  spec.build_context = host_path;
  spec.grants.clear();
  spec.working_dir.clear();
  addEvidence(spec, "image", "Dockerfile", "built from FROM " + info.base_image);
  std::vector<std::string> start = info.entrypoint;
  start.insert(start.end(), info.cmd.begin(), info.cmd.end());
  std::string shown;
  for (const auto& w : start) shown += (shown.empty() ? "" : " ") + w;
  addEvidence(spec, "command", "Dockerfile", start.empty() ? "the base image's own command" : "ENTRYPOINT/CMD " + shown);
  for (const auto& name : info.env_names) addEvidence(spec, "env", "Dockerfile", "sets " + name + " itself");
  if (!info.exposed_ports.empty()) {
    setHttp(spec, info.exposed_ports.front(), "/mcp", "Dockerfile", "EXPOSE " + std::to_string(info.exposed_ports.front()));
  }
  return true;
}

void addReadmeAndEnvFiles(const SourceTree& tree, RunSpec& spec) {
  for (const char* name : {".env.example", ".env.sample", ".env.template"}) {
    auto text = tree.read(name);
    if (!text) continue;
    for (auto& hint : parseEnvExample(*text)) {
      EnvVar var{hint.name, hint.description, hint.required, hint.secret, hint.value};
      detail::mergeEnv(spec, std::move(var), name, hint.required ? "listed without a usable value" : "listed with a value");
    }
  }
  if (auto text = tree.read("README.md")) {
    for (const auto& name : parseReadme(*text).env_names) {
      if (!looksSecret(name)) continue;
      bool known = false;
      for (const auto& e : spec.env) known = known || e.name == name;
      if (known) continue;
      EnvVar var{name, "", true, true, std::nullopt};
      detail::mergeEnv(spec, std::move(var), "README.md", "a credential the README sets");
    }
  }
}

}  // namespace

Discovery Discoverer::fromFolder(const SourceTree& tree, const std::string& host_path) {
  Discovery d{host_path, InputKind::kFolder};
  RunSpec spec;
  spec.name = serverNameFrom(host_path);
  spec.source = "folder:" + host_path;
  spec.grants = {{host_path, std::string(kSourceMount), false}};
  std::string entry_file;
  // A package manifest says most; then a Dockerfile, the author's own recipe; then a
  // lone script.
  bool found = detectNode(tree, "", d, spec, entry_file) || detectPython(tree, d, spec, entry_file, false) ||
               detectDockerfile(tree, host_path, spec) || detectPython(tree, d, spec, entry_file, true);
  if (d.outcome != Outcome::kRunnable) {
    if (!spec.command.empty()) d.spec = std::move(spec);  // a partial spec only when it says what runs
    return d;
  }
  if (!found) {
    if (auto sj = tree.read("server.json")) {
      json j = json::parse(*sj, nullptr, false);
      Discovery packaged = fromServerJson(j);
      packaged.input = host_path;
      return packaged;
    }
    if (tree.read("go.mod")) {
      return failWithCopy(d, Outcome::kUnsupported, "unsupported runtime: Go module " + parseGoModule(*tree.read("go.mod")) +
                                                        " (no Go toolchain in the runtime images)");
    }
    if (auto cargo = tree.read("Cargo.toml")) {
      auto info = parseCargoToml(*cargo);
      return failWithCopy(d, Outcome::kUnsupported, "unsupported runtime: Rust crate " + (info ? info->name : std::string("?")) +
                                                        " (no Rust toolchain in the runtime images)");
    }
    if (auto readme = tree.read("README.md")) {
      auto findings = parseReadme(*readme);
      for (const auto& cmd : findings.commands) {
        Discovery fromReadme = fromLaunch(cmd);
        if (fromReadme.outcome == Outcome::kNoEntryPoint || fromReadme.outcome == Outcome::kInvalid) continue;
        fromReadme.input = host_path;
        return fromReadme;
      }
    }
    return failWithCopy(d, Outcome::kNoEntryPoint,
                        "no entry point: no package.json, Python project, Dockerfile, server.json or README launch command");
  }
  if (auto smithery = tree.read("smithery.yaml")) {
    auto info = parseSmithery(*smithery);
    if (info && info->type == "http" && spec.transport.kind == TransportKind::kStdio) {
      setHttp(spec, 8081, "/mcp", "smithery.yaml", "startCommand.type http (Smithery's PORT default 8081)");
    }
    if (info && !info->required_config.empty()) {
      std::string list;
      for (const auto& r : info->required_config) list += (list.empty() ? "" : ", ") + r;
      spec.notes.push_back("smithery.yaml requires config: " + list);
    }
  }
  detectTransport(tree, entry_file, spec);
  addReadmeAndEnvFiles(tree, spec);
  d.spec = std::move(spec);
  if (d.spec->runtime == Runtime::kPython && d.spec->install.kind == InstallKind::kPip &&
      (services_.reach == nullptr || !services_.reach->pypi())) {
    return failWithCopy(std::move(d), Outcome::kUnreachable, "PyPI not reachable from here: its dependencies cannot be installed");
  }
  detail::settleOutcome(d);
  return d;
}

}  // namespace onemcp::sandbox
