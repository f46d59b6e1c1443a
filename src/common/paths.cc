#include "onemcp/common/paths.h"

#include <cstdlib>

namespace onemcp {

EnvLookup processEnv() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* v = std::getenv(name.c_str());  // NOLINT(concurrency-mt-unsafe)
    if (v == nullptr || *v == '\0') return std::nullopt;
    return std::string(v);
  };
}

Paths Paths::resolve(const EnvLookup& env) {
  const std::filesystem::path home = env("HOME").value_or("/tmp");
  auto base = [&](const char* var, const char* fallback) {
    auto v = env(var);
    // The spec says relative paths are invalid and must be ignored.
    if (v && std::filesystem::path(*v).is_absolute()) return std::filesystem::path(*v);
    return home / fallback;
  };
  Paths p;
  p.config_dir = base("XDG_CONFIG_HOME", ".config") / "onemcp";
  p.data_dir = base("XDG_DATA_HOME", ".local/share") / "onemcp";
  p.state_dir = base("XDG_STATE_HOME", ".local/state") / "onemcp";
  p.cache_dir = base("XDG_CACHE_HOME", ".cache") / "onemcp";
  auto rt = env("XDG_RUNTIME_DIR");
  p.runtime_dir = (rt && std::filesystem::path(*rt).is_absolute())
                      ? std::filesystem::path(*rt) / "onemcp"
                      : p.state_dir / "run";
  return p;
}

}  // namespace onemcp
