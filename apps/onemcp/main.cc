// onemcp: one binary, one subcommand per job. main() only wires components together;
// each component's subcommands are added by a function in its own *_commands.cc.
#include <CLI/CLI.hpp>

#include "commands.h"
#include "onemcp/common/log.h"

int main(int argc, char** argv) {
  CLI::App app{"OneMCP: any MCP server, on demand, sandboxed"};
  app.require_subcommand(1);
  std::string log_level = "info";
  app.add_option("--log-level", log_level, "trace|debug|info|warn|error|off")
      ->envname("ONEMCP_LOG_LEVEL");
  app.parse_complete_callback(
      [&log_level] { onemcp::log::init(onemcp::log::parseLevel(log_level)); });

  onemcp::app::CommandRegistry registry;
  for (const auto& add : onemcp::app::allCommands()) add(app, registry);

  CLI11_PARSE(app, argc, argv);
  return registry.exitCode();
}
