// `onemcp sandbox inspect|verify <input>`: how OneMCP would run a server (the run spec
// with its evidence) and whether it really runs (the verification record). Attaches to
// the `sandbox` subcommand that sandbox_commands.cc creates (or creates it).
#include <algorithm>
#include <atomic>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <thread>

#include <nlohmann/json.hpp>

#include "commands.h"
#include "sandbox_env.h"
#include "onemcp/common/paths.h"
#include "onemcp/sandbox/apt_sources.h"
#include "onemcp/sandbox/discovery.h"
#include "onemcp/sandbox/engine_client.h"
#include "onemcp/sandbox/host_config.h"
#include "onemcp/sandbox/verify.h"
#include "onemcp/sandbox/verify_sandbox.h"

namespace onemcp::app {
namespace {

using namespace onemcp::sandbox;  // NOLINT(google-build-using-namespace)
using nlohmann::json;

struct DiscoveryArgs {
  std::string input;
  bool json_out = false;
  bool offline = false;
  bool census = false;
  bool local = false;
  bool online = false;
  int jobs = 4;
  int lookup_timeout_s = 20;
  int timeout_s = 120;
  std::vector<std::string> env;
};

std::string joined(const std::vector<std::string>& words, const char* sep = " ") {
  std::string out;
  for (const auto& w : words) out += (out.empty() ? "" : sep) + w;
  return out;
}

void printDiscovery(const Discovery& d) {
  std::printf("%-12s %s (%s)\n", "input", d.input.c_str(), std::string(toString(d.kind)).c_str());
  std::printf("%-12s %s%s%s\n", "outcome", std::string(toString(d.outcome)).c_str(), d.reason.empty() ? "" : ": ",
              d.reason.c_str());
  if (!d.spec) return;
  const RunSpec& s = *d.spec;
  std::printf("%-12s %s\n", "name", s.name.c_str());
  std::printf("%-12s %s%s\n", "runtime", std::string(toString(s.runtime)).c_str(),
              s.node_major ? (" (node " + *s.node_major + ")").c_str() : (s.image.empty() ? "" : (" " + s.image).c_str()));
  if (s.install.kind != InstallKind::kNone) {
    std::printf("%-12s %s %s%s\n", "install", std::string(toString(s.install.kind)).c_str(), joined(s.install.packages).c_str(),
                s.install.build_command.empty() ? "" : ("; then " + joined(s.install.build_command)).c_str());
  }
  std::printf("%-12s %s\n", "command", joined(s.command).c_str());
  if (!s.working_dir.empty()) std::printf("%-12s %s\n", "working dir", s.working_dir.c_str());
  std::string transport(toString(s.transport.kind));
  if (s.transport.kind != TransportKind::kStdio) transport += " port " + std::to_string(s.transport.port) + " " + s.transport.path;
  std::printf("%-12s %s\n", "transport", transport.c_str());
  for (const auto& e : s.env) {
    std::string what = e.secret ? "secret" : (e.value ? "= " + *e.value : "setting");
    std::printf("%-12s %s %s%s\n", "env", e.name.c_str(), what.c_str(), e.required ? " (required)" : "");
  }
  for (const auto& g : s.grants) std::printf("%-12s %s -> %s%s\n", "grant", g.host_path.c_str(), g.container_path.c_str(), g.read_write ? " (rw)" : " (ro)");
  for (const auto& n : s.notes) std::printf("%-12s %s\n", "note", n.c_str());
  std::printf("evidence:\n");
  for (const auto& e : s.evidence) std::printf("  %-20s %s: %s\n", e.field.c_str(), e.source.c_str(), e.detail.c_str());
}

// One line of a census file: a registry row (server_json), a launch row (mcpServers), or a
// server.json.
std::vector<Discovery> censusEntry(Discoverer& discoverer, const std::string& line, const std::string& label) {
  json row = json::parse(line, nullptr, false);
  if (row.is_object() && row.contains("server_json")) return {discoverer.fromServerJson(row["server_json"])};
  if (row.is_object() && row.contains("mcpServers")) return discoverer.fromMcpServers(row, label);
  if (row.is_object()) return {discoverer.fromServerJson(row)};
  Discovery bad(label, InputKind::kServerJson);
  bad.outcome = Outcome::kInvalid;
  bad.reason = "not a JSON object";
  return {bad};
}

// Counts by outcome over a JSONL file. Offline it asks no registry. Online it asks npm
// for each package (through npm's own configuration; answers cached for a day in the cache
// dir, at most `jobs` lookups at a time, each bounded by `lookup_timeout_s`) and probes
// PyPI once; Git hosts and image registries are not probed in either mode.
int runCensus(const DiscoveryArgs& a) {
  std::ifstream in(a.input);
  if (!in) {
    std::fprintf(stderr, "onemcp: cannot read %s\n", a.input.c_str());
    return 1;
  }
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(std::move(line));
  std::vector<std::vector<Discovery>> found(lines.size());
  auto label = [&](std::size_t i) { return a.input + " line " + std::to_string(i + 1); };
  json stats = {{"mode", a.online ? "online" : "offline"}};
  if (!a.online) {
    World world(true);
    Discoverer discoverer = world.discoverer();
    for (std::size_t i = 0; i < lines.size(); ++i) {
      if (!lines[i].empty()) found[i] = censusEntry(discoverer, lines[i], label(i));
    }
  } else {
    auto process = makeProcessRunner();
    CachingRunner cache(*process, Paths::resolve(processEnv()).cache_dir / "census" / "npm-view.jsonl",
                        std::chrono::hours(24));
    auto npm = makeNpmCliRegistry(cache, std::chrono::seconds(a.lookup_timeout_s));
    const bool pypi = makeProbingReachability(*process)->pypi();
    FixedReachability reach(pypi, false, false);
    std::atomic<std::size_t> next{0};
    {
      std::vector<std::jthread> workers;
      for (int w = 0; w < std::max(1, a.jobs); ++w) {
        workers.emplace_back([&] {
          Discoverer discoverer(DiscoveryServices{npm.get(), nullptr, &reach, {}});
          for (std::size_t i = next++; i < lines.size(); i = next++) {
            if (!lines[i].empty()) found[i] = censusEntry(discoverer, lines[i], label(i));
          }
        });
      }
    }
    stats["pypi_reachable"] = pypi;
    stats["npm_lookups"] = cache.misses();
    stats["npm_cache_hits"] = cache.hits();
    std::fprintf(stderr, "npm: %d lookups, %d answered from the cache; PyPI %s\n", cache.misses(), cache.hits(),
                 pypi ? "reachable" : "not reachable");
  }
  Census census;
  for (const auto& entry : found) {
    for (const auto& d : entry) census.add(d);
  }
  if (a.json_out) {
    json j = census.toJson();
    j.update(stats);
    std::cout << j.dump(2) << "\n";
    return 0;
  }
  std::printf("%d entries (%s)\n", census.total, a.online ? "online: npm asked" : "offline: no registry asked");
  for (const auto& [outcome, count] : census.by_outcome) std::printf("  %-16s %5d\n", outcome.c_str(), count);
  if (census.pinned_not_served > 0) {
    std::printf("  (%d ran on the newest served version: the pinned one is not served)\n", census.pinned_not_served);
  }
  std::printf("by reason:\n");
  for (const auto& [reason, count] : census.by_reason) std::printf("  %5d  %s\n", count, reason.c_str());
  return 0;
}

int runInspect(const DiscoveryArgs& a) {
  if (a.census) return runCensus(a);
  World world(a.offline);
  Discovery d = world.discoverer().discover(a.input);
  if (a.json_out) {
    std::cout << d.toJson().dump(2) << "\n";
  } else {
    printDiscovery(d);
  }
  return d.spec ? 0 : 2;
}

void printRecord(const VerificationRecord& r) {
  std::printf("%-12s %s\n", "server", r.server.c_str());
  std::printf("%-12s %s%s%s\n", "outcome", std::string(toString(r.outcome)).c_str(), r.reason.empty() ? "" : ": ",
              r.reason.c_str());
  std::string timings;
  for (const auto& [stage, ms] : r.timings_ms) timings += (timings.empty() ? "" : ", ") + stage + " " + std::to_string(ms) + " ms";
  std::printf("%-12s %s\n", "timings", timings.c_str());
  if (!r.server_info.empty()) {
    std::printf("%-12s %s %s (protocol %s)\n", "server info", r.server_info.value("name", "").c_str(),
                r.server_info.value("version", "").c_str(), r.protocol_version.c_str());
  }
  std::printf("%-12s %zu, resources %d, prompts %d\n", "tools", r.tools.size(), r.resources, r.prompts);
  for (const auto& t : r.tools) {
    std::string desc = t.contains("description") && t["description"].is_string() ? t["description"].get<std::string>() : "";
    if (desc.size() > 70) desc = desc.substr(0, 67) + "...";
    std::printf("  %-28s %s\n", t.value("name", "?").c_str(), desc.c_str());
  }
  if (!r.tool_hash.empty()) std::printf("%-12s %s\n", "tool hash", r.tool_hash.c_str());
}

std::unique_ptr<SpecRunner> sandboxRunner(std::unique_ptr<DockerClient>& docker, std::unique_ptr<ImageBuilder>& images,
                                          std::unique_ptr<ServerHost>& host, Error& error) {
  auto client = makeEngineClient(EngineOptions::fromEnv(processEnv()));
  auto debian = client ? readHostDebian() : Result<HostDebian>(client.error());
  if (!client || !debian) {
    error = client ? debian.error() : client.error();
    return nullptr;
  }
  docker = std::move(*client);
  BuildEnvironment env{defaultRecipesDir(processEnv()), debian->mirror, debian->suite,
                       Paths::resolve(processEnv()).cache_dir / "images", {}};
  if (const char* img = std::getenv("ONEMCP_NODE_IMAGE")) env.configured["node"] = img;
  if (const char* img = std::getenv("ONEMCP_PYTHON_IMAGE")) env.configured["python"] = img;
  images = std::make_unique<ImageBuilder>(*docker, env);
  HostPolicy policy;
  policy.owner = "cli-verify";
  policy.install_env = hostInstallEnv(processEnv());
  host = std::make_unique<ServerHost>(*docker, *images, policy);
  return makeSandboxRunner(*host, *images, [](std::string_view line) {
    std::fprintf(stderr, "%.*s\n", static_cast<int>(line.size()), line.data());
  });
}

int runVerify(const DiscoveryArgs& a) {
  World world(a.offline);
  Discovery d = world.discoverer().discover(a.input);
  if (!d.spec) {
    if (a.json_out) {
      json j = {{"outcome", "not-run"}, {"discovery", d.toJson()}, {"tools", json::array()}};
      std::cout << j.dump(2) << "\n";
    } else {
      printDiscovery(d);
    }
    return 2;
  }
  VerifyOptions options;
  options.budget = std::chrono::seconds(a.timeout_s);
  for (const auto& kv : a.env) {
    auto eq = kv.find('=');
    if (eq != std::string::npos) options.env_values[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  std::unique_ptr<DockerClient> docker;
  std::unique_ptr<ImageBuilder> images;
  std::unique_ptr<ServerHost> host;
  std::unique_ptr<SpecRunner> runner;
  Error error;
  runner = a.local ? makeLocalRunner() : sandboxRunner(docker, images, host, error);
  if (!runner) {
    std::fprintf(stderr, "onemcp: %s\n", error.toString().c_str());
    return 1;
  }
  VerificationRecord r = Verifier(*runner).verify(*d.spec, options);
  if (a.json_out) {
    json j = r.toJson();
    j["spec"] = *d.spec;
    if (!d.reason.empty()) j["discovery_reason"] = d.reason;
    std::cout << j.dump(2) << "\n";
  } else {
    printRecord(r);
  }
  return r.outcome == VerifyOutcome::kVerified ? 0 : 1;
}

CLI::App* sandboxCommand(CLI::App& app) {
  for (auto* sub : app.get_subcommands([](CLI::App*) { return true; })) {
    if (sub->get_name() == "sandbox") return sub;
  }
  return app.add_subcommand("sandbox", "Run MCP servers in hardened containers");
}

}  // namespace

void addDiscoveryCommands(CLI::App& app, CommandRegistry& registry) {
  CLI::App* sandbox = sandboxCommand(app);
  auto args = std::make_shared<DiscoveryArgs>();

  auto* inspect = sandbox->add_subcommand(
      "inspect", "Show how a server would run: its run spec and the evidence for each field");
  inspect->add_option("input", args->input,
                      "npm spec, pypi:NAME, OCI image, server.json file or JSON, folder, Git URL, "
                      "mcpServers JSON, or a launch command line")
      ->required();
  inspect->add_flag("--json", args->json_out, "print the discovery as JSON");
  inspect->add_flag("--offline", args->offline, "ask no registry; treat PyPI, Git hosts and image registries as unreachable");
  inspect->add_flag("--census", args->census,
                    "INPUT is a JSONL file (registry rows or launch configurations): print the counts by outcome");
  inspect->add_flag("--online", args->online,
                    "with --census: ask npm for each package (cached a day; bounded lookups) and probe PyPI");
  inspect->add_option("--jobs", args->jobs, "with --census --online: npm lookups at a time (default 4)");
  inspect->add_option("--lookup-timeout", args->lookup_timeout_s,
                      "with --census --online: seconds per npm lookup before it counts as unreachable (default 20)");
  inspect->callback([args, &registry] { registry.setExitCode(runInspect(*args)); });

  auto* verify = sandbox->add_subcommand(
      "verify", "Run a server in the sandbox, list its tools, resources and prompts, and print the record");
  verify->add_option("input", args->input, "anything `inspect` takes")->required();
  verify->add_flag("--json", args->json_out, "print the verification record as JSON");
  verify->add_flag("--offline", args->offline, "ask no registry during discovery");
  verify->add_option("--timeout", args->timeout_s, "time budget in seconds (install, start, listing)");
  verify->add_option("--env", args->env, "K=V for a secret or setting the server needs (repeatable)");
  verify->add_flag("--local", args->local,
                   "run as a plain local process instead of a container (no sandbox; specs without install only)");
  verify->callback([args, &registry] { registry.setExitCode(runVerify(*args)); });
}

}  // namespace onemcp::app
