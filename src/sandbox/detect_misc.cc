// Dockerfile, smithery.yaml, go.mod, Cargo.toml, .env.example.
#include <array>
#include <cctype>
#include <sstream>

#include <toml++/toml.h>
#include <yaml-cpp/yaml.h>

#include "onemcp/sandbox/detect.h"
#include "onemcp/common/text.h"

namespace onemcp::sandbox {
namespace {

using nlohmann::json;

// Joins backslash-continued lines; drops comments.
std::vector<std::string> logicalLines(std::string_view text) {
  std::vector<std::string> out;
  std::istringstream in{std::string(text)};
  std::string line;
  std::string pending;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    std::string t = trim(line);
    if (t.empty() || t[0] == '#') continue;
    if (t.back() == '\\') {
      pending += t.substr(0, t.size() - 1) + " ";
      continue;
    }
    out.push_back(pending + t);
    pending.clear();
  }
  if (!pending.empty()) out.push_back(pending);
  return out;
}

// ["a", "b"] exec form, or the shell form run by /bin/sh -c.
std::vector<std::string> dockerCommand(const std::string& rest) {
  if (!rest.empty() && rest[0] == '[') {
    json j = json::parse(rest, nullptr, false);
    std::vector<std::string> argv;
    if (j.is_array()) {
      for (const auto& a : j) {
        if (a.is_string()) argv.push_back(a.get<std::string>());
      }
      return argv;
    }
  }
  if (rest.empty()) return {};
  return {"/bin/sh", "-c", rest};
}

std::vector<std::string> stringsIn(std::string_view text) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char q = text[i];
    if (q != '"' && q != '\'' && q != '`') continue;
    auto close = text.find(q, i + 1);
    if (close == std::string_view::npos) break;
    out.emplace_back(text.substr(i + 1, close - i - 1));
    i = close;
  }
  return out;
}

// commandFunction: (config) => ({ command: 'node', args: ['dist/index.js'] })
std::vector<std::string> commandFromFunction(std::string_view fn) {
  std::vector<std::string> argv;
  auto cmd = fn.find("command");
  if (cmd == std::string_view::npos) return argv;
  auto words = stringsIn(fn.substr(cmd, fn.find_first_of(",}", cmd) - cmd));
  if (words.empty()) return argv;
  argv.push_back(words.front());
  auto args = fn.find("args", cmd);
  if (args != std::string_view::npos) {
    auto open = fn.find('[', args);
    auto close = open == std::string_view::npos ? open : fn.find(']', open);
    if (close != std::string_view::npos) {
      for (auto& w : stringsIn(fn.substr(open, close - open))) argv.push_back(std::move(w));
    }
  }
  return argv;
}

}  // namespace

bool looksSecret(std::string_view name) {
  std::string n = toUpperAscii(std::string(name));
  static constexpr std::array<std::string_view, 10> kMarks{
      "TOKEN", "SECRET", "PASSWORD", "PASSWD", "API_KEY", "APIKEY", "CREDENTIAL", "PRIVATE_KEY",
      "ACCESS_KEY", "AUTH"};
  for (auto mark : kMarks) {
    if (n.find(mark) != std::string::npos) return true;
  }
  return n.size() > 4 && n.ends_with("_KEY");
}

DockerfileInfo parseDockerfile(std::string_view text) {
  DockerfileInfo info;
  for (const auto& line : logicalLines(text)) {
    auto space = line.find_first_of(" \t");
    std::string instr = toUpperAscii(line.substr(0, space));
    std::string rest = space == std::string::npos ? std::string() : trim(line.substr(space));
    if (instr == "FROM") {
      info.base_image = rest.substr(0, rest.find(' '));
      info.entrypoint.clear();
      info.cmd.clear();
      info.exposed_ports.clear();
    } else if (instr == "ENTRYPOINT") {
      info.entrypoint = dockerCommand(rest);
    } else if (instr == "CMD") {
      info.cmd = dockerCommand(rest);
    } else if (instr == "EXPOSE") {
      for (const auto& word : splitShellWords(rest)) {
        unsigned port = 0;
        std::size_t i = 0;
        while (i < word.size() && std::isdigit(static_cast<unsigned char>(word[i])) && port < 70000) {
          port = port * 10 + static_cast<unsigned>(word[i++] - '0');
        }
        if (i > 0 && port > 0 && port < 65536) info.exposed_ports.push_back(static_cast<std::uint16_t>(port));
      }
    } else if (instr == "ENV" || instr == "ARG") {
      std::string name = rest.substr(0, rest.find_first_of("= \t"));
      if (!name.empty() && instr == "ENV") info.env_names.push_back(name);
    }
  }
  return info;
}

Result<SmitheryInfo> parseSmithery(std::string_view text) {
  SmitheryInfo info;
  try {
    YAML::Node root = YAML::Load(std::string(text));
    if (!root.IsMap()) return fail(ErrorCode::kInvalidInput, "smithery.yaml is not a mapping");
    YAML::Node start = root["startCommand"];
    if (!start || !start.IsMap()) return info;
    if (start["type"] && start["type"].IsScalar()) info.type = start["type"].as<std::string>();
    if (start["commandFunction"] && start["commandFunction"].IsScalar()) {
      info.command = commandFromFunction(start["commandFunction"].as<std::string>());
    }
    YAML::Node schema = start["configSchema"];
    if (schema && schema.IsMap()) {
      if (schema["required"] && schema["required"].IsSequence()) {
        for (const auto& r : schema["required"]) {
          if (r.IsScalar()) info.required_config.push_back(r.as<std::string>());
        }
      }
      if (schema["properties"] && schema["properties"].IsMap()) {
        for (const auto& p : schema["properties"]) {
          if (!p.first.IsScalar()) continue;
          std::string desc;
          if (p.second.IsMap() && p.second["description"] && p.second["description"].IsScalar()) {
            desc = p.second["description"].as<std::string>();
          }
          info.config_descriptions[p.first.as<std::string>()] = desc;
        }
      }
    }
  } catch (const YAML::Exception& e) {
    return fail(ErrorCode::kInvalidInput, std::string("smithery.yaml: ") + e.what());
  }
  return info;
}

std::string parseGoModule(std::string_view text) {
  for (const auto& line : logicalLines(text)) {
    if (line.starts_with("module ")) return trim(std::string_view(line).substr(7));
  }
  return {};
}

Result<CargoInfo> parseCargoToml(std::string_view text) {
  CargoInfo info;
  try {
    toml::table root = toml::parse(text);
    info.name = root["package"]["name"].value_or(std::string());
    if (const auto* bins = root["bin"].as_array()) {
      for (const auto& b : *bins) {
        if (const auto* t = b.as_table()) {
          if (auto n = (*t)["name"].value<std::string>()) info.bins.push_back(*n);
        }
      }
    }
  } catch (const toml::parse_error& e) {
    return fail(ErrorCode::kInvalidInput, "Cargo.toml is not valid TOML: " + std::string(e.description()));
  }
  return info;
}

std::vector<EnvHint> parseEnvExample(std::string_view text) {
  std::vector<EnvHint> out;
  std::istringstream in{std::string(text)};
  std::string line;
  std::string comment;  // a comment line just above describes the variable
  while (std::getline(in, line)) {
    std::string t = trim(line);
    if (t.starts_with("export ")) t = trim(std::string_view(t).substr(7));
    if (t.empty()) {
      comment.clear();
      continue;
    }
    if (t[0] == '#') {
      comment = trim(std::string_view(t).substr(1));
      continue;
    }
    auto eq = t.find('=');
    if (eq == std::string::npos || eq == 0) continue;
    EnvHint hint;
    hint.name = trim(std::string_view(t).substr(0, eq));
    std::string value = trim(std::string_view(t).substr(eq + 1));
    if (auto hash = value.find(" #"); hash != std::string::npos) {
      comment = trim(std::string_view(value).substr(hash + 2));
      value = trim(std::string_view(value).substr(0, hash));
    }
    if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') && value.back() == value.front()) {
      value = value.substr(1, value.size() - 2);
    }
    hint.description = comment;
    hint.secret = looksSecret(hint.name);
    std::string lowered = comment;
    for (auto& c : lowered) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    bool optional = lowered.find("optional") != std::string::npos;
    bool placeholder = value.empty() || value.find("your") != std::string::npos || value.find("xxx") != std::string::npos ||
                       value.find('<') != std::string::npos || value.find("...") != std::string::npos;
    hint.required = !optional && (hint.secret || placeholder);
    if (!hint.secret && !placeholder) hint.value = value;
    out.push_back(std::move(hint));
    comment.clear();
  }
  return out;
}

}  // namespace onemcp::sandbox
