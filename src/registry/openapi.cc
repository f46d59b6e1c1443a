// The OpenAPI 3.1 document of the registry API, built in code so that it ships with
// the binary and a test can check it against RegistryApi::routes().
#include "onemcp/registry/http_api.h"

namespace onemcp::registry {
namespace {

using Json = nlohmann::ordered_json;

Json ref(const std::string& name) { return {{"$ref", "#/components/schemas/" + name}}; }

Json jsonContent(const Json& schema) { return {{"application/json", {{"schema", schema}}}}; }

Json errorReply(const std::string& what) {
  return {{"description", what}, {"content", jsonContent(ref("Error"))}};
}

Json schemas() {
  Json s = Json::object();
  s["Error"] = {{"type", "object"},
                {"required", {"error"}},
                {"properties",
                 {{"error",
                   {{"type", "object"},
                    {"required", {"status", "code", "message"}},
                    {"properties",
                     {{"status", {{"type", "integer"}}},
                      {"code", {{"type", "string"}}},
                      {"message", {{"type", "string"}}}}}}}}}};
  s["ServerEntry"] = {
      {"type", "object"},
      {"description",
       "An official registry entry; _meta[\"io.onemcp/registry\"] adds id, source, "
       "runSpec, verification, verified and tools."},
      {"required", {"server", "_meta"}},
      {"properties", {{"server", {{"type", "object"}}}, {"_meta", {{"type", "object"}}}}}};
  s["ServerList"] = {
      {"type", "object"},
      {"required", {"servers", "metadata"}},
      {"properties",
       {{"servers", {{"type", "array"}, {"items", ref("ServerEntry")}}},
        {"metadata",
         {{"type", "object"},
          {"properties",
           {{"nextCursor", {{"type", "string"}}}, {"count", {{"type", "integer"}}}}}}}}}};
  s["SearchRequest"] = {
      {"type", "object"},
      {"required", {"query"}},
      {"additionalProperties", false},
      {"properties",
       {{"query", {{"type", "string"}, {"minLength", 1}, {"maxLength", 1024}}},
        {"k", {{"type", "integer"}, {"minimum", 1}, {"maximum", 100}, {"default", 10}}},
        {"tools", {{"type", "integer"}, {"minimum", 0}, {"maximum", 20}, {"default", 5}}},
        {"filters",
         {{"type", "object"},
          {"additionalProperties", false},
          {"properties",
           {{"verified", {{"type", "boolean"}}},
            {"includeFlagged", {{"type", "boolean"}}},
            {"withTools", {{"type", "boolean"}}},
            {"sources", {{"type", "array"}, {"items", {{"type", "string"}}}}}}}}}}}};
  s["ToolMatch"] = {{"type", "object"},
                    {"properties",
                     {{"name", {{"type", "string"}}},
                      {"description", {{"type", "string"}}},
                      {"score", {{"type", "number"}}}}}};
  s["ServerMatch"] = {{"type", "object"},
                      {"required", {"id", "name", "score", "verified", "tools"}},
                      {"properties",
                       {{"id", {{"type", "string"}}},
                        {"name", {{"type", "string"}}},
                        {"title", {{"type", "string"}}},
                        {"description", {{"type", "string"}}},
                        {"source", {{"type", "string"}}},
                        {"score", {{"type", "number"}}},
                        {"verified", {{"type", "boolean"}}},
                        {"flags", {{"type", "array"}, {"items", {{"type", "string"}}}}},
                        {"tools", {{"type", "array"}, {"items", ref("ToolMatch")}}}}}};
  s["SearchResponse"] = {{"type", "object"},
                         {"required", {"servers"}},
                         {"properties",
                          {{"servers", {{"type", "array"}, {"items", ref("ServerMatch")}}},
                           {"catalogVersion", {{"type", "integer"}}}}}};
  return s;
}

Json operation(const std::string& id, const std::string& summary, Json responses) {
  return {{"operationId", id}, {"summary", summary}, {"responses", std::move(responses)}};
}

Json publicReplies(Json ok) {
  Json r = Json::object();
  r["200"] = std::move(ok);
  r["400"] = errorReply("Invalid input");
  r["429"] = errorReply("Rate limited; see Retry-After");
  return r;
}

Json paths() {
  Json p = Json::object();
  Json list = operation("listServers", "List servers, a page at a time",
                        publicReplies({{"description", "A page of servers"},
                                       {"content", jsonContent(ref("ServerList"))}}));
  list["parameters"] = {{{"name", "cursor"}, {"in", "query"}, {"schema", {{"type", "string"}}}},
                        {{"name", "limit"},
                         {"in", "query"},
                         {"schema", {{"type", "integer"}, {"minimum", 1}, {"maximum", 1000}}}}};
  p["/v0/servers"]["get"] = std::move(list);
  Json one = operation(
      "getServer", "One server with its run spec, verification and tools",
      publicReplies({{"description", "The server"}, {"content", jsonContent(ref("ServerEntry"))}}));
  one["responses"]["404"] = errorReply("No such server");
  one["parameters"] = {{{"name", "id"},
                        {"in", "path"},
                        {"required", true},
                        {"description", "The server id, percent-encoded"},
                        {"schema", {{"type", "string"}}}}};
  p["/v0/servers/{id}"]["get"] = std::move(one);
  Json search = operation("searchServers", "Servers that fit a task, with their matching tools",
                          publicReplies({{"description", "Ranked servers"},
                                         {"content", jsonContent(ref("SearchResponse"))}}));
  search["requestBody"] = {{"required", true}, {"content", jsonContent(ref("SearchRequest"))}};
  search["responses"]["413"] = errorReply("Body or query over the size cap");
  search["responses"]["503"] = errorReply("The index is not built yet");
  p["/v0/search"]["post"] = std::move(search);
  p["/healthz"]["get"] = operation("health", "Liveness and catalogue size",
                                   {{"200", {{"description", "Serving"}}},
                                    {"503", {{"description", "Starting: no index yet"}}}});
  p["/metrics"]["get"] =
      operation("metrics", "Prometheus metrics",
                {{"200",
                  {{"description", "Prometheus text"},
                   {"content", {{"text/plain", {{"schema", {{"type", "string"}}}}}}}}}});
  p["/openapi.json"]["get"] = operation(
      "openapi", "This document",
      {{"200", {{"description", "OpenAPI 3.1"}, {"content", jsonContent({{"type", "object"}})}}}});
  p["/"]["get"] = operation("webPage", "The search page",
                            {{"200",
                              {{"description", "HTML"},
                               {"content", {{"text/html", {{"schema", {{"type", "string"}}}}}}}}}});
  p["/app.js"]["get"] =
      operation("webScript", "The search page's script",
                {{"200",
                  {{"description", "JavaScript"},
                   {"content", {{"text/javascript", {{"schema", {{"type", "string"}}}}}}}}}});
  Json admin_replies = {
      {"200", {{"description", "Done"}, {"content", jsonContent({{"type", "object"}})}}},
      {"401", errorReply("Missing or wrong bearer token")},
      {"403", errorReply("Admin endpoints disabled")}};
  Json import = operation("adminImport", "Import server.json documents or JSONL", admin_replies);
  import["security"] = {{ { "bearer", Json::array() } }};
  import["requestBody"] = {{"required", true},
                           { "content",
                             { {"application/x-ndjson",
                                {
                                  { "schema",
                                    {
                                      { "type",
                                        "string" }
                                    } }
                                }},
                               { "application/json",
                                 {
                                   { "schema",
                                     {
                                       { "type",
                                         "object" }
                                     } }
                                 } } } }};
  p["/v0/admin/import"]["post"] = std::move(import);
  Json refresh =
      operation("adminRefresh", "Rebuild the search index from the store now", admin_replies);
  refresh["security"] = {{{"bearer", Json::array()}}};
  p["/v0/admin/refresh"]["post"] = std::move(refresh);
  Json crawl = operation(
      "adminCrawl", "Queue a crawl of one source (a worker runs it)",
      {{"202",
        {{"description", "Queued"},
         {"content",
          jsonContent({{"type", "object"},
                       {"required", {"job", "source"}},
                       {"properties",
                        {{"job", {{"type", "integer"}}}, {"source", {{"type", "string"}}}}}})}}},
       {"400", errorReply("Not a source")},
       {"401", errorReply("Missing or wrong bearer token")},
       {"403", errorReply("Admin endpoints disabled")}});
  crawl["security"] = {{{"bearer", Json::array()}}};
  crawl["requestBody"] = {{"required", true},
                          {"content",
                           {{"application/json",
                             {{"schema",
                               {{"type", "object"},
                                {"required", {"source"}},
                                {"additionalProperties", false},
                                {"properties",
                                 {{"source",
                                   {{"type", "string"},
                                    {"description",
                                     "registry:URL, file:PATH, npm:NAME, folder:PATH, git:URL or "
                                     "mcpservers:PATH"}}}}}}}}}}}};
  p["/v0/admin/crawl"]["post"] = std::move(crawl);
  return p;
}

}  // namespace

nlohmann::ordered_json openApiDocument() {
  Json doc = Json::object();
  doc["openapi"] = "3.1.0";
  doc["info"] = {{"title", "OneMCP registry"},
                 {"version", "0.1.0"},
                 {"description", "A verified catalogue of MCP servers and a task search over it."}};
  doc["paths"] = paths();
  doc["components"] = {{"schemas", schemas()},
                       {"securitySchemes", {{"bearer", {{"type", "http"}, {"scheme", "bearer"}}}}}};
  return doc;
}

}  // namespace onemcp::registry
