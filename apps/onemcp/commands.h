// How subcommands plug into the onemcp binary: each *_commands.cc defines one
// `void addXxxCommands(CLI::App&, CommandRegistry&)`; commands.cc lists them.
#pragma once

#include <functional>
#include <vector>

#include <CLI/CLI.hpp>

namespace onemcp::app {

// Carries the exit code out of a subcommand's callback.
class CommandRegistry {
 public:
  void setExitCode(int code) { exit_code_ = code; }
  [[nodiscard]] int exitCode() const { return exit_code_; }

 private:
  int exit_code_ = 0;
};

using AddCommands = std::function<void(CLI::App&, CommandRegistry&)>;

// Every component's subcommands, in help order.
std::vector<AddCommands> allCommands();

}  // namespace onemcp::app
