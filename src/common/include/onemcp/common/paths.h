// Where OneMCP keeps its files, following the XDG base directory specification.
// Resolved from an injected environment so tests can point everything at a temp dir.
#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <string>

namespace onemcp {

// Reads one environment variable; std::nullopt when unset or empty.
using EnvLookup = std::function<std::optional<std::string>(const std::string&)>;

// The process environment (getenv).
EnvLookup processEnv();

struct Paths {
  std::filesystem::path config_dir;   // $XDG_CONFIG_HOME/onemcp   (~/.config/onemcp)
  std::filesystem::path data_dir;     // $XDG_DATA_HOME/onemcp     (~/.local/share/onemcp)
  std::filesystem::path state_dir;    // $XDG_STATE_HOME/onemcp    (~/.local/state/onemcp)
  std::filesystem::path cache_dir;    // $XDG_CACHE_HOME/onemcp    (~/.cache/onemcp)
  std::filesystem::path runtime_dir;  // $XDG_RUNTIME_DIR/onemcp, else state_dir/run

  static Paths resolve(const EnvLookup& env);
};

}  // namespace onemcp
