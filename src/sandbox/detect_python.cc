// pyproject.toml (PEP 621 and Poetry), setup.cfg, setup.py.
#include <cctype>
#include <algorithm>
#include <sstream>

#include <toml++/toml.h>

#include "onemcp/sandbox/detect.h"
#include "onemcp/common/text.h"

namespace onemcp::sandbox {
namespace {

void noteMcpDependency(PythonManifest& m) {
  for (const auto& dep : m.dependencies) {
    std::string name = toLowerAscii(requirementName(dep));
    if (name == "mcp" || name == "fastmcp") {
      m.mcp_dependency = name;
      return;
    }
  }
}

void readScriptsTable(const toml::table* table, std::map<std::string, std::string>& out) {
  if (table == nullptr) return;
  for (const auto& [key, value] : *table) {
    if (auto s = value.value<std::string>()) out[std::string(key.str())] = *s;
  }
}

void readPoetry(const toml::table& root, PythonManifest& m) {
  const auto* poetry = root["tool"]["poetry"].as_table();
  if (poetry == nullptr) return;
  if (m.name.empty()) m.name = (*poetry)["name"].value_or(std::string());
  if (m.version.empty()) m.version = (*poetry)["version"].value_or(std::string());
  if (m.scripts.empty()) readScriptsTable((*poetry)["scripts"].as_table(), m.scripts);
  if (const auto* deps = (*poetry)["dependencies"].as_table()) {
    for (const auto& [key, value] : *deps) {
      if (key.str() != "python") m.dependencies.emplace_back(key.str());
    }
  }
}

// name="x" / name = 'x' as a call keyword: the first literal after `key =`.
std::string keywordString(std::string_view text, std::string_view key) {
  std::size_t pos = 0;
  while ((pos = text.find(key, pos)) != std::string_view::npos) {
    bool word_start = pos == 0 || !(std::isalnum(static_cast<unsigned char>(text[pos - 1])) || text[pos - 1] == '_');
    std::size_t i = pos + key.size();
    pos = i;
    if (!word_start) continue;
    while (i < text.size() && (text[i] == ' ' || text[i] == '\t')) ++i;
    if (i >= text.size() || text[i] != '=') continue;
    ++i;
    while (i < text.size() && (text[i] == ' ' || text[i] == '\t')) ++i;
    if (i >= text.size() || (text[i] != '"' && text[i] != '\'')) continue;
    char quote = text[i];
    auto close = text.find(quote, i + 1);
    if (close == std::string_view::npos) return {};
    return std::string(text.substr(i + 1, close - i - 1));
  }
  return {};
}

// Every '...' or "..." literal in order.
std::vector<std::string> quotedStrings(std::string_view text) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '"' && text[i] != '\'') continue;
    auto close = text.find(text[i], i + 1);
    if (close == std::string_view::npos) break;
    out.emplace_back(text.substr(i + 1, close - i - 1));
    i = close;
  }
  return out;
}

}  // namespace

std::string requirementName(std::string_view requirement) {
  std::string req = trim(requirement);
  std::size_t end = 0;
  while (end < req.size() && (std::isalnum(static_cast<unsigned char>(req[end])) || req[end] == '-' ||
                              req[end] == '_' || req[end] == '.')) {
    ++end;
  }
  return req.substr(0, end);
}

Result<PythonManifest> parsePyproject(std::string_view text) {
  toml::table root;
  try {
    root = toml::parse(text);
  } catch (const toml::parse_error& e) {
    return fail(ErrorCode::kInvalidInput,
                "pyproject.toml is not valid TOML: " + std::string(e.description()));
  }
  PythonManifest m;
  if (const auto* project = root["project"].as_table()) {
    m.name = (*project)["name"].value_or(std::string());
    m.version = (*project)["version"].value_or(std::string());
    m.requires_python = (*project)["requires-python"].value_or(std::string());
    readScriptsTable((*project)["scripts"].as_table(), m.scripts);
    if (const auto* deps = (*project)["dependencies"].as_array()) {
      for (const auto& d : *deps) {
        if (auto s = d.value<std::string>()) m.dependencies.push_back(*s);
      }
    }
  }
  readPoetry(root, m);
  noteMcpDependency(m);
  return m;
}

Result<PythonManifest> parseSetupCfg(std::string_view text) {
  PythonManifest m;
  std::istringstream in{std::string(text)};
  std::string line;
  std::string section;
  std::string key;  // the key whose continuation lines follow
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    std::string t = trim(line);
    if (t.empty() || t[0] == '#' || t[0] == ';') continue;
    if (t.front() == '[' && t.back() == ']') {
      section = toLowerAscii(t.substr(1, t.size() - 2));
      key.clear();
      continue;
    }
    bool continuation = std::isspace(static_cast<unsigned char>(line[0])) != 0 && !key.empty();
    std::string value = t;
    if (!continuation) {
      auto eq = t.find_first_of("=:");
      if (eq == std::string::npos) continue;
      key = toLowerAscii(trim(t.substr(0, eq)));
      value = trim(t.substr(eq + 1));
      if (section == "metadata" && key == "name") m.name = value;
      if (section == "metadata" && key == "version") m.version = value;
      if (section == "options" && key == "python_requires") m.requires_python = value;
      if (value.empty()) continue;
    }
    if (section == "options" && key == "install_requires") m.dependencies.push_back(value);
    if (section == "options.entry_points" && key == "console_scripts") {
      auto eq = value.find('=');
      if (eq != std::string::npos) m.scripts[trim(value.substr(0, eq))] = trim(value.substr(eq + 1));
    }
  }
  noteMcpDependency(m);
  return m;
}

PythonManifest parseSetupPy(std::string_view text) {
  PythonManifest m;
  m.name = keywordString(text, "name");
  m.version = keywordString(text, "version");
  if (auto pos = text.find("console_scripts"); pos != std::string_view::npos) {
    std::string_view rest = text.substr(pos + 15);
    auto open = rest.find('[');
    rest = open == std::string_view::npos ? std::string_view() : rest.substr(open + 1);
    rest = rest.substr(0, rest.find(']'));
    for (const auto& entry : quotedStrings(rest)) {
      auto eq = entry.find('=');
      if (eq == std::string::npos || entry.find(':') == std::string::npos) continue;
      std::string target = trim(std::string_view(entry).substr(eq + 1));
      target.erase(std::remove_if(target.begin(), target.end(), ::isspace), target.end());
      m.scripts[trim(std::string_view(entry).substr(0, eq))] = target;
    }
  }
  if (auto pos = text.find("install_requires"); pos != std::string_view::npos) {
    std::string_view rest = text.substr(pos);
    auto open = rest.find('[');
    if (open != std::string_view::npos) {
      rest = rest.substr(open + 1);
      m.dependencies = quotedStrings(rest.substr(0, rest.find(']')));
    }
  }
  noteMcpDependency(m);
  return m;
}

}  // namespace onemcp::sandbox
