#include "commands.h"

namespace onemcp::app {

// Declared here, defined in each component's *_commands.cc (one line each).
void addSandboxCommands(CLI::App&, CommandRegistry&);
void addDemoServerCommands(CLI::App&, CommandRegistry&);
void addEvalCommands(CLI::App&, CommandRegistry&);
void addClientCommands(CLI::App&, CommandRegistry&);
void addRegistryCommands(CLI::App&, CommandRegistry&);
void addDiscoveryCommands(CLI::App&, CommandRegistry&);
void addProxyCommands(CLI::App&, CommandRegistry&);
void addDaemonCommands(CLI::App&, CommandRegistry&);

std::vector<AddCommands> allCommands() {
  return {
      addSandboxCommands,
      addDemoServerCommands,
      addEvalCommands,
      addClientCommands,
      addRegistryCommands,
      addDiscoveryCommands,
      addProxyCommands,
      addDaemonCommands,
  };
}

}  // namespace onemcp::app
