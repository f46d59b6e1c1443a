#include "onemcp/registry/api_json.h"

namespace onemcp::registry {

nlohmann::ordered_json serverEntryJson(const ServerRecord& server) {
  using Json = nlohmann::ordered_json;
  Json doc = Json::parse(server.server_json, nullptr, false);
  if (doc.is_discarded()) doc = Json::object();  // the store validated it; never expected
  Json meta = Json::object();
  meta["id"] = server.id;
  meta["source"] = server.source;
  meta["changeVersion"] = server.change_version;
  if (!server.flags.empty()) meta["flags"] = server.flags;
  Json annotations = Json::parse(server.meta_json, nullptr, false);
  if (annotations.is_object() && !annotations.empty()) meta["annotations"] = std::move(annotations);
  Json entry = Json::object();
  entry["server"] = std::move(doc);
  entry["_meta"] = Json::object({{kMetaKey, std::move(meta)}});
  return entry;
}

nlohmann::ordered_json serverPageJson(const ServerPage& page) {
  using Json = nlohmann::ordered_json;
  Json servers = Json::array();
  for (const auto& s : page.servers) servers.push_back(serverEntryJson(s));
  Json metadata = Json::object();
  if (!page.next_cursor.empty()) metadata["nextCursor"] = page.next_cursor;
  metadata["count"] = page.servers.size();
  return Json::object({{"servers", std::move(servers)}, {"metadata", std::move(metadata)}});
}

nlohmann::ordered_json searchAnswerJson(const RegistryAnswer& answer) {
  using Json = nlohmann::ordered_json;
  Json servers = Json::array();
  for (const auto& m : answer.servers) {
    Json tools = Json::array();
    for (const auto& t : m.tools) {
      tools.push_back({{"name", t.name}, {"description", t.description}, {"score", t.score}});
    }
    Json j = {{"id", m.id},
              {"name", m.name},
              {"title", m.title},
              {"description", m.description},
              {"source", m.source},
              {"score", m.score},
              {"verified", m.verified},
              {"tools", std::move(tools)}};
    if (!m.flags.empty()) j["flags"] = m.flags;
    servers.push_back(std::move(j));
  }
  return Json{{"servers", std::move(servers)}, {"catalogVersion", answer.catalog_version}};
}

}  // namespace onemcp::registry
