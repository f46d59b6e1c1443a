// `onemcp daemon run|start|stop|status` and `onemcp stdio`: the per-user orchestrator
// daemon, and the stdio shim that any MCP client can launch ({"command": "onemcp",
// "args": ["stdio"]}); the shim finds the daemon or starts it, then relays.
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <thread>

#include "commands.h"
#include "onemcp/common/config.h"
#include "onemcp/common/log.h"
#include "onemcp/common/paths.h"
#include "onemcp/mcp/stdio_transport.h"
#include "onemcp/orchestrator/adoption.h"
#include "onemcp/orchestrator/catalog_source.h"
#include "onemcp/orchestrator/daemon.h"
#include "onemcp/orchestrator/daemon_files.h"
#include "onemcp/orchestrator/gc.h"
#include "onemcp/orchestrator/registry_source.h"
#include "onemcp/orchestrator/stdio_bridge.h"
#include "onemcp/registry/catalog_import.h"
#include "onemcp/search/encoder.h"
#include "sandbox_env.h"
#include "stop_signals.h"

namespace onemcp::app {
namespace {

using namespace onemcp::orchestrator;  // NOLINT(google-build-using-namespace)
using namespace std::chrono_literals;

struct DaemonArgs {
  int port = 0;
  std::string catalog;
  std::string consent;    // empty: daemon.consent from the configuration (default verified)
  std::size_t max_tools = 64;
  std::string owner;            // sandbox owner label; empty: daemon-<uid>
  double idle_stop_minutes = 30;  // 0: never
  std::string registry;   // empty: registry.url from the configuration (default: none)
  bool sampling = true;   // false: --no-sampling; else daemon.sampling from the configuration
  double local_threshold = -1;  // < 0: daemon.local_threshold from the configuration, else measured
  int confirm_top = -1;         // < 0: daemon.confirm_top from the configuration, else measured
  int gc_days = -1;       // <0: daemon.gc_days from the configuration (default 30); 0: GC off
};

// The settings a flag left unset, from $XDG_CONFIG_HOME/onemcp/config.json and ONEMCP_*
// (registry.url → ONEMCP_REGISTRY_URL). `onemcp stdio` starts the daemon without flags,
// so this is how its daemon is configured.
Result<DaemonArgs> withConfiguration(DaemonArgs a) {
  Config config;
  config.define("registry.url", "");
  config.define("daemon.consent", "verified");
  config.define("daemon.sampling", true);
  config.define("daemon.local_threshold", nullptr);
  config.define("daemon.confirm_top", static_cast<std::int64_t>(kMeasuredConfirmTop));
  config.define("daemon.gc_days", 30);
  if (auto r = config.loadFile(Config::defaultFile(Paths::resolve(processEnv()))); !r) return fail(r.error());
  config.loadEnvironment(processEnv());
  if (a.registry.empty()) a.registry = config.getString("registry.url");
  if (a.consent.empty()) a.consent = config.getString("daemon.consent");
  if (a.sampling) a.sampling = config.getBool("daemon.sampling");
  if (a.local_threshold < 0) {
    const auto entry = config.find("daemon.local_threshold");
    if (entry && !entry->value.is_null()) {
      if (!entry->value.is_number() || entry->value.get<double>() < 0 ||
          entry->value.get<double>() > 1) {
        return fail(
            ErrorCode::kInvalidInput,
            "daemon.local_threshold must be a number from 0 to 1; got " + entry->value.dump());
      }
      a.local_threshold = entry->value.get<double>();
    }
  }
  if (a.confirm_top < 0) {
    const std::int64_t top = config.getInt("daemon.confirm_top");
    if (top < 0 || top > 100) {
      return fail(ErrorCode::kInvalidInput,
                  "daemon.confirm_top must be 0 (threshold only) to 100; got " + std::to_string(top));
    }
    a.confirm_top = static_cast<int>(top);
  }
  if (a.gc_days < 0) {
    const std::int64_t days = config.getInt("daemon.gc_days");
    if (days < 0 || days > 36500) {
      return fail(ErrorCode::kInvalidInput,
                  "daemon.gc_days must be 0 (off) to 36500 days; got " + std::to_string(days));
    }
    a.gc_days = static_cast<int>(days);
  }
  return a;
}

DaemonPaths daemonPaths() { return DaemonPaths::from(Paths::resolve(processEnv())); }

// The default owner label of the daemon's containers: one per user and state database, so
// that daemons with other XDG folders (tests, a second account's setup) never adopt or
// remove each other's containers. FNV-1a: stable across builds and machines.
std::string defaultOwner(const DaemonPaths& paths) {
  std::uint32_t h = 2166136261U;
  for (const char c : paths.state_db.string()) {
    h = (h ^ static_cast<unsigned char>(c)) * 16777619U;
  }
  char hex[9];
  std::snprintf(hex, sizeof hex, "%08x", h);
  return "daemon-" + std::to_string(::getuid()) + "-" + hex;
}

// The GC of this daemon's images and volumes (gc.h), with the days the flags or the
// configuration give.
GcOptions gcOptions(const DaemonArgs& a, const DaemonPaths& paths) {
  return GcOptions{std::chrono::hours(24 * static_cast<std::int64_t>(a.gc_days)),
                   a.owner.empty() ? defaultOwner(paths) : a.owner};
}

int fail1(const Error& e) {
  std::fprintf(stderr, "onemcp: %s\n", e.toString().c_str());
  return 1;
}

bool processAlive(int pid) { return pid > 0 && (::kill(pid, 0) == 0 || errno == EPERM); }

// Whether `pid` runs `onemcp daemon run` (a recycled pid, or a daemon still starting
// while an old endpoint file names another process, must never be signalled).
bool isDaemonProcess(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/cmdline", std::ios::binary);
  std::string cmdline((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return cmdline.find(std::string("daemon\0run", 10)) != std::string::npos;
}

// The endpoint of a live daemon: its file is there, its pid lives and it holds the lock.
Result<DaemonEndpoint> liveDaemon(const DaemonPaths& paths) {
  auto endpoint = readEndpointFile(paths.endpoint_file);
  if (!endpoint) return endpoint;
  if (!processAlive(endpoint->pid) || !isDaemonProcess(endpoint->pid)) {
    return fail(ErrorCode::kNotFound, "the daemon named in " + paths.endpoint_file.string() + " is gone");
  }
  if (auto lock = LockFile::acquire(paths.lock_file); lock) {
    return fail(ErrorCode::kNotFound, "no daemon holds the lock");  // stale file
  }
  return endpoint;
}

// The shipped encoder model, for the catalogue and the local index; none: lexical search.
std::shared_ptr<const search::Encoder> defaultEncoder() {
  const auto model = Paths::resolve(processEnv()).cache_dir / "models" / "default.omv";
  if (std::filesystem::exists(model)) {
    if (auto loaded = search::loadEncoder(model))
      return std::shared_ptr<const search::Encoder>(std::move(*loaded));
  }
  log::warn("daemon: no encoder model at {}; search is lexical only", model.string());
  return nullptr;
}

Result<std::unique_ptr<ToolSource>> openSource(
    const DaemonArgs& a, sandbox::ServerHost& host, World& world, SecretStore& secrets,
    const std::shared_ptr<const search::Encoder>& encoder) {
  if (!a.registry.empty()) {
    log::info("daemon: finding servers through the registry at {}", a.registry);
    return std::unique_ptr<ToolSource>(std::make_unique<RegistryToolSource>(
        RegistrySourceOptions{a.registry}, host, [&world] { return world.discoverer(); }, &secrets));
  }
  std::filesystem::path catalog = a.catalog;
  if (catalog.empty()) {
    auto seed = registry::findSeedCatalog(processEnv());
    if (!seed) return fail(seed.error());
    catalog = *seed;
  }
  auto servers = loadCatalogFile(catalog);
  if (!servers) return fail(servers.error());
  auto source = CatalogToolSource::create(std::move(*servers), encoder, host,
                                          [&world] { return world.discoverer(); }, &secrets);
  if (!source) return fail(source.error());
  return std::unique_ptr<ToolSource>(std::move(*source));
}

int runDaemon(const DaemonArgs& flags) {
  auto configured = withConfiguration(flags);
  if (!configured) return fail1(configured.error());
  const DaemonArgs& a = *configured;
  StopSignals stop_signals;
  const DaemonPaths paths = daemonPaths();
  auto lock = LockFile::acquire(paths.lock_file);
  if (!lock) return fail1(lock.error());
  auto consent = parseConsentPolicy(a.consent);
  if (!consent) return fail1(consent.error());
  auto sb = openSandbox(true);
  if (!sb) return fail1(sb.error().wrap("the daemon runs servers in Docker"));
  // The daemon's own owner label, and stdio servers that a restarted daemon can attach
  // to again.
  sandbox::HostPolicy policy = sb->host->policy();
  policy.owner = a.owner.empty() ? defaultOwner(paths) : a.owner;
  policy.reattachable_stdio = true;
  sandbox::ServerHost host(*sb->docker, *sb->images, policy);
  std::error_code ec;
  std::filesystem::create_directories(paths.state_db.parent_path(), ec);
  auto state = StateStore::open(paths.state_db);
  if (!state) return fail1(state.error());
  SecretStore secrets(paths.secrets_file);
  World world(false);
  auto encoder = defaultEncoder();
  auto source = openSource(a, host, world, secrets, encoder);
  if (!source) return fail1(source.error());
  SystemClock clock;
  DaemonOptions options;
  options.port = static_cast<std::uint16_t>(a.port);
  options.consent = *consent;
  options.max_session_tools = a.max_tools;
  options.planner.use_sampling = a.sampling;
  options.idle_stop = std::chrono::milliseconds(static_cast<std::int64_t>(a.idle_stop_minutes * 60'000));
  options.encoder = encoder;
  if (a.local_threshold >= 0)
    options.selector.local_threshold = static_cast<float>(a.local_threshold);
  if (a.confirm_top >= 0) options.selector.confirm_top = static_cast<std::size_t>(a.confirm_top);
  // Records what every launch needs even with GC off, so that turning it on knows.
  ObjectGc gc(*sb->docker, **state, clock, gcOptions(a, paths));
  Daemon daemon(options, **source, clock, state->get(), &secrets, &gc);
  // What ran before a crash runs again (its containers adopted); the rest is removed.
  const int restored = daemon.restore();
  std::set<std::string> keep;
  if (auto owned = (*state)->containers()) {
    for (const auto& c : *owned) keep.insert(c.container_id);
  }
  auto strays = removeStrays(*sb->docker, policy.owner, keep);
  if (!strays) log::warn("daemon: {}", strays.error().message);
  log::info("daemon: {} server(s) running again, {} stray container(s) removed", restored,
            strays ? *strays : 0);
  daemon.startLifecycle();
  auto token = newToken();
  if (!token) return fail1(token.error());
  auto url = daemon.serveHttp(*token);
  if (!url) return fail1(url.error());
  if (auto w = writeEndpointFile(paths.endpoint_file, {*url, *token, ::getpid()}); !w) return fail1(w.error());
  log::info("daemon listening on {} (endpoint file {})", *url, paths.endpoint_file.string());
  const int sig = stop_signals.wait();
  log::info("daemon: stopping on signal {}", sig);
  std::filesystem::remove(paths.endpoint_file);
  daemon.stopHttp();
  return 0;
}

// The `daemon run` flags that carry `a` (the defaults are left out).
std::vector<std::string> runFlags(const DaemonArgs& a) {
  std::vector<std::string> out;
  if (a.port != 0) out.insert(out.end(), {"--port", std::to_string(a.port)});
  if (!a.catalog.empty()) out.insert(out.end(), {"--catalog", a.catalog});
  if (!a.consent.empty()) out.insert(out.end(), {"--consent", a.consent});
  if (a.max_tools != 64) out.insert(out.end(), {"--max-tools", std::to_string(a.max_tools)});
  if (!a.owner.empty()) out.insert(out.end(), {"--sandbox-owner", a.owner});
  if (a.idle_stop_minutes != 30) out.insert(out.end(), {"--idle-stop-minutes", std::to_string(a.idle_stop_minutes)});
  if (!a.registry.empty()) out.insert(out.end(), {"--registry", a.registry});
  if (!a.sampling) out.emplace_back("--no-sampling");
  if (a.local_threshold >= 0)
    out.insert(out.end(), {"--local-threshold", std::to_string(a.local_threshold)});
  if (a.confirm_top >= 0) out.insert(out.end(), {"--confirm-top", std::to_string(a.confirm_top)});
  if (a.gc_days >= 0) out.insert(out.end(), {"--gc-days", std::to_string(a.gc_days)});
  return out;
}

// The state database and the engine, for the commands that act on them beside a daemon
// (SQLite in WAL mode lets both write).
struct Offline {
  std::unique_ptr<StateStore> state;
  Sandbox engine;
};

Result<Offline> openOffline(const DaemonPaths& paths) {
  if (!std::filesystem::exists(paths.state_db)) {
    return fail(ErrorCode::kNotFound,
                "no daemon state at " + paths.state_db.string() + ": nothing recorded yet");
  }
  auto state = StateStore::open(paths.state_db);
  if (!state) return fail(state.error());
  auto sb = openSandbox(false);
  if (!sb) return fail(sb.error());
  return Offline{std::move(*state), std::move(*sb)};
}

// `onemcp daemon gc [--dry-run]`: one GC round now, as the daemon's lifecycle thread runs
// it every hour. A CLI command rather than a meta-tool: removing caches is the user's
// business, not a model's, and a meta-tool would cost every session its schema tokens.
int daemonGc(const DaemonArgs& flags, bool dry_run) {
  auto configured = withConfiguration(flags);
  if (!configured) return fail1(configured.error());
  const DaemonPaths paths = daemonPaths();
  if (configured->gc_days == 0) {
    std::printf("GC is off (--gc-days 0 or daemon.gc_days 0)\n");
    return 0;
  }
  auto offline = openOffline(paths);
  if (!offline && offline.error().code == ErrorCode::kNotFound) {
    std::printf("nothing to remove: %s\n", offline.error().message.c_str());
    return 0;
  }
  if (!offline) return fail1(offline.error());
  SystemClock clock;
  ObjectGc gc(*offline->engine.docker, *offline->state, clock, gcOptions(*configured, paths));
  auto round = gc.collect(dry_run);
  if (!round) return fail1(round.error());
  for (const auto& i : round->removed) {
    std::printf("%s %s %s (%s)\n", dry_run ? "would remove" : "removed", i.object.kind.c_str(),
                i.object.name.c_str(), i.detail.c_str());
  }
  for (const auto& i : round->failed) {
    std::printf("kept %s %s: %s\n", i.object.kind.c_str(), i.object.name.c_str(), i.detail.c_str());
  }
  std::printf(
      "%zu %s, %zu kept by the engine (unused for %d days or more; data volumes are never "
      "removed by GC)\n",
      round->removed.size(), dry_run ? "to remove" : "removed", round->failed.size(),
      configured->gc_days);
  return round->failed.empty() ? 0 : 1;
}

// `onemcp daemon remove-data SERVER_ID`: the user's explicit removal of a server's data
// volume (e.g. server-memory's memory.jsonl), which no GC ever removes.
int daemonRemoveData(const DaemonArgs& flags, const std::string& server_id) {
  const DaemonPaths paths = daemonPaths();
  auto offline = openOffline(paths);
  if (!offline) return fail1(offline.error());
  SystemClock clock;
  ObjectGc gc(*offline->engine.docker, *offline->state, clock, gcOptions(flags, paths));
  auto removed = gc.removeServerData(server_id);
  if (!removed) return fail1(removed.error());
  for (const auto& v : *removed) std::printf("removed data volume %s\n", v.c_str());
  return 0;
}

// Starts `onemcp daemon run FLAGS` in its own session, its output appended to the log file.
Result<void> spawnDaemon(const DaemonPaths& paths, const std::vector<std::string>& flags) {
  std::error_code ec;
  std::filesystem::create_directories(paths.log_file.parent_path(), ec);
  const std::string self = std::filesystem::read_symlink("/proc/self/exe", ec).string();
  if (ec) return fail(ErrorCode::kIo, "cannot find this executable: " + ec.message());
  const pid_t pid = ::fork();
  if (pid < 0) return fail(ErrorCode::kIo, "fork failed");
  if (pid == 0) {
    ::setsid();
    if (::fork() != 0) ::_exit(0);  // the grandchild is adopted by init
    const int log = ::open(paths.log_file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    const int null = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (null >= 0) ::dup2(null, 0);
    if (log >= 0) {
      ::dup2(log, 1);
      ::dup2(log, 2);
    }
    std::vector<std::string> args = {self, "daemon", "run"};
    args.insert(args.end(), flags.begin(), flags.end());
    std::vector<char*> argv;
    for (auto& arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);
    ::execv(self.c_str(), argv.data());
    ::_exit(127);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  return {};
}

Result<DaemonEndpoint> ensureDaemon(std::chrono::seconds wait, const DaemonArgs& a) {
  const DaemonPaths paths = daemonPaths();
  if (auto live = liveDaemon(paths)) return live;
  if (auto spawned = spawnDaemon(paths, runFlags(a)); !spawned) return fail(spawned.error());
  const auto deadline = std::chrono::steady_clock::now() + wait;
  while (std::chrono::steady_clock::now() < deadline) {
    if (auto live = liveDaemon(paths)) return live;
    std::this_thread::sleep_for(100ms);
  }
  return fail(ErrorCode::kTimeout, "the daemon did not start within " + std::to_string(wait.count()) +
                                       " s; see " + paths.log_file.string());
}

int daemonStart(const DaemonArgs& a) {
  auto endpoint = ensureDaemon(120s, a);
  if (!endpoint) return fail1(endpoint.error());
  std::printf("daemon running: %s (pid %d)\n", endpoint->url.c_str(), endpoint->pid);
  return 0;
}

int daemonStatus() {
  auto endpoint = liveDaemon(daemonPaths());
  if (!endpoint) {
    std::printf("daemon not running (%s)\n", endpoint.error().message.c_str());
    return 3;
  }
  std::printf("daemon running: %s (pid %d)\n", endpoint->url.c_str(), endpoint->pid);
  return 0;
}

int daemonStop() {
  const DaemonPaths paths = daemonPaths();
  auto endpoint = liveDaemon(paths);
  if (!endpoint) {
    std::printf("daemon not running\n");
    return 0;
  }
  ::kill(endpoint->pid, SIGTERM);
  for (int i = 0; i < 300 && processAlive(endpoint->pid); ++i) std::this_thread::sleep_for(100ms);
  if (processAlive(endpoint->pid)) return fail1(Error(ErrorCode::kTimeout, "the daemon did not stop"));
  std::printf("daemon stopped\n");
  return 0;
}

int runStdio() {
  auto endpoint = ensureDaemon(120s, DaemonArgs{});
  if (!endpoint) return fail1(endpoint.error());
  auto stdio = mcp::StdioTransport::forThisProcess();
  if (!stdio) return fail1(stdio.error());
  if (auto r = bridge(*stdio, *endpoint); !r) return fail1(r.error());
  return 0;
}

}  // namespace

void addDaemonCommands(CLI::App& app, CommandRegistry& registry) {
  auto* daemon = app.add_subcommand("daemon", "The per-user OneMCP daemon");
  daemon->require_subcommand(1);
  auto a = std::make_shared<DaemonArgs>();
  auto addFlags = [a](CLI::App* cmd) {
    cmd->add_option("--port", a->port, "Port on 127.0.0.1 (0: any free port)")->check(CLI::Range(0, 65535));
    cmd->add_option("--catalog", a->catalog, "Catalogue JSONL to search (default: the shipped seed)");
    cmd->add_option("--consent", a->consent,
                    "When new servers may start without asking: ask | verified | never (default: daemon.consent, "
                    "else verified)");
    cmd->add_option("--registry", a->registry,
                    "Find servers through this registry (http://HOST:PORT; default: the shipped catalogue)");
    cmd->add_flag("!--no-sampling", a->sampling,
                  "Split prompts with the splitter even when the client's model could (sampling)");
    cmd->add_option(
           "--local-threshold", a->local_threshold,
           "Use an installed server when its match with a task is at least this (0-1; default: "
           "daemon.local_threshold, else " +
               std::to_string(SelectorOptions{}.local_threshold) + ", measured on the dev data)")
        ->check(CLI::Range(0.0, 1.0));
    cmd->add_option("--confirm-top", a->confirm_top,
                    "Use an installed server when the catalogue or registry ranks it among this many "
                    "offers for a task (0: the threshold alone decides; default: daemon.confirm_top, "
                    "else " + std::to_string(kMeasuredConfirmTop) + ", measured on the dev data)")
        ->check(CLI::Range(0, 100));
    cmd->add_option("--max-tools", a->max_tools, "Tools per session (least recently used dropped)")
        ->capture_default_str();
    cmd->add_option("--idle-stop-minutes", a->idle_stop_minutes,
                    "Stop a server no session used for this long (0: never)")
        ->check(CLI::NonNegativeNumber)
        ->capture_default_str();
    cmd->add_option("--gc-days", a->gc_days,
                    "Remove package volumes and built images no server used for this many days "
                    "(0: never; default: daemon.gc_days, else 30). Data volumes are never removed")
        ->check(CLI::Range(0, 36500));
    cmd->add_option("--sandbox-owner", a->owner,
                    "Owner label of the daemon's containers (default daemon-<uid>-<hash of the "
                    "state file>); a restarted daemon adopts or removes the containers of this owner");
  };
  auto* run = daemon->add_subcommand("run", "Run the daemon in the foreground");
  addFlags(run);
  run->callback([a, &registry] { registry.setExitCode(runDaemon(*a)); });
  auto* start = daemon->add_subcommand("start", "Start the daemon (with these flags) unless it runs");
  addFlags(start);
  start->callback([a, &registry] { registry.setExitCode(daemonStart(*a)); });
  auto dry_run = std::make_shared<bool>(false);
  auto* gc = daemon->add_subcommand(
      "gc", "Remove the images and volumes no server used for --gc-days days, now");
  gc->add_flag("--dry-run", *dry_run, "Only list what would be removed");
  gc->add_option("--gc-days", a->gc_days, "Days unused (default: daemon.gc_days, else 30)")
      ->check(CLI::Range(1, 36500));
  gc->add_option("--sandbox-owner", a->owner,
                 "The daemon's owner label (default: as `daemon run`)");
  gc->callback([a, dry_run, &registry] { registry.setExitCode(daemonGc(*a, *dry_run)); });
  auto server_id = std::make_shared<std::string>();
  auto* rm = daemon->add_subcommand(
      "remove-data", "Remove a stopped server's data volume (its own data: never removed by GC)");
  rm->add_option("server_id", *server_id, "The server's name (as list_running shows it) or its id")
      ->required();
  rm->add_option("--sandbox-owner", a->owner,
                 "The daemon's owner label (default: as `daemon run`)");
  rm->callback(
      [a, server_id, &registry] { registry.setExitCode(daemonRemoveData(*a, *server_id)); });
  daemon->add_subcommand("stop", "Stop the daemon")->callback([&registry] { registry.setExitCode(daemonStop()); });
  daemon->add_subcommand("status", "Is the daemon running, and where")->callback([&registry] {
    registry.setExitCode(daemonStatus());
  });
  app.add_subcommand("stdio", "Serve OneMCP on stdin/stdout (starts the daemon if needed)")
      ->callback([&registry] { registry.setExitCode(runStdio()); });
}

}  // namespace onemcp::app
