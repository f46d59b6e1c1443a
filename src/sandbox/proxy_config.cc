#include "onemcp/sandbox/proxy_config.h"

#include <nlohmann/json.hpp>

namespace onemcp::sandbox {
namespace {

using nlohmann::json;

Error bad(const std::string& server, const std::string& what) {
  return Error(ErrorCode::kInvalidInput, "server '" + server + "': " + what);
}

Result<std::string> expandField(const json& value, const std::string& server,
                                const std::string& field, const VariableLookup& lookup) {
  if (!value.is_string()) return fail(bad(server, field + " must be a string"));
  auto out = expandVariables(value.get_ref<const std::string&>(), lookup);
  if (!out) return fail(bad(server, field + ": " + out.error().message));
  return out;
}

Result<std::map<std::string, std::string>> stringMap(const json& obj, const std::string& server,
                                                     const std::string& field,
                                                     const VariableLookup& lookup) {
  std::map<std::string, std::string> out;
  if (!obj.is_object()) return fail(bad(server, field + " must be an object of strings"));
  for (const auto& [key, value] : obj.items()) {
    json text = value;
    if (value.is_number() || value.is_boolean()) text = value.dump();  // "PORT": 8080
    auto expanded = expandField(text, server, field + "." + key, lookup);
    if (!expanded) return fail(expanded.error());
    out[key] = std::move(*expanded);
  }
  return out;
}

Result<ProxyServerConfig::Kind> kindOf(const json& entry, const std::string& server) {
  const bool has_command = entry.contains("command");
  const bool has_url = entry.contains("url");
  if (has_command && has_url) return fail(bad(server, "has both 'command' and 'url'; give one"));
  auto type = entry.find("type");
  if (type == entry.end()) {
    if (has_command) return ProxyServerConfig::Kind::kStdio;
    if (has_url) return ProxyServerConfig::Kind::kHttp;
    return fail(bad(server, "needs 'command' (stdio) or 'url' (http)"));
  }
  if (!type->is_string()) return fail(bad(server, "'type' must be a string"));
  const std::string t = type->get<std::string>();
  if (t == "stdio") {
    if (!has_command) return fail(bad(server, "type 'stdio' needs 'command'"));
    return ProxyServerConfig::Kind::kStdio;
  }
  if (t == "http" || t == "streamableHttp" || t == "streamable-http" || t == "sse") {
    if (!has_url) return fail(bad(server, "type '" + t + "' needs 'url'"));
    return t == "sse" ? ProxyServerConfig::Kind::kSse : ProxyServerConfig::Kind::kHttp;
  }
  return fail(bad(server, "unknown type '" + t + "' (stdio, http or sse)"));
}

Result<void> readOneMcpKeys(const json& entry, ProxyServerConfig& s) {
  if (auto p = entry.find("prefix"); p != entry.end()) {
    if (!p->is_string()) return fail(bad(s.name, "'prefix' must be a string"));
    s.prefix = p->get<std::string>();
  }
  if (auto t = entry.find("timeoutMs"); t != entry.end()) {
    if (!t->is_number_integer() || t->get<long long>() <= 0) {
      return fail(bad(s.name, "'timeoutMs' must be a positive integer"));
    }
    s.timeout = std::chrono::milliseconds(t->get<long long>());
  }
  if (auto m = entry.find("maxOutputBytes"); m != entry.end()) {
    if (!m->is_number_integer() || m->get<long long>() <= 0) {
      return fail(bad(s.name, "'maxOutputBytes' must be a positive integer"));
    }
    s.max_output_bytes = m->get<std::size_t>();
  }
  if (auto b = entry.find("sandbox"); b != entry.end()) {
    if (!b->is_boolean()) return fail(bad(s.name, "'sandbox' must be true or false"));
    s.sandbox = b->get<bool>();
  }
  if (auto n = entry.find("network"); n != entry.end()) {
    if (!n->is_boolean()) return fail(bad(s.name, "'network' must be true or false"));
    s.network = n->get<bool>();
  }
  if (auto g = entry.find("grants"); g != entry.end()) {
    if (!g->is_array()) return fail(bad(s.name, "'grants' must be an array of paths"));
    for (const auto& path : *g) {
      if (!path.is_string()) return fail(bad(s.name, "'grants' must be an array of paths"));
      s.grants.push_back(path.get<std::string>());
    }
  }
  return {};
}

Result<ProxyServerConfig> readServer(const std::string& name, const json& entry,
                                     const VariableLookup& lookup) {
  ProxyServerConfig s;
  s.name = name;
  if (!entry.is_object()) return fail(bad(name, "must be an object"));
  if (auto spec = entry.find("runSpec"); spec != entry.end()) {
    json with_name = *spec;
    if (with_name.is_object() && !with_name.contains("name")) with_name["name"] = name;
    auto parsed = parseRunSpec(with_name);
    if (!parsed) return fail(bad(name, "runSpec: " + parsed.error().message));
    s.run_spec = std::move(*parsed);
    if (auto r = readOneMcpKeys(entry, s); !r) return fail(r.error());
    return s;
  }
  auto kind = kindOf(entry, name);
  if (!kind) return fail(kind.error());
  s.kind = *kind;
  if (s.kind == ProxyServerConfig::Kind::kStdio) {
    auto command = expandField(entry.at("command"), name, "command", lookup);
    if (!command) return fail(command.error());
    if (command->empty()) return fail(bad(name, "'command' is empty"));
    s.command = std::move(*command);
    if (auto args = entry.find("args"); args != entry.end()) {
      if (!args->is_array()) return fail(bad(name, "'args' must be an array of strings"));
      for (std::size_t i = 0; i < args->size(); ++i) {
        auto arg = expandField((*args)[i], name, "args[" + std::to_string(i) + "]", lookup);
        if (!arg) return fail(arg.error());
        s.args.push_back(std::move(*arg));
      }
    }
    if (auto env = entry.find("env"); env != entry.end() && !env->is_null()) {
      auto values = stringMap(*env, name, "env", lookup);
      if (!values) return fail(values.error());
      s.env = std::move(*values);
    }
    if (auto cwd = entry.find("cwd"); cwd != entry.end()) {
      auto dir = expandField(*cwd, name, "cwd", lookup);
      if (!dir) return fail(dir.error());
      s.cwd = std::move(*dir);
    }
  } else {
    auto url = expandField(entry.at("url"), name, "url", lookup);
    if (!url) return fail(url.error());
    if (url->rfind("http://", 0) != 0 && url->rfind("https://", 0) != 0) {
      return fail(bad(name, "'url' must start with http:// or https://"));
    }
    s.url = std::move(*url);
    if (auto headers = entry.find("headers"); headers != entry.end()) {
      auto values = stringMap(*headers, name, "headers", lookup);
      if (!values) return fail(values.error());
      for (auto& [k, v] : *values) s.headers.emplace_back(k, std::move(v));
    }
  }
  if (auto r = readOneMcpKeys(entry, s); !r) return fail(r.error());
  return s;
}

}  // namespace

Result<std::string> expandVariables(std::string_view text, const VariableLookup& lookup) {
  std::string out;
  std::size_t i = 0;
  while (i < text.size()) {
    auto start = text.find("${", i);
    if (start == std::string_view::npos) {
      out.append(text.substr(i));
      break;
    }
    out.append(text.substr(i, start - i));
    auto end = text.find('}', start + 2);
    if (end == std::string_view::npos) {
      return fail(ErrorCode::kInvalidInput, "unterminated '${' in '" + std::string(text) + "'");
    }
    const std::string_view name = text.substr(start + 2, end - start - 2);
    auto value = lookup ? lookup(name) : std::nullopt;
    if (!value) {
      std::string hint;
      if (name.rfind("input:", 0) == 0) {
        hint = " (set ONEMCP_INPUT_" + std::string(name.substr(6)) + " in the environment)";
      }
      return fail(ErrorCode::kInvalidInput, "${" + std::string(name) + "} has no value" + hint);
    }
    out.append(*value);
    i = end + 1;
  }
  return out;
}

Result<ProxyConfig> parseProxyConfig(std::string_view json_text, const VariableLookup& lookup) {
  json doc = json::parse(json_text, nullptr, /*allow_exceptions=*/false, /*ignore_comments=*/true);
  if (doc.is_discarded()) {
    return fail(ErrorCode::kInvalidInput, "the configuration is not valid JSON (comments are allowed)");
  }
  if (!doc.is_object()) return fail(ErrorCode::kInvalidInput, "the configuration must be a JSON object");
  const json* servers = nullptr;
  if (auto it = doc.find("mcpServers"); it != doc.end()) servers = &*it;
  else if (auto s = doc.find("servers"); s != doc.end()) servers = &*s;
  else if (auto m = doc.find("mcp"); m != doc.end() && m->is_object() && m->contains("servers")) {
    servers = &m->at("servers");
  }
  if (servers == nullptr) {
    return fail(ErrorCode::kInvalidInput,
                "no servers found: expected an 'mcpServers' object (Claude, Cursor) or a "
                "'servers' object (VS Code mcp.json)");
  }
  if (!servers->is_object()) {
    return fail(ErrorCode::kInvalidInput, "'mcpServers'/'servers' must be an object of servers");
  }
  ProxyConfig config;
  for (const auto& [name, entry] : servers->items()) {
    if (name.empty()) return fail(ErrorCode::kInvalidInput, "a server has an empty name");
    if (entry.is_object() && entry.value("disabled", false)) {
      config.notes.push_back("'" + name + "' is disabled in the configuration");
      continue;
    }
    auto server = readServer(name, entry, lookup);
    if (!server) return fail(server.error());
    config.servers.push_back(std::move(*server));
  }
  return config;
}

}  // namespace onemcp::sandbox
