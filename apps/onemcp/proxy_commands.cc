// `onemcp proxy --config FILE [--http PORT] [--no-sandbox]`: serves every server of an
// MCP client's configuration (mcpServers, or VS Code's servers) as one MCP server, on
// stdio or streamable HTTP. Stdio servers run sandboxed unless --no-sandbox (or
// "sandbox": false on the entry); URL entries are reached as they are.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>

#include "commands.h"
#include "onemcp/common/log.h"
#include "onemcp/mcp/stdio_transport.h"
#include "onemcp/mcp/streamable_http_server.h"
#include "onemcp/sandbox/proxy_session_id.h"
#include "onemcp/sandbox/proxy.h"
#include "onemcp/sandbox/proxy_config.h"
#include "onemcp/sandbox/proxy_launchers.h"
#include "sandbox_env.h"
#include "stop_signals.h"

namespace onemcp::app {
namespace {

using namespace onemcp::sandbox;  // NOLINT(google-build-using-namespace)

struct ProxyArgs {
  std::string config;
  int port = -1;
  std::string bind = "127.0.0.1";
  bool no_sandbox = false;
};

// ${env:X} from the environment, ${input:X} from ONEMCP_INPUT_X (we cannot prompt),
// ${workspaceFolder}: the folder holding .vscode/ when the file is in one, else the
// current directory; ${userHome}: $HOME.
VariableLookup lookupFor(const std::filesystem::path& config_path) {
  return [config_path](std::string_view name) -> std::optional<std::string> {
    auto env = [](const std::string& key) -> std::optional<std::string> {
      const char* v = std::getenv(key.c_str());
      return v ? std::optional<std::string>(v) : std::nullopt;
    };
    if (name.rfind("env:", 0) == 0) return env(std::string(name.substr(4)));
    if (name.rfind("input:", 0) == 0) return env("ONEMCP_INPUT_" + std::string(name.substr(6)));
    if (name == "userHome") return env("HOME");
    if (name == "workspaceFolder") {
      auto dir = std::filesystem::absolute(config_path).parent_path();
      if (dir.filename() == ".vscode") return dir.parent_path().string();
      return std::filesystem::current_path().string();
    }
    return std::nullopt;
  };
}

Result<ProxyConfig> readConfig(const std::string& path) {
  std::ifstream in(path);
  if (!in) return fail(ErrorCode::kNotFound, "cannot read " + path);
  std::stringstream text;
  text << in.rdbuf();
  auto config = parseProxyConfig(text.str(), lookupFor(path));
  if (!config) return fail(config.error().wrap(path));
  return config;
}

// Builds the launcher for one configured server.
class Launchers {
 public:
  explicit Launchers(bool no_sandbox) : no_sandbox_(no_sandbox) {}

  Result<std::unique_ptr<BackendLauncher>> make(const ProxyServerConfig& s) {
    if (s.run_spec) return sandboxed(s);
    if (s.kind != ProxyServerConfig::Kind::kStdio) {
      return std::unique_ptr<BackendLauncher>(
          std::make_unique<HttpLauncher>(s.url, s.headers, s.kind == ProxyServerConfig::Kind::kSse));
    }
    if (no_sandbox_ || s.sandbox == false) {
      ProcessSpec spec;
      spec.argv.push_back(s.command);
      spec.argv.insert(spec.argv.end(), s.args.begin(), s.args.end());
      spec.env = s.env;
      spec.cwd = s.cwd;
      return std::unique_ptr<BackendLauncher>(std::make_unique<ProcessLauncher>(std::move(spec)));
    }
    return sandboxed(s);
  }

 private:
  Result<std::unique_ptr<BackendLauncher>> sandboxed(const ProxyServerConfig& s) {
    if (!sandbox_) {
      auto sb = openSandbox(true);
      if (!sb) {
        return fail(sb.error().wrap("the sandbox needs Docker (use --no-sandbox to run servers "
                                    "on this host instead)"));
      }
      sandbox_ = std::make_unique<Sandbox>(std::move(*sb));
      world_ = std::make_unique<World>(false);
    }
    RunSpec spec;
    if (s.run_spec) {
      spec = *s.run_spec;
    } else {
      LaunchCommand cmd;
      cmd.name = s.name;
      cmd.argv.push_back(s.command);
      cmd.argv.insert(cmd.argv.end(), s.args.begin(), s.args.end());
      cmd.env = s.env;
      cmd.origin = "proxy configuration, server '" + s.name + "'";
      Discovery d = world_->discoverer().fromLaunch(cmd);
      if (!d.spec) {
        return fail(ErrorCode::kInvalidInput, "cannot sandbox '" + s.name + "' (" +
                                                  std::string(toString(d.outcome)) + "): " + d.reason);
      }
      spec = *d.spec;
    }
    spec.network = spec.network || s.network;
    for (const auto& g : s.grants) {
      auto grant = parseGrant(g);
      if (!grant) return fail(grant.error());
      spec.grants.push_back(*grant);
    }
    StartOptions options;
    options.env_values = s.env;
    options.progress = [name = s.name](std::string_view line) {
      std::fprintf(stderr, "onemcp proxy: %s: %.*s\n", name.c_str(), static_cast<int>(line.size()),
                   line.data());
    };
    return std::unique_ptr<BackendLauncher>(
        std::make_unique<SandboxLauncher>(*sandbox_->host, std::move(spec), std::move(options)));
  }

  bool no_sandbox_;
  std::unique_ptr<Sandbox> sandbox_;  // opened on first use; outlives the proxy
  std::unique_ptr<World> world_;
};

int serveStdio(McpProxy& proxy) {
  auto transport = mcp::StdioTransport::forThisProcess();
  if (!transport) {
    log::error("{}", transport.error().toString());
    return 1;
  }
  auto session = proxy.serve(*transport);
  if (!session) {
    log::error("{}", session.error().toString());
    return 1;
  }
  while (!(*session)->waitClosed(std::chrono::hours(1))) {
  }
  return 0;
}

int serveHttp(McpProxy& proxy, const ProxyArgs& a, StopSignals& stop_signals) {
  mcp::StreamableHttpServerOptions options;
  options.port = static_cast<std::uint16_t>(a.port);
  options.bind_address = a.bind;
  // Plain JSON answers (and kept-alive connections) for calls that send nothing else.
  options.sse_on_demand = true;
  auto codec = SessionIdCodec::random();
  if (!codec) {
    log::error("{}", codec.error().toString());
    return 1;
  }
  options.session_ids = sessionIdPolicy(std::make_shared<const SessionIdCodec>(*codec));
  auto http = mcp::StreamableHttpServer::start(options, [&proxy](std::shared_ptr<mcp::Transport> t) {
    if (auto s = proxy.serve(std::move(t)); !s) {
      log::warn("proxy: cannot start a session: {}", s.error().toString());
    }
  });
  if (!http) {
    log::error("{}", http.error().toString());
    return 1;
  }
  log::info("proxy listening on {}", (*http)->url());
  const int sig = stop_signals.wait();
  log::info("proxy: stopping on signal {}", sig);
  (*http)->stop();
  return 0;
}

int runProxy(const ProxyArgs& a) {
  // Over HTTP the proxy runs until a stop signal; over stdio until stdin closes.
  std::optional<StopSignals> stop_signals;
  if (a.port >= 0) stop_signals.emplace();

  auto config = readConfig(a.config);
  if (!config) {
    std::fprintf(stderr, "onemcp proxy: %s\n", config.error().toString().c_str());
    return 2;
  }
  for (const auto& note : config->notes) std::fprintf(stderr, "onemcp proxy: %s\n", note.c_str());
  SystemClock clock;
  Launchers launchers(a.no_sandbox);
  McpProxy proxy(ProxyOptions{}, clock);
  int attached = 0;
  for (const auto& s : config->servers) {
    auto launcher = launchers.make(s);
    Result<void> up = launcher ? Result<void>{} : fail(launcher.error());
    if (launcher) {
      BackendOptions options;
      options.name = s.name;
      options.prefix = s.prefix;
      if (s.timeout) options.call_timeout = *s.timeout;
      if (s.max_output_bytes) options.max_output_bytes = *s.max_output_bytes;
      up = proxy.attach(std::move(options), std::move(*launcher));
    }
    if (!up) {
      std::fprintf(stderr, "onemcp proxy: skipping '%s': %s\n", s.name.c_str(),
                   up.error().toString().c_str());
      continue;
    }
    ++attached;
  }
  for (const auto& b : proxy.backends()) {
    std::fprintf(stderr, "onemcp proxy: %-20s %3zu tools  %s\n", b.name.c_str(), b.tools,
                 b.describe.c_str());
  }
  if (attached == 0 && !config->servers.empty()) {
    std::fprintf(stderr, "onemcp proxy: no server could be started\n");
    return 1;
  }
  return stop_signals ? serveHttp(proxy, a, *stop_signals) : serveStdio(proxy);
}

}  // namespace

void addProxyCommands(CLI::App& app, CommandRegistry& registry) {
  auto* cmd = app.add_subcommand(
      "proxy", "Serve every server of an MCP client configuration as one MCP server");
  auto a = std::make_shared<ProxyArgs>();
  cmd->add_option("--config", a->config,
                  "A JSON file with an 'mcpServers' object, or VS Code's mcp.json 'servers'")
      ->required();
  cmd->add_option("--http", a->port, "Serve streamable HTTP on ADDR:PORT/mcp (0: any port); "
                                     "default: one session on stdin/stdout")
      ->check(CLI::Range(0, 65535));
  cmd->add_option("--bind", a->bind, "Address to listen on with --http")->capture_default_str();
  cmd->add_flag("--no-sandbox", a->no_sandbox,
                "Run stdio servers as processes on this host (trusted servers only)");
  cmd->callback([a, &registry] { registry.setExitCode(runProxy(*a)); });
}

}  // namespace onemcp::app
