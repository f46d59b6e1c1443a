// Layered configuration: built-in defaults < config file < environment < command-line
// flags. Keys are dotted ("registry.url"); the environment form is ONEMCP_REGISTRY_URL.
// Every value remembers which layer set it, so `onemcp ... --explain-config` can say why.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "onemcp/common/paths.h"
#include "onemcp/common/result.h"

namespace onemcp {

enum class ConfigSource { kDefault, kFile, kEnvironment, kFlag };
std::string_view toString(ConfigSource source);

class Config {
 public:
  struct Entry {
    nlohmann::json value;
    ConfigSource source = ConfigSource::kDefault;
  };

  // Registers a known key with its default. Only known keys are read from the
  // environment; unknown keys in the file are kept (and reported by unknownKeys()).
  void define(const std::string& key, nlohmann::json default_value);

  // Reads a JSON object file; nested objects flatten to dotted keys. A missing file is
  // not an error; a malformed one is, naming the file and the position.
  Result<void> loadFile(const std::filesystem::path& file);
  // Reads ONEMCP_<KEY> for every defined key. Values that parse as JSON scalars
  // (numbers, true/false) are taken as such; anything else is a string.
  void loadEnvironment(const EnvLookup& env);
  // "key=value" from a --set flag.
  Result<void> setFlag(std::string_view assignment);
  void set(const std::string& key, nlohmann::json value, ConfigSource source);

  [[nodiscard]] std::optional<Entry> find(const std::string& key) const;
  [[nodiscard]] std::string getString(const std::string& key) const;
  [[nodiscard]] std::int64_t getInt(const std::string& key) const;
  [[nodiscard]] bool getBool(const std::string& key) const;
  [[nodiscard]] std::vector<std::string> unknownKeys() const;
  [[nodiscard]] const std::map<std::string, Entry>& entries() const { return entries_; }

  // "registry.url" -> "ONEMCP_REGISTRY_URL"
  static std::string envName(std::string_view key);
  // The default file: <config_dir>/config.json
  static std::filesystem::path defaultFile(const Paths& paths);

 private:
  std::map<std::string, Entry> entries_;
  std::map<std::string, nlohmann::json> defaults_;
};

}  // namespace onemcp
