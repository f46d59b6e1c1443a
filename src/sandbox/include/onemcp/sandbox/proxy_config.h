// Reads the server lists MCP clients already keep — the `mcpServers` object of Claude
// Desktop, Cursor and most READMEs, and VS Code's `servers` (mcp.json, or `mcp.servers`
// in settings.json) — into what `onemcp proxy` needs to attach each server. ${env:X},
// ${input:X}, ${workspaceFolder} and ${userHome} are expanded through a lookup.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "onemcp/common/result.h"
#include "onemcp/sandbox/run_spec.h"

namespace onemcp::sandbox {

struct ProxyServerConfig {
  enum class Kind { kStdio, kHttp, kSse };
  std::string name;
  Kind kind = Kind::kStdio;
  // stdio
  std::string command;
  std::vector<std::string> args;
  std::map<std::string, std::string> env;
  std::string cwd;
  // http / sse
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  // A OneMCP run spec ("runSpec": {...}, docs/run-spec.md) instead of command or url:
  // always sandboxed.
  std::optional<RunSpec> run_spec;
  // OneMCP's own keys, all optional: "prefix" ("" exposes names as they are),
  // "timeoutMs" per call, "maxOutputBytes" per result, "sandbox" (false: run on the
  // host), "grants" (["PATH[:rw]"]),
  // "network" (the sandboxed server may reach the network).
  std::optional<std::string> prefix;
  std::optional<std::chrono::milliseconds> timeout;
  std::optional<std::size_t> max_output_bytes;
  std::optional<bool> sandbox;
  std::vector<std::string> grants;
  bool network = false;
};

struct ProxyConfig {
  std::vector<ProxyServerConfig> servers;
  std::vector<std::string> notes;  // what was skipped and why ("'x' is disabled")
};

// Resolves a variable's inside ("env:HOME", "input:api-key", "workspaceFolder");
// nullopt when it has no value.
using VariableLookup = std::function<std::optional<std::string>(std::string_view name)>;

// Errors (kInvalidInput) name the server and the field.
Result<ProxyConfig> parseProxyConfig(std::string_view json_text, const VariableLookup& lookup);

// Expands every ${...} in `text`; an unknown or unset variable is an error naming it.
Result<std::string> expandVariables(std::string_view text, const VariableLookup& lookup);

}  // namespace onemcp::sandbox
