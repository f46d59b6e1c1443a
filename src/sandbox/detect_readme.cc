// Launch commands from mcpServers blocks and README code blocks.
#include <array>
#include <cctype>
#include <sstream>

#include "onemcp/sandbox/detect.h"

namespace onemcp::sandbox {
namespace {

using nlohmann::json;

constexpr std::array<std::string_view, 10> kLaunchers{
    "npx", "uvx", "docker", "pipx", "uv", "bunx", "node", "python", "python3", "deno"};

bool isEnvAssignment(std::string_view word) {
  auto eq = word.find('=');
  if (eq == std::string_view::npos || eq == 0) return false;
  for (std::size_t i = 0; i < eq; ++i) {
    char c = word[i];
    if (!(std::isupper(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)) || c == '_')) {
      return false;
    }
  }
  return true;
}

bool isLauncher(std::string_view word) {
  for (auto l : kLaunchers) {
    if (word == l) return true;
  }
  return false;
}

// "claude mcp add x -- npx -y pkg" and "npx @modelcontextprotocol/inspector node x.js"
// wrap the real command; unwrap them.
std::vector<std::string> unwrap(std::vector<std::string> words) {
  for (std::size_t i = 0; i + 1 < words.size(); ++i) {
    if (words[i] == "--" && i > 0 && words[0] != "npx" && words[0] != "uvx") {
      return {words.begin() + static_cast<std::ptrdiff_t>(i) + 1, words.end()};
    }
  }
  if (words.size() > 2 && words[0] == "npx" && words[1].starts_with("@modelcontextprotocol/inspector")) {
    return {words.begin() + 2, words.end()};
  }
  return words;
}

struct Block {
  std::string lang;
  std::string text;
  std::size_t first_line = 0;
};

std::vector<Block> codeBlocks(std::string_view text) {
  std::vector<Block> blocks;
  std::istringstream in{std::string(text)};
  std::string line;
  std::size_t n = 0;
  std::optional<Block> open;
  std::string fence;
  while (std::getline(in, line)) {
    ++n;
    std::string t = line;
    while (!t.empty() && std::isspace(static_cast<unsigned char>(t.front()))) t.erase(0, 1);
    if (!t.empty() && t.back() == '\r') t.pop_back();
    if (t.starts_with("```") || t.starts_with("~~~")) {
      if (!open) {
        open = Block{t.substr(3), {}, n + 1};
        fence = t.substr(0, 3);
        for (auto& c : open->lang) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      } else if (t.starts_with(fence)) {
        blocks.push_back(std::move(*open));
        open.reset();
      }
      continue;
    }
    if (open) open->text += line + "\n";
  }
  return blocks;
}

void collectEnvNames(const std::vector<std::string>& words, std::vector<std::string>& names) {
  auto add = [&names](std::string name) {
    auto eq = name.find('=');
    if (eq != std::string::npos) name.resize(eq);
    if (name.empty() || !isEnvAssignment(name + "=")) return;
    for (const auto& n : names) {
      if (n == name) return;
    }
    names.push_back(std::move(name));
  };
  for (std::size_t i = 0; i < words.size(); ++i) {
    if ((words[i] == "-e" || words[i] == "--env") && i + 1 < words.size()) add(words[i + 1]);
    if (words[i] == "export" && i + 1 < words.size()) add(words[i + 1]);
    if (i == 0 && isEnvAssignment(words[i])) add(words[i]);
  }
}

void scanShellBlock(const Block& block, std::string_view file_name, ReadmeFindings& out) {
  std::istringstream in(block.text);
  std::string line;
  std::string pending;
  std::size_t n = block.first_line - 1;
  std::size_t start = 0;
  while (std::getline(in, line)) {
    ++n;
    if (pending.empty()) start = n;
    if (!line.empty() && line.back() == '\\') {
      pending += line.substr(0, line.size() - 1) + " ";
      continue;
    }
    std::string full = pending + line;
    pending.clear();
    std::string_view view = full;
    while (!view.empty() && (view.front() == ' ' || view.front() == '$' || view.front() == '>')) view.remove_prefix(1);
    auto words = splitShellWords(view);
    collectEnvNames(words, out.env_names);
    LaunchCommand cmd;
    std::size_t i = 0;
    while (i < words.size() && isEnvAssignment(words[i])) {
      auto eq = words[i].find('=');
      cmd.env[words[i].substr(0, eq)] = words[i].substr(eq + 1);
      ++i;
    }
    words.erase(words.begin(), words.begin() + static_cast<std::ptrdiff_t>(i));
    words = unwrap(std::move(words));
    if (words.empty() || !isLauncher(words[0])) continue;
    if (words[0] == "docker" && (words.size() < 2 || words[1] != "run")) continue;
    if (words.size() < 2) continue;
    cmd.argv = std::move(words);
    cmd.origin = std::string(file_name) + " line " + std::to_string(start);
    out.commands.push_back(std::move(cmd));
  }
}

void scanJsonBlock(const Block& block, std::string_view file_name, ReadmeFindings& out) {
  json j = json::parse(block.text, nullptr, false, true);
  if (j.is_discarded()) j = json::parse("{" + block.text + "}", nullptr, false, true);
  if (j.is_discarded() || !j.is_object()) return;
  std::string origin = std::string(file_name) + " line " + std::to_string(block.first_line);
  auto found = parseMcpServers(j, origin);
  if (!found) return;
  for (auto& cmd : *found) {
    for (const auto& [name, value] : cmd.env) collectEnvNames({name + "=" + value}, out.env_names);
    out.commands.push_back(std::move(cmd));
  }
}

}  // namespace

std::vector<std::string> splitShellWords(std::string_view line) {
  std::vector<std::string> words;
  std::string current;
  bool in_word = false;
  char quote = 0;
  for (std::size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (quote != 0) {
      if (c == quote) {
        quote = 0;
      } else if (c == '\\' && quote == '"' && i + 1 < line.size()) {
        current += line[++i];
      } else {
        current += c;
      }
      continue;
    }
    if (c == '#' && !in_word) break;
    if (c == '\'' || c == '"') {
      quote = c;
      in_word = true;
    } else if (c == '\\' && i + 1 < line.size()) {
      current += line[++i];
      in_word = true;
    } else if (std::isspace(static_cast<unsigned char>(c))) {
      if (in_word) words.push_back(std::move(current));
      current.clear();
      in_word = false;
    } else {
      current += c;
      in_word = true;
    }
  }
  if (in_word) words.push_back(std::move(current));
  return words;
}

Result<std::vector<LaunchCommand>> parseMcpServers(const json& block, std::string_view origin) {
  if (!block.is_object()) return fail(ErrorCode::kInvalidInput, "an mcpServers block must be a JSON object");
  const json* servers = &block;
  std::string prefix;
  for (const char* key : {"mcpServers", "servers", "mcp"}) {
    if (auto it = block.find(key); it != block.end() && it->is_object()) {
      if (std::string(key) == "mcp" && it->contains("servers")) {
        servers = &(*it)["servers"];
      } else {
        servers = &*it;
      }
      prefix = std::string(key) + ".";
      break;
    }
  }
  std::vector<LaunchCommand> out;
  for (const auto& [name, entry] : servers->items()) {
    if (!entry.is_object()) continue;
    LaunchCommand cmd;
    cmd.name = name;
    cmd.origin = std::string(origin) + (origin.empty() ? "" : " ") + prefix + name;
    if (auto c = entry.find("command"); c != entry.end() && c->is_string()) {
      auto first = splitShellWords(c->get<std::string>());  // "npx -y x" written in one string
      cmd.argv.insert(cmd.argv.end(), first.begin(), first.end());
    }
    if (auto a = entry.find("args"); a != entry.end() && a->is_array()) {
      for (const auto& arg : *a) {
        if (arg.is_string()) cmd.argv.push_back(arg.get<std::string>());
      }
    }
    if (auto e = entry.find("env"); e != entry.end() && e->is_object()) {
      for (const auto& [k, v] : e->items()) cmd.env[k] = v.is_string() ? v.get<std::string>() : v.dump();
    }
    for (const char* key : {"url", "serverUrl"}) {
      if (auto u = entry.find(key); u != entry.end() && u->is_string()) cmd.url = u->get<std::string>();
    }
    if (cmd.argv.empty() && cmd.url.empty()) continue;
    out.push_back(std::move(cmd));
  }
  if (out.empty()) return fail(ErrorCode::kInvalidInput, "no server with a command or url in the block");
  return out;
}

ReadmeFindings parseReadme(std::string_view text, std::string_view file_name) {
  ReadmeFindings out;
  for (const auto& block : codeBlocks(text)) {
    bool json_like = block.lang.starts_with("json") || block.lang == "js" || block.lang == "javascript";
    std::string_view body = block.text;
    while (!body.empty() && std::isspace(static_cast<unsigned char>(body.front()))) body.remove_prefix(1);
    if (json_like || body.starts_with("{") || body.starts_with("\"")) {
      scanJsonBlock(block, file_name, out);
    } else {
      scanShellBlock(block, file_name, out);
    }
  }
  return out;
}

}  // namespace onemcp::sandbox
