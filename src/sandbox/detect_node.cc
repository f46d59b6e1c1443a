// package.json and `npm view --json` objects.
#include <algorithm>
#include <array>
#include <string>
#include <cctype>

#include "onemcp/sandbox/detect.h"

namespace onemcp::sandbox {
namespace {

using nlohmann::json;

constexpr std::array<std::string_view, 5> kMcpNodePackages{
    "@modelcontextprotocol/sdk", "fastmcp", "mcp-framework", "@mastra/mcp", "mcp-proxy"};

std::string str(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

void readStringMap(const json& j, const char* key, std::map<std::string, std::string>& out) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_object()) return;
  for (const auto& [k, v] : it->items()) {
    if (v.is_string()) out[k] = v.get<std::string>();
  }
}

bool dependsOn(const json& j, const char* section, std::string_view name) {
  auto it = j.find(section);
  return it != j.end() && it->is_object() && it->contains(std::string(name));
}

std::string unscoped(std::string_view name) {
  auto slash = name.rfind('/');
  return std::string(slash == std::string_view::npos ? name : name.substr(slash + 1));
}

}  // namespace

std::optional<std::string> lowestNodeMajor(std::string_view range) {
  std::optional<int> lowest;
  for (std::size_t i = 0; i < range.size(); ++i) {
    if (!std::isdigit(static_cast<unsigned char>(range[i]))) continue;
    bool starts = i == 0 || !(std::isdigit(static_cast<unsigned char>(range[i - 1])) || range[i - 1] == '.');
    int value = 0;
    std::size_t j = i;
    while (j < range.size() && std::isdigit(static_cast<unsigned char>(range[j])) && value < 1000) {
      value = value * 10 + (range[j] - '0');
      ++j;
    }
    if (starts && value > 0 && value < 1000 && (!lowest || value < *lowest)) lowest = value;
    while (j < range.size() && (std::isdigit(static_cast<unsigned char>(range[j])) || range[j] == '.' ||
                                range[j] == 'x' || range[j] == '*')) {
      ++j;
    }
    i = j;
  }
  if (!lowest) return std::nullopt;
  return std::to_string(*lowest);
}

std::optional<std::string> nodeMajorFor(std::string_view range, int preferred) {
  int best = -1;
  std::size_t start = 0;
  while (start <= range.size()) {
    std::size_t bar = range.find("||", start);
    std::string_view clause = range.substr(start, bar == std::string_view::npos ? std::string_view::npos : bar - start);
    start = bar == std::string_view::npos ? range.size() + 1 : bar + 2;
    auto low = lowestNodeMajor(clause);
    int lo = low ? std::stoi(*low) : 0;
    int hi = 1 << 20;  // unbounded
    if (auto lt = clause.find('<'); lt != std::string_view::npos) {
      bool inclusive = lt + 1 < clause.size() && clause[lt + 1] == '=';
      auto bound = lowestNodeMajor(clause.substr(lt));
      if (bound) hi = std::stoi(*bound) - (inclusive ? 0 : 1);
      if (clause.substr(0, lt).find('>') == std::string_view::npos) lo = 0;
    } else if (low && clause.find('>') == std::string_view::npos) {
      hi = lo;  // "^18", "~18.2", "18.x", "18"
    }
    if (lo <= preferred && preferred <= hi) return std::nullopt;
    best = std::max(best, hi == (1 << 20) ? lo : hi);
  }
  if (best <= 0) return std::nullopt;
  return std::to_string(best);
}

NodeManifest nodeManifestFromJson(const json& j) {
  NodeManifest m;
  if (!j.is_object()) return m;
  m.name = str(j, "name");
  m.version = str(j, "version");
  m.main = str(j, "main");
  if (auto bin = j.find("bin"); bin != j.end()) {
    if (bin->is_string() && !m.name.empty()) {
      m.bins[unscoped(m.name)] = bin->get<std::string>();
    } else {
      readStringMap(j, "bin", m.bins);
    }
  }
  readStringMap(j, "scripts", m.scripts);
  if (auto engines = j.find("engines"); engines != j.end() && engines->is_object()) {
    m.engines_node = str(*engines, "node");
    if (!m.engines_node.empty()) m.node_major = nodeMajorFor(m.engines_node);
  }
  for (auto name : kMcpNodePackages) {
    if (dependsOn(j, "dependencies", name) || dependsOn(j, "peerDependencies", name)) {
      m.mcp_dependency = std::string(name);
      break;
    }
  }
  if (auto deps = j.find("dependencies"); deps != j.end() && deps->is_object()) {
    m.has_dependencies = !deps->empty();
  }
  m.typescript = dependsOn(j, "devDependencies", "typescript") || dependsOn(j, "dependencies", "typescript");
  if (auto ws = j.find("workspaces"); ws != j.end()) {
    const json* list = &*ws;
    if (ws->is_object() && ws->contains("packages")) list = &(*ws)["packages"];
    if (list->is_array()) {
      for (const auto& w : *list) {
        if (w.is_string()) m.workspaces.push_back(w.get<std::string>());
      }
    }
  }
  return m;
}

Result<NodeManifest> parsePackageJson(std::string_view text) {
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded()) return fail(ErrorCode::kInvalidInput, "package.json is not valid JSON");
  if (!j.is_object()) return fail(ErrorCode::kInvalidInput, "package.json is not a JSON object");
  return nodeManifestFromJson(j);
}

}  // namespace onemcp::sandbox
