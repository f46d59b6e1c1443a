// What the search index is built from: servers and their tools as plain text fields,
// with ids namespaced by source ("live:<server>", "live:<server>::<tool>"). Loaders
// read the benchmark data layout (see shared/data/README.md) into a Catalog.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "onemcp/common/result.h"

namespace onemcp::search {

struct ToolEntry {
  std::string id;            // "<ns>:<server_id>::<tool name>"
  std::uint32_t server = 0;  // index into Catalog::servers
  std::string name;
  std::string description;
  std::string params;        // parameter names and descriptions, space-joined
};

struct ServerEntry {
  std::string id;  // "<ns>:<server_id>"
  std::string name;
  std::string description;
  std::string keywords;  // category, tags, package identifiers
  std::vector<std::uint32_t> tools;  // indices into Catalog::tools
};

struct Catalog {
  std::vector<ServerEntry> servers;
  std::vector<ToolEntry> tools;

  // Appends a server; returns its index.
  std::uint32_t addServer(ServerEntry server);
  // Appends a tool of servers[tool.server] and links it there.
  void addTool(ToolEntry tool);
};

// The corpora of the benchmark data directory.
enum class CorpusKind {
  kLive,      // LiveMCPTool: 70 servers, 527 tools ("live:")
  kAll,       // live + Docker catalogue ("docker:") + MCP registry ("reg:")
  kMcpBench,  // MCP-Bench's 28 servers, descriptions only ("mcpb:")
  kMetaTool,  // MetaTool's 199 tools, each its own one-tool server ("meta:")
};

Result<CorpusKind> parseCorpusKind(std::string_view name);

// Loads the corpus from `data_dir` (the layout of shared/data).
Result<Catalog> loadCatalog(const std::filesystem::path& data_dir, CorpusKind kind);

// Flattens a JSON Schema (or a list of {name, desc}) to parameter names and
// descriptions; exposed for tests.
std::string schemaText(std::string_view schema_json);

}  // namespace onemcp::search
