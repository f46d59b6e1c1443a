// `onemcp demo-server --stdio | --http PORT`: serves the conformance fixture.

#include <CLI/CLI.hpp>

#include "commands.h"
#include "stop_signals.h"
#include "onemcp/common/log.h"
#include "onemcp/mcp/demo/demo_server.h"
#include "onemcp/mcp/stdio_transport.h"
#include "onemcp/mcp/streamable_http_server.h"

namespace onemcp::app {
namespace {

int serveStdio() {
  auto server = mcp::demo::makeDemoServer();
  auto transport = mcp::StdioTransport::forThisProcess();
  if (!transport) {
    log::error("{}", transport.error().toString());
    return 1;
  }
  auto session = server->serve(*transport);
  if (!session) {
    log::error("{}", session.error().toString());
    return 1;
  }
  // Ends when the client closes our stdin.
  while (!(*session)->waitClosed(std::chrono::hours(1))) {
  }
  return 0;
}

int serveHttp(std::uint16_t port) {
  StopSignals stop_signals;

  auto server = mcp::demo::makeDemoServer();
  mcp::StreamableHttpServerOptions options;
  options.port = port;
  auto http = mcp::StreamableHttpServer::start(
      options, [&server](std::shared_ptr<mcp::Transport> transport) {
        if (auto s = server->serve(std::move(transport)); !s) {
          log::warn("demo-server: cannot start session: {}", s.error().toString());
        }
      });
  if (!http) {
    log::error("{}", http.error().toString());
    return 1;
  }
  log::info("demo-server listening on {}", (*http)->url());
  const int sig = stop_signals.wait();
  log::info("demo-server: stopping on signal {}", sig);
  (*http)->stop();
  return 0;
}

}  // namespace

void addDemoServerCommands(CLI::App& app, CommandRegistry& registry) {
  auto* cmd = app.add_subcommand("demo-server", "Serve the MCP conformance demo server");
  auto stdio = std::make_shared<bool>(false);
  auto port = std::make_shared<int>(-1);
  auto* stdio_opt = cmd->add_flag("--stdio", *stdio, "Serve one session on stdin/stdout");
  auto* http_opt =
      cmd->add_option("--http", *port, "Serve streamable HTTP on 127.0.0.1:PORT/mcp (0: any port)")
          ->check(CLI::Range(0, 65535));
  stdio_opt->excludes(http_opt);
  cmd->callback([stdio, port, &registry] {
    if (*stdio) {
      registry.setExitCode(serveStdio());
    } else if (*port >= 0) {
      registry.setExitCode(serveHttp(static_cast<std::uint16_t>(*port)));
    } else {
      throw CLI::RequiredError("--stdio or --http PORT");
    }
  });
}

}  // namespace onemcp::app
