#include "onemcp/search/catalog.h"

#include <fstream>
#include <functional>
#include <unordered_map>

#include <nlohmann/json.hpp>

namespace onemcp::search {
namespace {

using nlohmann::json;

std::string str(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_string()) return {};
  return it->get<std::string>();
}

void appendWord(std::string& out, std::string_view text) {
  if (text.empty()) return;
  if (!out.empty()) out.push_back(' ');
  out.append(text);
}

// Calls `fn` with each JSON object of a JSONL file; stops at the first parse error.
Result<void> forEachLine(const std::filesystem::path& file,
                         const std::function<Result<void>(const json&)>& fn) {
  std::ifstream in(file);
  if (!in) return fail(ErrorCode::kNotFound, "cannot open " + file.string());
  std::string line;
  std::size_t number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (line.empty()) continue;
    json j = json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded() || !j.is_object()) {
      return fail(ErrorCode::kParseError,
                  file.string() + ":" + std::to_string(number) + ": not a JSON object");
    }
    ONEMCP_TRY(fn(j));
  }
  return {};
}

void collectSchema(const json& j, std::string& out, int depth) {
  if (depth > 8) return;
  if (j.is_array()) {
    for (const auto& e : j) {
      if (e.is_object() && e.contains("name")) appendWord(out, str(e, "name"));
      if (e.is_object()) appendWord(out, str(e, "desc"));
      collectSchema(e, out, depth + 1);
    }
    return;
  }
  if (!j.is_object()) return;
  if (auto props = j.find("properties"); props != j.end() && props->is_object()) {
    for (const auto& [name, sub] : props->items()) {
      appendWord(out, name);
      if (sub.is_object()) appendWord(out, str(sub, "description"));
      collectSchema(sub, out, depth + 1);
    }
  }
  if (auto items = j.find("items"); items != j.end()) collectSchema(*items, out, depth + 1);
}

std::string joinStrings(const json& j) {
  std::string out;
  if (!j.is_array()) return out;
  for (const auto& e : j) {
    if (e.is_string()) appendWord(out, e.get<std::string>());
  }
  return out;
}

// A tool id's server part; tools are linked to servers by it.
using ServerIndex = std::unordered_map<std::string, std::uint32_t>;

Result<void> loadTools(Catalog& cat, const ServerIndex& index, const std::string& ns,
                       const std::filesystem::path& file, const char* schema_key) {
  return forEachLine(file, [&](const json& j) -> Result<void> {
    auto it = index.find(str(j, "server_id"));
    if (it == index.end()) return {};  // tool of an unknown server: not indexable
    ToolEntry t;
    t.server = it->second;
    t.name = str(j, "name");
    t.id = ns + str(j, "server_id") + "::" + t.name;
    t.description = str(j, "description");
    if (auto s = j.find(schema_key); s != j.end()) {
      std::string params;
      collectSchema(*s, params, 0);
      t.params = std::move(params);
    }
    cat.addTool(std::move(t));
    return {};
  });
}

Result<void> loadLive(Catalog& cat, const std::filesystem::path& dir) {
  ServerIndex index;
  ONEMCP_TRY(forEachLine(dir / "servers.jsonl", [&](const json& j) -> Result<void> {
    ServerEntry s;
    s.id = "live:" + str(j, "server_id");
    s.name = str(j, "name");
    s.description = str(j, "description");
    s.keywords = str(j, "category");
    index[str(j, "server_id")] = cat.addServer(std::move(s));
    return {};
  }));
  return loadTools(cat, index, "live:", dir / "tools.jsonl", "input_schema");
}

Result<void> loadDocker(Catalog& cat, const std::filesystem::path& dir) {
  ServerIndex index;
  ONEMCP_TRY(forEachLine(dir / "servers.jsonl", [&](const json& j) -> Result<void> {
    ServerEntry s;
    s.id = "docker:" + str(j, "server_id");
    s.name = str(j, "title").empty() ? str(j, "name") : str(j, "title");
    s.description = str(j, "description");
    s.keywords = str(j, "category");
    if (auto tags = j.find("tags"); tags != j.end()) appendWord(s.keywords, joinStrings(*tags));
    index[str(j, "server_id")] = cat.addServer(std::move(s));
    return {};
  }));
  return loadTools(cat, index, "docker:", dir / "tools.jsonl", "arguments");
}

Result<void> loadRegistry(Catalog& cat, const std::filesystem::path& dir) {
  return forEachLine(dir / "servers_latest.jsonl", [&](const json& j) -> Result<void> {
    ServerEntry s;
    const std::string id = str(j, "server_id");
    s.id = "reg:" + id;
    // "io.github.user/weather-mcp": the part after the namespace is the name.
    const auto slash = id.rfind('/');
    s.name = slash == std::string::npos ? id : id.substr(slash + 1);
    appendWord(s.name, str(j, "title"));
    s.description = str(j, "description");
    if (auto pk = j.find("packages"); pk != j.end() && pk->is_array()) {
      for (const auto& p : *pk) {
        if (p.is_object()) appendWord(s.keywords, str(p, "identifier"));
      }
    }
    cat.addServer(std::move(s));
    return {};
  });
}

Result<void> loadMcpBench(Catalog& cat, const std::filesystem::path& dir) {
  return forEachLine(dir / "servers.jsonl", [&](const json& j) -> Result<void> {
    ServerEntry s;
    const std::string id = str(j, "server_id");
    s.id = "mcpb:" + id;
    s.name = str(j, "name");
    s.description = str(j, "description");
    const auto server = cat.addServer(std::move(s));
    // The corpus lists its servers' tool names (no descriptions): index them as tools.
    if (auto names = j.find("tools_mentioned_in_tasks"); names != j.end() && names->is_array()) {
      for (const auto& n : *names) {
        if (!n.is_string()) continue;
        cat.addTool(ToolEntry{"mcpb:" + id + "::" + n.get<std::string>(), server,
                              n.get<std::string>(), {}, {}});
      }
    }
    return {};
  });
}

Result<void> loadMetaTool(Catalog& cat, const std::filesystem::path& dir) {
  return forEachLine(dir / "tools.jsonl", [&](const json& j) -> Result<void> {
    const std::string id = str(j, "tool_id");
    ServerEntry s;
    s.id = "meta:" + id;
    s.name = str(j, "name");
    const auto server = cat.addServer(std::move(s));
    cat.addTool(ToolEntry{"meta:" + id + "::" + id, server, str(j, "name"),
                          str(j, "description"), {}});
    return {};
  });
}

}  // namespace

std::uint32_t Catalog::addServer(ServerEntry server) {
  servers.push_back(std::move(server));
  return static_cast<std::uint32_t>(servers.size() - 1);
}

void Catalog::addTool(ToolEntry tool) {
  const auto idx = static_cast<std::uint32_t>(tools.size());
  servers.at(tool.server).tools.push_back(idx);
  tools.push_back(std::move(tool));
}

Result<CorpusKind> parseCorpusKind(std::string_view name) {
  if (name == "live") return CorpusKind::kLive;
  if (name == "all") return CorpusKind::kAll;
  if (name == "mcpbench") return CorpusKind::kMcpBench;
  if (name == "metatool") return CorpusKind::kMetaTool;
  return fail(ErrorCode::kInvalidInput,
              "unknown corpus '" + std::string(name) + "' (live, all, mcpbench, metatool)");
}

Result<Catalog> loadCatalog(const std::filesystem::path& data_dir, CorpusKind kind) {
  Catalog cat;
  switch (kind) {
    case CorpusKind::kLive:
      ONEMCP_TRY(loadLive(cat, data_dir / "livemcpbench"));
      break;
    case CorpusKind::kAll:
      ONEMCP_TRY(loadLive(cat, data_dir / "livemcpbench"));
      ONEMCP_TRY(loadDocker(cat, data_dir / "docker-mcp-catalog"));
      ONEMCP_TRY(loadRegistry(cat, data_dir / "mcp-registry"));
      break;
    case CorpusKind::kMcpBench:
      ONEMCP_TRY(loadMcpBench(cat, data_dir / "mcp-bench"));
      break;
    case CorpusKind::kMetaTool:
      ONEMCP_TRY(loadMetaTool(cat, data_dir / "metatool"));
      break;
  }
  return cat;
}

std::string schemaText(std::string_view schema_json) {
  json j = json::parse(schema_json, nullptr, /*allow_exceptions=*/false);
  std::string out;
  if (!j.is_discarded()) collectSchema(j, out, 0);
  return out;
}

}  // namespace onemcp::search
