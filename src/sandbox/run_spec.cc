#include "onemcp/sandbox/run_spec.h"

#include <array>
#include <utility>

namespace onemcp::sandbox {
namespace {

using nlohmann::json;

template <typename E, std::size_t N>
std::optional<E> enumFrom(std::string_view text, const std::array<std::pair<E, std::string_view>, N>& table) {
  for (const auto& [value, name] : table) {
    if (name == text) return value;
  }
  return std::nullopt;
}

constexpr std::array<std::pair<Runtime, std::string_view>, 4> kRuntimes{{
    {Runtime::kNode, "node"}, {Runtime::kPython, "python"},
    {Runtime::kImage, "image"}, {Runtime::kBinary, "binary"}}};
constexpr std::array<std::pair<TransportKind, std::string_view>, 3> kTransports{{
    {TransportKind::kStdio, "stdio"}, {TransportKind::kHttp, "http"}, {TransportKind::kSse, "sse"}}};
constexpr std::array<std::pair<InstallKind, std::string_view>, 3> kInstalls{{
    {InstallKind::kNone, "none"}, {InstallKind::kNpm, "npm"}, {InstallKind::kPip, "pip"}}};

template <typename E, std::size_t N>
std::string_view nameOf(E value, const std::array<std::pair<E, std::string_view>, N>& table) {
  for (const auto& [v, name] : table) {
    if (v == value) return name;
  }
  return "unknown";
}

Error fieldError(std::string_view field, std::string_view what) {
  return Error(ErrorCode::kInvalidInput,
               "run spec field '" + std::string(field) + "': " + std::string(what));
}

Result<std::string> stringField(const json& j, const char* key, bool required) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) {
    if (required) return fail(fieldError(key, "missing"));
    return std::string();
  }
  if (!it->is_string()) return fail(fieldError(key, "must be a string"));
  return it->get<std::string>();
}

Result<std::vector<std::string>> stringArray(const json& j, const char* key) {
  std::vector<std::string> out;
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return out;
  if (!it->is_array()) return fail(fieldError(key, "must be an array of strings"));
  for (const auto& v : *it) {
    if (!v.is_string()) return fail(fieldError(key, "must be an array of strings"));
    out.push_back(v.get<std::string>());
  }
  return out;
}

}  // namespace

std::string_view toString(Runtime r) { return nameOf(r, kRuntimes); }
std::string_view toString(TransportKind t) { return nameOf(t, kTransports); }
std::string_view toString(InstallKind k) { return nameOf(k, kInstalls); }

void to_json(json& j, const RunSpec& s) {
  j = s.extra.is_object() ? s.extra : json::object();
  j["version"] = s.version;
  j["name"] = s.name;
  j["runtime"] = toString(s.runtime);
  if (!s.image.empty()) j["image"] = s.image;
  if (!s.build_context.empty()) j["build_context"] = s.build_context;
  if (s.node_major) j["node_major"] = *s.node_major;
  json install = {{"kind", toString(s.install.kind)}, {"packages", s.install.packages}};
  if (s.install.from_source) install["from_source"] = true;
  if (!s.install.build_command.empty()) install["build_command"] = s.install.build_command;
  if (!s.install.pinned_not_served.empty()) install["pinned_not_served"] = s.install.pinned_not_served;
  j["install"] = std::move(install);
  j["command"] = s.command;
  if (!s.working_dir.empty()) j["working_dir"] = s.working_dir;
  json env = json::array();
  for (const auto& e : s.env) {
    json v = {{"name", e.name}, {"required", e.required}, {"secret", e.secret}};
    if (!e.description.empty()) v["description"] = e.description;
    if (e.value && !e.secret) v["value"] = *e.value;
    env.push_back(std::move(v));
  }
  j["env"] = std::move(env);
  json transport = {{"kind", toString(s.transport.kind)}};
  if (s.transport.kind != TransportKind::kStdio) {
    transport["port"] = s.transport.port;
    transport["path"] = s.transport.path;
  }
  j["transport"] = std::move(transport);
  j["network"] = s.network;
  json grants = json::array();
  for (const auto& g : s.grants) {
    grants.push_back({{"host_path", g.host_path},
                      {"container_path", g.container_path},
                      {"read_write", g.read_write}});
  }
  j["grants"] = std::move(grants);
  json evidence = json::array();
  for (const auto& e : s.evidence) {
    evidence.push_back({{"field", e.field}, {"source", e.source}, {"detail", e.detail}});
  }
  j["evidence"] = std::move(evidence);
  if (!s.source.empty()) j["source"] = s.source;
  if (!s.notes.empty()) j["notes"] = s.notes;
}

namespace {

Result<RunSpec> parseChecked(const json& j) {
  if (!j.is_object()) return fail(ErrorCode::kInvalidInput, "run spec must be a JSON object");
  RunSpec s;
  static const std::array<std::string_view, 16> kKnown{
      "version", "name",   "runtime",   "image",  "node_major", "install", "command",
      "working_dir", "env", "transport", "network", "grants",     "evidence", "source", "notes",
      "build_context"};
  for (const auto& [key, value] : j.items()) {
    bool known = false;
    for (auto k : kKnown) known = known || k == key;
    if (!known) s.extra[key] = value;
  }
  if (auto it = j.find("version"); it != j.end()) {
    if (!it->is_number_integer()) return fail(fieldError("version", "must be an integer"));
    s.version = it->get<int>();
    if (s.version > kRunSpecVersion) {
      return fail(fieldError("version", "version " + std::to_string(s.version) +
                                            " is newer than this OneMCP understands (" +
                                            std::to_string(kRunSpecVersion) + ")"));
    }
  }
  auto name = stringField(j, "name", true);
  if (!name) return fail(name.error());
  if (name->empty()) return fail(fieldError("name", "must not be empty"));
  s.name = *name;

  auto runtime = stringField(j, "runtime", true);
  if (!runtime) return fail(runtime.error());
  auto rt = enumFrom(*runtime, kRuntimes);
  if (!rt) return fail(fieldError("runtime", "unknown runtime '" + *runtime + "' (node, python, image, binary)"));
  s.runtime = *rt;

  auto image = stringField(j, "image", s.runtime == Runtime::kImage);
  if (!image) return fail(image.error());
  s.image = *image;
  auto context = stringField(j, "build_context", false);
  if (!context) return fail(context.error());
  s.build_context = *context;
  auto node_major = stringField(j, "node_major", false);
  if (!node_major) return fail(node_major.error());
  if (!node_major->empty()) s.node_major = *node_major;

  if (auto it = j.find("install"); it != j.end() && !it->is_null()) {
    if (!it->is_object()) return fail(fieldError("install", "must be an object"));
    auto kind = stringField(*it, "kind", true);
    if (!kind) return fail(kind.error().wrap("install"));
    auto k = enumFrom(*kind, kInstalls);
    if (!k) return fail(fieldError("install.kind", "unknown kind '" + *kind + "' (none, npm, pip)"));
    s.install.kind = *k;
    auto pk = stringArray(*it, "packages");
    if (!pk) return fail(pk.error().wrap("install"));
    s.install.packages = std::move(*pk);
    if (auto fs = it->find("from_source"); fs != it->end()) {
      if (!fs->is_boolean()) return fail(fieldError("install.from_source", "must be true or false"));
      s.install.from_source = fs->get<bool>();
    }
    auto build = stringArray(*it, "build_command");
    if (!build) return fail(build.error().wrap("install"));
    s.install.build_command = std::move(*build);
    if (auto pin = it->find("pinned_not_served"); pin != it->end()) {
      if (!pin->is_string()) return fail(fieldError("install.pinned_not_served", "must be a string"));
      s.install.pinned_not_served = pin->get<std::string>();
    }
  }

  auto command = stringArray(j, "command");
  if (!command) return fail(command.error());
  s.command = std::move(*command);
  if (s.command.empty() && s.runtime != Runtime::kImage) {
    return fail(fieldError("command", "missing or empty"));
  }
  auto wd = stringField(j, "working_dir", false);
  if (!wd) return fail(wd.error());
  s.working_dir = *wd;

  if (auto it = j.find("env"); it != j.end() && !it->is_null()) {
    if (!it->is_array()) return fail(fieldError("env", "must be an array"));
    for (const auto& e : *it) {
      if (!e.is_object()) return fail(fieldError("env", "entries must be objects"));
      auto n = stringField(e, "name", true);
      if (!n) return fail(n.error().wrap("env"));
      EnvVar v;
      v.name = *n;
      v.required = e.value("required", false);
      v.secret = e.value("secret", false);
      auto d = stringField(e, "description", false);
      if (!d) return fail(d.error().wrap("env"));
      v.description = *d;
      if (auto val = e.find("value"); val != e.end() && val->is_string()) v.value = val->get<std::string>();
      s.env.push_back(std::move(v));
    }
  }

  if (auto it = j.find("transport"); it != j.end() && !it->is_null()) {
    if (!it->is_object()) return fail(fieldError("transport", "must be an object"));
    auto kind = stringField(*it, "kind", true);
    if (!kind) return fail(kind.error().wrap("transport"));
    auto k = enumFrom(*kind, kTransports);
    if (!k) return fail(fieldError("transport.kind", "unknown kind '" + *kind + "' (stdio, http, sse)"));
    s.transport.kind = *k;
    if (s.transport.kind != TransportKind::kStdio) {
      auto p = it->find("port");
      if (p == it->end() || !p->is_number_unsigned() || p->get<unsigned>() == 0 || p->get<unsigned>() > 65535) {
        return fail(fieldError("transport.port", "an http transport needs a port 1-65535"));
      }
      s.transport.port = static_cast<std::uint16_t>(p->get<unsigned>());
      auto path = stringField(*it, "path", false);
      if (!path) return fail(path.error().wrap("transport"));
      if (!path->empty()) s.transport.path = *path;
    }
  }
  if (auto it = j.find("network"); it != j.end()) {
    if (!it->is_boolean()) return fail(fieldError("network", "must be true or false"));
    s.network = it->get<bool>();
  }
  if (auto it = j.find("grants"); it != j.end() && !it->is_null()) {
    if (!it->is_array()) return fail(fieldError("grants", "must be an array"));
    for (const auto& g : *it) {
      if (!g.is_object()) return fail(fieldError("grants", "entries must be objects"));
      auto hp = stringField(g, "host_path", true);
      if (!hp) return fail(hp.error().wrap("grants"));
      auto cp = stringField(g, "container_path", false);
      if (!cp) return fail(cp.error().wrap("grants"));
      Grant grant{*hp, cp->empty() ? *hp : *cp, g.value("read_write", false)};
      s.grants.push_back(std::move(grant));
    }
  }
  if (auto it = j.find("evidence"); it != j.end() && it->is_array()) {
    for (const auto& e : *it) {
      if (!e.is_object()) continue;
      s.evidence.push_back({e.value("field", ""), e.value("source", ""), e.value("detail", "")});
    }
  }
  auto source = stringField(j, "source", false);
  if (!source) return fail(source.error());
  s.source = *source;
  auto notes = stringArray(j, "notes");
  if (!notes) return fail(notes.error());
  s.notes = std::move(*notes);
  return s;
}

}  // namespace

Result<RunSpec> parseRunSpec(const json& j) {
  // json::value() throws on a wrongly typed member ("required": "yes"); that is bad
  // input, not a crash.
  try {
    return parseChecked(j);
  } catch (const json::exception& e) {
    return fail(ErrorCode::kInvalidInput, std::string("run spec: ") + e.what());
  }
}

}  // namespace onemcp::sandbox
