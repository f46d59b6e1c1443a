// Parsing one catalogue entry into records. nlohmann::ordered_json keeps member order,
// so a wrapped server.json is written back with its fields as the publisher wrote them.
#include <nlohmann/json.hpp>

#include "onemcp/registry/catalog_import.h"

namespace onemcp::registry {
namespace {

using Json = nlohmann::ordered_json;

Unexpected bad(const std::string& message) { return fail(ErrorCode::kInvalidInput, message); }

Result<std::string> optionalString(const Json& doc, const char* key, const char* where) {
  const auto it = doc.find(key);
  if (it == doc.end() || it->is_null()) return std::string();
  if (!it->is_string()) return bad(std::string(where) + ": \"" + key + "\" must be a string");
  return it->get<std::string>();
}

Result<std::string> optionalArray(const Json& doc, const char* key, const char* where) {
  const auto it = doc.find(key);
  if (it == doc.end() || it->is_null()) return std::string("[]");
  if (!it->is_array()) return bad(std::string(where) + ": \"" + key + "\" must be an array");
  return it->dump();
}

// Fills the record's columns from a server.json document.
Result<void> readServerJson(const Json& doc, ServerRecord& s) {
  constexpr const char* kWhere = "server.json";
  if (!doc.is_object()) return bad("server.json must be a JSON object");
  const auto name = doc.find("name");
  if (name == doc.end()) return bad("server.json: \"name\" is missing");
  if (!name->is_string() || name->get_ref<const std::string&>().empty()) {
    return bad("server.json: \"name\" must be a non-empty string");
  }
  s.name = name->get<std::string>();
  auto title = optionalString(doc, "title", kWhere);
  auto description = optionalString(doc, "description", kWhere);
  auto version = optionalString(doc, "version", kWhere);
  auto packages = optionalArray(doc, "packages", kWhere);
  auto remotes = optionalArray(doc, "remotes", kWhere);
  for (auto* r : {&title, &description, &version, &packages, &remotes}) {
    if (!*r) return fail(r->error());
  }
  s.title = *title;
  s.description = *description;
  s.version = *version;
  s.packages_json = *packages;
  s.remotes_json = *remotes;
  s.versions_json = s.version.empty() ? "[]" : Json::array({s.version}).dump();
  if (const auto repo = doc.find("repository"); repo != doc.end() && !repo->is_null()) {
    if (!repo->is_object()) return bad("server.json: \"repository\" must be an object");
    auto url = optionalString(*repo, "url", "server.json repository");
    if (!url) return fail(std::move(url).error());
    s.repository = *url;
  }
  return {};
}

Result<std::vector<ToolRecord>> readTools(const Json& tools, const std::string& server_id) {
  if (!tools.is_array()) return bad("\"tools\" must be an array of tool definitions");
  std::vector<ToolRecord> out;
  for (const auto& t : tools) {
    if (!t.is_object()) return bad("a tool definition must be an object");
    const auto name = t.find("name");
    if (name == t.end() || !name->is_string())
      return bad("a tool definition has no string \"name\"");
    auto description = optionalString(t, "description", "tool definition");
    if (!description) return fail(std::move(description).error());
    out.push_back(ToolRecord{server_id, name->get<std::string>(), *description, t.dump(), {}});
  }
  return out;
}

}  // namespace

Result<CatalogEntry> parseCatalogEntry(std::string_view text, const ImportOptions& options) {
  if (text.size() > options.max_entry_bytes) {
    return fail(ErrorCode::kTooLarge, "entry is " + std::to_string(text.size()) +
                                          " bytes, over the limit of " +
                                          std::to_string(options.max_entry_bytes));
  }
  const Json doc = Json::parse(text, nullptr, false);
  if (doc.is_discarded()) return bad("not valid JSON");
  if (!doc.is_object()) return bad("expected a JSON object (a server.json)");
  CatalogEntry entry;
  ServerRecord& s = entry.server;
  const Json* server = &doc;
  const auto wrapped = doc.find("server");
  const auto row = doc.find("server_json");
  if (wrapped != doc.end() && wrapped->is_object()) {
    server = &*wrapped;
  } else if (row != doc.end() && row->is_object()) {
    server = &*row;
  }
  ONEMCP_TRY(readServerJson(*server, s));
  if (server == &doc) {
    // A bare server.json: keep the publisher's bytes, unknown fields and all.
    const auto end = text.find_last_not_of(" \t\r\n");
    s.server_json = std::string(text.substr(0, end == std::string_view::npos ? 0 : end + 1));
  } else {
    s.server_json = server->dump();
  }
  s.id = options.id_prefix + s.name;
  s.source = options.source;
  if (server != &doc) {
    auto id = optionalString(doc, "id", "entry");
    auto source = optionalString(doc, "source", "entry");
    if (!id) return fail(std::move(id).error());
    if (!source) return fail(std::move(source).error());
    if (!id->empty()) s.id = *id;
    if (!source->empty()) s.source = *source;
  }
  for (const char* key : {"meta", "_meta"}) {
    const auto meta = doc.find(key);
    if (server != &doc && meta != doc.end() && meta->is_object()) s.meta_json = meta->dump();
  }
  if (const auto tools = doc.find("tools"); server != &doc && tools != doc.end()) {
    auto parsed = readTools(*tools, s.id);
    if (!parsed) return fail(std::move(parsed).error());
    entry.tools = std::move(parsed).value();
  }
  return entry;
}

}  // namespace onemcp::registry
