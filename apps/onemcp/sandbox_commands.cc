// `onemcp sandbox ...`: runtime images, running one MCP server sandboxed on our stdio, and
// managing the containers OneMCP started. The discovery commands (inspect, verify) attach
// themselves to the same `sandbox` subcommand from their own file.
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <mutex>

#include <nlohmann/json.hpp>

#include "commands.h"
#include "sandbox_env.h"
#include "stop_signals.h"
#include "onemcp/common/log.h"
#include "onemcp/common/paths.h"
#include "onemcp/sandbox/apt_sources.h"
#include "onemcp/sandbox/discovery.h"
#include "onemcp/sandbox/engine_client.h"
#include "onemcp/sandbox/host_config.h"
#include "onemcp/sandbox/image_builder.h"
#include "onemcp/sandbox/server_host.h"

namespace onemcp::app {
namespace {

using namespace onemcp::sandbox;  // NOLINT(google-build-using-namespace)

int report(const Error& e) {
  std::fprintf(stderr, "onemcp: %s\n", e.toString().c_str());
  return 1;
}

void progressToStderr(std::string_view line) {
  std::fprintf(stderr, "%.*s\n", static_cast<int>(line.size()), line.data());
}

struct RunArgs {
  std::string input;
  std::string spec_file;
  std::string server;
  std::vector<std::string> grants;
  std::vector<std::string> env;
  std::vector<std::string> args;
  std::string node_major;
  bool network = false;
  bool offline = false;
};

// The run spec `sandbox run` hosts: a --spec file as written, else what discovery makes of
// the input (any kind `sandbox inspect` takes). A discovery that ends without a runnable
// spec is an error with its reason; `needs-secret`/`needs-config` run once --env gives
// every required value.
Result<RunSpec> discoveredSpec(const RunArgs& a, const std::map<std::string, std::string>& given) {
  World world(a.offline);
  Discoverer discoverer = world.discoverer();
  Discovery d;
  if (a.server.empty()) {
    d = discoverer.discover(a.input);
  } else {
    // One server of an mcpServers block (inline JSON or a file), by its key.
    std::string body = a.input;
    if (!body.starts_with("{")) {
      std::ifstream in(a.input);
      body.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }
    auto block = nlohmann::json::parse(body, nullptr, false, true);
    if (!block.is_object()) return fail(ErrorCode::kInvalidInput, "--server needs an mcpServers block (JSON or a file): " + a.input);
    std::vector<std::string> names;
    for (auto& one : discoverer.fromMcpServers(block, "input")) {
      if (one.spec) names.push_back(one.spec->name);
      if (one.spec && one.spec->name == serverNameFrom(a.server)) d = std::move(one);
    }
    if (!d.spec) {
      std::string list;
      for (const auto& n : names) list += (list.empty() ? "" : ", ") + n;
      return fail(ErrorCode::kNotFound, "no server '" + a.server + "' in the block (it has: " + list + ")");
    }
  }
  const bool runs = d.outcome == Outcome::kRunnable || d.outcome == Outcome::kNeedsSecret ||
                    d.outcome == Outcome::kNeedsConfig;
  if (!d.spec || !runs) {
    return fail(d.outcome == Outcome::kInvalid ? ErrorCode::kInvalidInput : ErrorCode::kUnavailable,
                "cannot run " + d.input + ": " + std::string(toString(d.outcome)) + (d.reason.empty() ? "" : ": " + d.reason));
  }
  std::string missing;
  for (const auto& e : d.spec->env) {
    if (e.required && !e.value && given.count(e.name) == 0) missing += (missing.empty() ? "" : ", ") + e.name;
  }
  if (!missing.empty()) {
    return fail(ErrorCode::kInvalidInput, d.input + " needs " + missing + ": give each with --env NAME=VALUE");
  }
  for (const auto& n : d.spec->notes) std::fprintf(stderr, "%s: note: %s\n", d.spec->name.c_str(), n.c_str());
  return std::move(*d.spec);
}

Result<RunSpec> specFrom(const RunArgs& a, const std::map<std::string, std::string>& given) {
  RunSpec spec;
  if (!a.spec_file.empty()) {
    std::ifstream in(a.spec_file);
    auto j = nlohmann::json::parse(in, nullptr, false);
    if (j.is_discarded()) {
      return fail(ErrorCode::kInvalidInput, a.spec_file + " is not a JSON run spec");
    }
    auto parsed = parseRunSpec(j);
    ONEMCP_TRY(parsed);
    spec = std::move(*parsed);
  } else {
    if (a.input.empty()) return fail(ErrorCode::kInvalidInput, "give an input (package, folder, URL, JSON) or --spec");
    auto found = discoveredSpec(a, given);
    ONEMCP_TRY(found);
    spec = std::move(*found);
  }
  spec.command.insert(spec.command.end(), a.args.begin(), a.args.end());
  if (!a.node_major.empty()) spec.node_major = a.node_major;
  spec.network = spec.network || a.network;
  for (const auto& g : a.grants) {
    auto grant = parseGrant(g);
    ONEMCP_TRY(grant);
    spec.grants.push_back(*grant);
  }
  return spec;
}

// Relays our stdin to the server and its stdout to ours until either side closes, or
// SIGINT/SIGTERM arrives (handled like the end of our input, so the container is removed).
int serveOnStdio(HostedServer& server, StopSignals& stop) {
  auto transport = server.takeTransport();
  if (!transport) return report(Error(ErrorCode::kInvalidInput, "server '" + server.name() +
                                                                     "' is not a stdio server"));
  std::mutex out_mu;
  std::atomic<bool> closed{false};
  std::atomic<std::int64_t> last_output{0};
  auto now_ms = [] {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::steady_clock::now().time_since_epoch()).count();
  };
  mcp::TransportHandlers h;
  h.on_message = [&](std::string m) {
    last_output = now_ms();
    std::lock_guard lock(out_mu);
    m.push_back('\n');
    std::fwrite(m.data(), 1, m.size(), stdout);
    std::fflush(stdout);
  };
  h.on_close = [&](const Error&) { closed = true; };
  if (auto r = transport->start(std::move(h)); !r) return report(r.error());
  std::string pending;
  char buf[65536];
  while (!closed && !stop.pending()) {
    pollfd p{STDIN_FILENO, POLLIN, 0};
    if (::poll(&p, 1, 200) <= 0) continue;
    const ssize_t n = ::read(STDIN_FILENO, buf, sizeof buf);
    if (n <= 0) break;
    pending.append(buf, static_cast<std::size_t>(n));
    for (auto nl = pending.find('\n'); nl != std::string::npos; nl = pending.find('\n')) {
      std::string line = pending.substr(0, nl);
      pending.erase(0, nl + 1);
      if (!line.empty() && !transport->send(std::move(line))) closed = true;
    }
  }
  // Our input ended: tell the server (EOF on its stdin) and let it finish its answers,
  // until it exits or has been quiet for kDrainQuiet.
  const bool ended_by_server = closed;
  if (!ended_by_server) {
    constexpr std::int64_t kDrainQuiet = 2000;
    if (auto* attach = dynamic_cast<AttachTransport*>(transport.get())) (void)attach->closeInput();
    last_output = now_ms();
    while (!closed && now_ms() - last_output < kDrainQuiet) {
      ::poll(nullptr, 0, 50);
    }
  }
  transport->close();
  if (ended_by_server) {
    log::warn("server '{}' ended: {}", server.name(), server.diagnose());
    return 1;
  }
  return 0;
}

void addRun(CLI::App& sandbox, CommandRegistry& registry) {
  auto args = std::make_shared<RunArgs>();
  auto* run = sandbox.add_subcommand(
      "run", "Run an MCP server sandboxed, served on this stdio: discovered from a package, folder, URL or JSON, or a run spec");
  run->add_option("input", args->input,
                  "npm spec, pypi:NAME, OCI image, server.json file or JSON, folder, Git URL, mcpServers JSON, "
                  "or a launch command line");
  run->add_option("--spec", args->spec_file, "a run spec JSON file instead of an input");
  run->add_option("--server", args->server, "the server of an mcpServers block to run (default: its first)");
  run->add_flag("--offline", args->offline, "ask no registry during discovery");
  run->add_option("--grant", args->grants, "host path the server may use: PATH[:rw]");
  run->add_flag("--network", args->network, "let the server use the network");
  run->add_option("--env", args->env, "environment for the server: K=V (a secret or setting it needs)");
  run->add_option("--node-major", args->node_major, "Node major for the runtime image");
  run->add_option("--arg", args->args, "argument appended to the server's command");
  run->callback([args, &registry] {
    StopSignals stop;  // before any thread starts
    StartOptions opts;
    opts.progress = progressToStderr;
    for (const auto& kv : args->env) {
      const auto eq = kv.find('=');
      if (eq == std::string::npos) {
        return registry.setExitCode(report(Error(ErrorCode::kInvalidInput, "--env " + kv.substr(0, 40) + ": expected K=V")));
      }
      opts.env_values[kv.substr(0, eq)] = kv.substr(eq + 1);
    }
    auto spec = specFrom(*args, opts.env_values);
    if (!spec) return registry.setExitCode(report(spec.error()));
    // A value for a variable the spec does not name is still passed, as a secret (never logged).
    for (const auto& [name, value] : opts.env_values) {
      bool known = std::any_of(spec->env.begin(), spec->env.end(), [&](const EnvVar& e) { return e.name == name; });
      if (!known) spec->env.push_back({name, "", false, true, std::nullopt});
    }
    auto sb = openSandbox(true);
    if (!sb) return registry.setExitCode(report(sb.error()));
    auto server = sb->host->start(*spec, opts);
    if (!server) return registry.setExitCode(report(server.error()));
    registry.setExitCode(serveOnStdio(**server, stop));
  });
}

void addImages(CLI::App& sandbox, CommandRegistry& registry) {
  auto* images = sandbox.add_subcommand("images", "Runtime images built from the Debian mirror");
  images->require_subcommand(1);
  auto runtimes = std::make_shared<std::vector<std::string>>(std::vector<std::string>{"node", "python"});
  auto major = std::make_shared<std::string>(kDefaultNodeMajor);
  auto* build = images->add_subcommand("build", "Build missing runtime images (cached by recipe hash)");
  build->add_option("--runtime", *runtimes, "node, python (default: both)");
  build->add_option("--node-major", *major, "Node major for the node image");
  build->callback([runtimes, major, &registry] {
    auto sb = openSandbox(true);
    if (!sb) return registry.setExitCode(report(sb.error()));
    for (const auto& r : *runtimes) {
      ImageRecipe recipe{r, {}};
      if (r == "node") recipe.params["NODE_MAJOR"] = *major;
      auto tag = sb->images->ensure(recipe, progressToStderr);
      if (!tag) return registry.setExitCode(report(tag.error()));
      std::printf("%s\n", tag->c_str());
    }
  });
  auto* ls = images->add_subcommand("ls", "List OneMCP's images in the engine");
  ls->callback([&registry] {
    auto sb = openSandbox(false);
    if (!sb) return registry.setExitCode(report(sb.error()));
    auto list = sb->images->list();
    if (!list) return registry.setExitCode(report(list.error()));
    for (const auto& i : *list) {
      for (const auto& t : i.tags) {
        std::printf("%-40s %s %6.0f MB\n", t.c_str(), i.id.substr(7, 12).c_str(),
                    static_cast<double>(i.size) / 1e6);
      }
    }
  });
}

// Finds a OneMCP container by id prefix, name or server label.
Result<ContainerSummary> findContainer(DockerClient& docker, const std::string& key) {
  auto all = docker.listContainers({{std::string(kLabelManaged), "true"}}, true);
  ONEMCP_TRY(all);
  for (const auto& c : *all) {
    auto server = c.labels.find(std::string(kLabelServer));
    if (c.id.rfind(key, 0) == 0 || c.name == key ||
        (server != c.labels.end() && server->second == key)) {
      return c;
    }
  }
  return fail(ErrorCode::kNotFound, "no OneMCP container named '" + key + "'");
}

void addManage(CLI::App& sandbox, CommandRegistry& registry) {
  auto json_out = std::make_shared<bool>(false);
  auto* ls = sandbox.add_subcommand("ls", "List the containers OneMCP started");
  ls->add_flag("--json", *json_out, "one JSON array");
  ls->callback([json_out, &registry] {
    auto sb = openSandbox(false);
    if (!sb) return registry.setExitCode(report(sb.error()));
    auto all = sb->docker->listContainers({{std::string(kLabelManaged), "true"}}, true);
    if (!all) return registry.setExitCode(report(all.error()));
    nlohmann::json arr = nlohmann::json::array();
    for (const auto& c : *all) {
      auto label = [&](std::string_view k) {
        auto it = c.labels.find(std::string(k));
        return it == c.labels.end() ? std::string() : it->second;
      };
      arr.push_back({{"id", c.id.substr(0, 12)}, {"name", c.name}, {"server", label(kLabelServer)},
                     {"owner", label(kLabelOwner)}, {"role", label(kLabelRole)},
                     {"state", c.state}, {"status", c.status}, {"image", c.image}});
      if (!*json_out) {
        std::printf("%-12s %-20s %-10s %-8s %s\n", c.id.substr(0, 12).c_str(),
                    label(kLabelServer).c_str(), label(kLabelOwner).c_str(), c.state.c_str(),
                    c.status.c_str());
      }
    }
    if (*json_out) std::printf("%s\n", arr.dump(2).c_str());
  });
  auto key = std::make_shared<std::string>();
  auto tail = std::make_shared<int>(100);
  auto* stop = sandbox.add_subcommand("stop", "Stop a OneMCP container");
  stop->add_option("container", *key, "id, name or server")->required();
  stop->callback([key, &registry] {
    auto sb = openSandbox(false);
    if (!sb) return registry.setExitCode(report(sb.error()));
    auto c = findContainer(*sb->docker, *key);
    auto r = c ? sb->docker->stopContainer(c->id, std::chrono::seconds(5)) : Result<void>(c.error());
    if (!r) registry.setExitCode(report(r.error()));
  });
  auto* logs = sandbox.add_subcommand("logs", "Print a OneMCP container's output");
  logs->add_option("container", *key, "id, name or server")->required();
  logs->add_option("--tail", *tail, "last N lines (0: all)");
  logs->callback([key, tail, &registry] {
    auto sb = openSandbox(false);
    if (!sb) return registry.setExitCode(report(sb.error()));
    auto c = findContainer(*sb->docker, *key);
    auto text = c ? sb->docker->containerLogs(c->id, *tail) : Result<std::string>(c.error());
    if (!text) return registry.setExitCode(report(text.error()));
    std::fwrite(text->data(), 1, text->size(), stdout);
  });
  auto all = std::make_shared<bool>(false);
  auto* rm = sandbox.add_subcommand("rm", "Remove a OneMCP container (or --all of the CLI's)");
  rm->add_option("container", *key, "id, name or server");
  rm->add_flag("--all", *all, "every container, network and data volume the CLI created");
  rm->callback([key, all, &registry] {
    auto sb = openSandbox(false);
    if (!sb) return registry.setExitCode(report(sb.error()));
    if (*all) {
      auto n = sb->host->removeAll(true);
      if (!n) return registry.setExitCode(report(n.error()));
      std::printf("removed %d object(s)\n", *n);
      return;
    }
    auto c = findContainer(*sb->docker, *key);
    auto r = c ? sb->docker->removeContainer(c->id, true) : Result<void>(c.error());
    if (!r) registry.setExitCode(report(r.error()));
  });
}

}  // namespace

void addSandboxCommands(CLI::App& app, CommandRegistry& registry) {
  auto* sandbox = app.add_subcommand("sandbox", "Run MCP servers in hardened containers");
  sandbox->require_subcommand(1);
  addImages(*sandbox, registry);
  addRun(*sandbox, registry);
  addManage(*sandbox, registry);
}

}  // namespace onemcp::app
