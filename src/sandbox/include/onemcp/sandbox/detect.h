// Parsers for the files a server ships (package.json, pyproject.toml, setup.cfg,
// setup.py, Dockerfile, smithery.yaml, go.mod, Cargo.toml, .env.example, README) and for
// launch commands ("npx -y pkg", mcpServers blocks). Pure functions over text: no I/O,
// never throw, so discovery can be tested with fakes and fuzzed.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "onemcp/common/result.h"

namespace onemcp::sandbox {

struct NodeManifest {
  std::string name;
  std::string version;
  std::map<std::string, std::string> bins;  // command name -> script path
  std::string main;
  std::map<std::string, std::string> scripts;
  std::optional<std::string> node_major;  // lowest major allowed by engines.node
  std::string engines_node;               // verbatim, for evidence
  std::string mcp_dependency;             // "@modelcontextprotocol/sdk", ... or empty
  bool has_dependencies = false;          // runtime dependencies to install
  bool typescript = false;                // typescript among its (dev)dependencies
  std::vector<std::string> workspaces;
};
Result<NodeManifest> parsePackageJson(std::string_view text);
// From a package.json or `npm view --json` object.
NodeManifest nodeManifestFromJson(const nlohmann::json& j);
// ">=18", "^20.1", ">= 16.0.0 || >=18", "20.x" -> the lowest major named; nullopt if none.
std::optional<std::string> lowestNodeMajor(std::string_view range);
// The runtime images' Node when a package does not ask for another.
inline constexpr int kPreferredNodeMajor = 22;
// The Node major to run a package whose engines.node is `range`: nullopt when the
// preferred major satisfies it (">=18": a package's dependencies often need newer than
// its stated floor), else the highest major the range allows ("^18" -> 18, "<21" -> 20).
std::optional<std::string> nodeMajorFor(std::string_view range, int preferred = kPreferredNodeMajor);

struct PythonManifest {
  std::string name;
  std::string version;
  std::map<std::string, std::string> scripts;  // console script -> "module:function"
  std::vector<std::string> dependencies;       // as written: "mcp>=1.2"
  std::string mcp_dependency;                  // "mcp", "fastmcp", or empty
  std::string requires_python;
};
Result<PythonManifest> parsePyproject(std::string_view text);
Result<PythonManifest> parseSetupCfg(std::string_view text);
// setup.py is code; this reads the usual literal forms of name/entry_points/install_requires.
PythonManifest parseSetupPy(std::string_view text);
// "mcp[cli]>=1.2; python_version>'3.9'" -> "mcp"
std::string requirementName(std::string_view requirement);

struct DockerfileInfo {
  std::string base_image;
  std::vector<std::string> entrypoint;
  std::vector<std::string> cmd;
  std::vector<std::uint16_t> exposed_ports;
  std::vector<std::string> env_names;
};
DockerfileInfo parseDockerfile(std::string_view text);

struct SmitheryInfo {
  std::string type;  // "stdio" or "http" (smithery's startCommand.type)
  std::vector<std::string> command;  // when a commandFunction has a literal command/args
  std::vector<std::string> required_config;  // configSchema.required
  std::map<std::string, std::string> config_descriptions;
};
Result<SmitheryInfo> parseSmithery(std::string_view text);

// go.mod: the module path; empty when there is none.
std::string parseGoModule(std::string_view text);
// Cargo.toml: [package] name and the [[bin]] names.
struct CargoInfo {
  std::string name;
  std::vector<std::string> bins;
};
Result<CargoInfo> parseCargoToml(std::string_view text);

struct EnvHint {
  std::string name;
  std::string description;
  bool required = false;
  bool secret = false;
  std::optional<std::string> value;  // a fixed setting, never a secret
};
// .env.example lines "NAME=value  # comment".
std::vector<EnvHint> parseEnvExample(std::string_view text);
// Names that hold credentials: *_TOKEN, *_KEY, *SECRET*, *PASSWORD*, ...
bool looksSecret(std::string_view name);

// A command line that starts a server, as found in a config block or README.
struct LaunchCommand {
  std::string name;  // the mcpServers key, or empty
  std::vector<std::string> argv;
  std::map<std::string, std::string> env;
  std::string url;      // a remote entry ({"url": ...}) instead of a command
  std::string origin;   // "README.md line 12", "mcpServers.memory"
};
// {"mcpServers": {...}} or {"servers": {...}} (VS Code) or a bare {name: {command...}}.
Result<std::vector<LaunchCommand>> parseMcpServers(const nlohmann::json& block, std::string_view origin);
// Splits a shell command line into words (quotes, backslash escapes); no expansion.
std::vector<std::string> splitShellWords(std::string_view line);

struct ReadmeFindings {
  std::vector<LaunchCommand> commands;  // from code blocks, in order
  std::vector<std::string> env_names;   // FOO from "export FOO=", "-e FOO", "FOO=... npx"
};
ReadmeFindings parseReadme(std::string_view text, std::string_view file_name = "README.md");

}  // namespace onemcp::sandbox
