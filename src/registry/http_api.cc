#include "onemcp/registry/http_api.h"

#include <openssl/crypto.h>

#include <charconv>
#include <exception>
#include <map>

#include "api_metrics.h"
#include "onemcp/common/log.h"
#include "onemcp/registry/api_json.h"
#include "onemcp/registry/catalog_import.h"
#include "onemcp/registry/crawl_worker.h"
#include "onemcp/registry/crawler.h"

namespace onemcp::registry {
namespace {

using Json = nlohmann::ordered_json;
using http::Request;
using http::Response;

constexpr std::string_view kServersPrefix = "/v0/servers/";

Response jsonResponse(int status, const Json& body) {
  Response r = Response::json(status, body.dump());
  r.headers.set("X-Content-Type-Options", "nosniff");
  r.headers.set("Cache-Control", "no-store");
  return r;
}

// {"error": {"status": 400, "code": "invalid-input", "message": "…"}}
Response errorResponse(int status, std::string_view code, const std::string& message) {
  return jsonResponse(status,
                      Json{{"error", {{"status", status}, {"code", code}, {"message", message}}}});
}

Response errorResponse(const Error& e) {
  switch (e.code) {
    case ErrorCode::kInvalidInput:
    case ErrorCode::kInvalidParams:
    case ErrorCode::kParseError:
      return errorResponse(400, "invalid-input", e.message);
    case ErrorCode::kNotFound:
      return errorResponse(404, "not-found", e.message);
    case ErrorCode::kTooLarge:
      return errorResponse(413, "too-large", e.message);
    case ErrorCode::kUnavailable:
      return errorResponse(503, "unavailable", e.message);
    default:
      log::warn("registry API: {}", e.toString());
      return errorResponse(500, "internal", "internal error");
  }
}

int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Percent-decoding; '+' is a space only in query strings.
Result<std::string> percentDecode(std::string_view in, bool plus_is_space) {
  std::string out;
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '%') {
      const int hi = i + 2 < in.size() ? hexValue(in[i + 1]) : -1;
      const int lo = hi >= 0 ? hexValue(in[i + 2]) : -1;
      if (lo < 0) return fail(ErrorCode::kInvalidInput, "malformed percent-encoding");
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else {
      out += plus_is_space && in[i] == '+' ? ' ' : in[i];
    }
  }
  return out;
}

Result<std::map<std::string, std::string>> parseQuery(std::string_view query) {
  std::map<std::string, std::string> out;
  while (!query.empty()) {
    const auto amp = query.find('&');
    const auto part = query.substr(0, amp);
    query = amp == std::string_view::npos ? "" : query.substr(amp + 1);
    if (part.empty()) continue;
    const auto eq = part.find('=');
    auto key = percentDecode(part.substr(0, eq), true);
    auto value = percentDecode(eq == std::string_view::npos ? "" : part.substr(eq + 1), true);
    if (!key || !value) return fail(ErrorCode::kInvalidInput, "malformed query string");
    out[*key] = *value;
  }
  return out;
}

Result<int> parseInt(const std::string& text, std::string_view name, int lo, int hi) {
  int v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || v < lo || v > hi) {
    return fail(ErrorCode::kInvalidInput, std::string(name) + " must be an integer from " +
                                              std::to_string(lo) + " to " + std::to_string(hi));
  }
  return v;
}

Json parsedOr(const std::string& text, Json fallback) {
  Json j = Json::parse(text, nullptr, false);
  return j.is_discarded() ? std::move(fallback) : j;
}

// Filters of POST /v0/search; unknown members are refused so that a typo is not a no-op.
Result<SearchFilters> parseFilters(const Json& j) {
  SearchFilters f;
  if (j.is_null()) return f;
  if (!j.is_object()) return fail(ErrorCode::kInvalidInput, "filters must be an object");
  for (const auto& [key, value] : j.items()) {
    bool* flag = key == "verified"         ? &f.verified_only
                 : key == "includeFlagged" ? &f.include_flagged
                 : key == "withTools"      ? &f.with_tools_only
                                           : nullptr;
    if (flag != nullptr) {
      if (!value.is_boolean())
        return fail(ErrorCode::kInvalidInput, "filters." + key + " must be a boolean");
      *flag = value.get<bool>();
    } else if (key == "sources") {
      if (!value.is_array())
        return fail(ErrorCode::kInvalidInput, "filters.sources must be an array of strings");
      for (const auto& s : value) {
        if (!s.is_string())
          return fail(ErrorCode::kInvalidInput, "filters.sources must be an array of strings");
        f.sources.push_back(s.get<std::string>());
      }
    } else {
      return fail(
          ErrorCode::kInvalidInput,
          "unknown filter '" + key + "' (known: verified, includeFlagged, withTools, sources)");
    }
  }
  return f;
}

Result<RegistryQuery> parseSearchRequest(std::string_view body, const ApiOptions& o) {
  const Json j = Json::parse(body, nullptr, false);
  if (j.is_discarded()) return fail(ErrorCode::kInvalidInput, "the body is not valid JSON");
  if (!j.is_object()) return fail(ErrorCode::kInvalidInput, "the body must be a JSON object");
  RegistryQuery q;
  for (const auto& [key, value] : j.items()) {
    if (key == "query") {
      if (!value.is_string()) return fail(ErrorCode::kInvalidInput, "query must be a string");
      q.text = value.get<std::string>();
    } else if (key == "k" || key == "tools") {
      const auto hi = key == "k" ? o.max_k : o.max_tools_per_server;
      if (!value.is_number_integer() || value.get<std::int64_t>() < (key == "k" ? 1 : 0) ||
          value.get<std::int64_t>() > static_cast<std::int64_t>(hi)) {
        return fail(ErrorCode::kInvalidInput, key + " must be an integer from " +
                                                  (key == "k" ? "1" : "0") + " to " +
                                                  std::to_string(hi));
      }
      (key == "k" ? q.k : q.tools_per_server) = value.get<std::size_t>();
    } else if (key == "filters") {
      auto f = parseFilters(value);
      if (!f) return fail(std::move(f).error());
      q.filters = std::move(*f);
    } else {
      return fail(ErrorCode::kInvalidInput,
                  "unknown member '" + key + "' (known: query, k, tools, filters)");
    }
  }
  if (q.text.empty()) return fail(ErrorCode::kInvalidInput, "query is required");
  if (q.text.size() > o.max_query_bytes) {
    return fail(ErrorCode::kTooLarge,
                "query is longer than " + std::to_string(o.max_query_bytes) + " bytes");
  }
  return q;
}

}  // namespace

RegistryApi::RegistryApi(CatalogStore& store, RegistrySearch& search, const Clock& clock,
                         ApiOptions options)
    : store_(store),
      search_(search),
      clock_(clock),
      options_(std::move(options)),
      limiter_(clock, options_.rate_limit),
      metrics_(std::make_unique<ApiMetrics>()) {}

RegistryApi::~RegistryApi() = default;

const std::vector<Route>& RegistryApi::routes() {
  static const std::vector<Route> kRoutes = {{"GET", "/v0/servers"},
                                             {"GET", "/v0/servers/{id}"},
                                             {"POST", "/v0/search"},
                                             {"GET", "/healthz"},
                                             {"GET", "/metrics"},
                                             {"GET", "/openapi.json"},
                                             {"GET", "/"},
                                             {"GET", "/app.js"},
                                             {"POST", "/v0/admin/import"},
                                             {"POST", "/v0/admin/refresh"},
                                             {"POST", "/v0/admin/crawl"}};
  return kRoutes;
}

void RegistryApi::install(http::HttpServer& server) {
  server.fallback([this](Request request, std::shared_ptr<http::Responder> responder) {
    responder->respond(handle(request));
  });
}

http::Response RegistryApi::handle(const http::Request& request) {
  const auto start = clock_.now();
  std::string route = "unmatched";
  Response response;
  try {
    response = dispatch(request, route);
  } catch (const std::exception& e) {  // a library's exception must not escape a handler
    log::error("registry API: {} {}: {}", request.method, request.path, e.what());
    response = errorResponse(500, "internal", "internal error");
  }
  metrics_->record(request.method, route, response.status, clock_.now() - start);
  return response;
}

Response RegistryApi::dispatch(const Request& request, std::string& route) {
  const std::string& path = request.path;
  const bool exempt = path == "/healthz" || path == "/metrics";
  if (!exempt) {
    const auto decision = limiter_.take(request.remote_address);
    if (!decision.allowed) {
      metrics_->rateLimited();
      route = "rate-limited";
      Response r = errorResponse(429, "rate-limited", "too many requests; retry later");
      r.headers.set("Retry-After", std::to_string((decision.retry_after.count() + 999) / 1000));
      return r;
    }
  }
  for (const auto& r : routes()) {
    const bool templated = r.path == "/v0/servers/{id}";
    const bool match = templated
                           ? path.starts_with(kServersPrefix) && path.size() > kServersPrefix.size()
                           : path == r.path;
    if (!match) continue;
    route = r.path;
    if (request.method != r.method) {
      Response resp = errorResponse(405, "method-not-allowed", r.method + " only");
      resp.headers.set("Allow", r.method);
      return resp;
    }
    if (request.body.size() > (path.starts_with("/v0/admin/") ? options_.max_admin_body_bytes
                                                              : options_.max_body_bytes)) {
      return errorResponse(413, "too-large", "the request body is over the size cap");
    }
    if (r.path == "/v0/servers") return listServers(request);
    if (templated) {
      auto id = percentDecode(path.substr(kServersPrefix.size()), false);
      if (!id) return errorResponse(id.error());
      return getServer(*id);
    }
    if (r.path == "/v0/search") return searchServers(request);
    if (r.path == "/healthz") return health();
    if (r.path == "/metrics") return metrics();
    if (r.path == "/openapi.json") return jsonResponse(200, openApiDocument());
    if (r.path == "/") {
      Response page = Response::text(200, std::string(webPageHtml()), "text/html; charset=utf-8");
      page.headers.set("Content-Security-Policy",
                       "default-src 'none'; script-src 'self'; connect-src 'self'; "
                       "style-src 'unsafe-inline'; img-src 'self' data:");
      return page;
    }
    if (r.path == "/app.js") {
      return Response::text(200, std::string(webPageScript()), "text/javascript; charset=utf-8");
    }
    if (r.path == "/v0/admin/import") return adminImport(request);
    if (r.path == "/v0/admin/crawl") return adminCrawl(request);
    return adminRefresh(request);
  }
  return errorResponse(404, "not-found", "no such endpoint: " + path + " (see /openapi.json)");
}

Result<Json> RegistryApi::entryJson(const ServerRecord& server) {
  Json entry = serverEntryJson(server);
  Json& meta = entry["_meta"][kMetaKey];
  auto spec = store_.getRunSpec(server.id);
  if (spec) {
    meta["runSpec"] = parsedOr(spec->spec_json, Json::object());
  } else if (spec.error().code != ErrorCode::kNotFound) {
    return fail(std::move(spec).error());
  }
  auto v = store_.latestVerification(server.id);
  if (v) {
    meta["verification"] = {{"outcome", verifyOutcomeName(v->outcome)},
                            {"reason", v->reason},
                            {"timings", parsedOr(v->timings_json, Json::object())},
                            {"toolHash", v->tool_hash},
                            {"verifiedAtMs", v->verified_at_ms}};
  } else if (v.error().code != ErrorCode::kNotFound) {
    return fail(std::move(v).error());
  }
  meta["verified"] = v && v->outcome == VerifyOutcome::kVerified;
  auto tools = store_.listTools(server.id);
  if (!tools) return fail(std::move(tools).error());
  Json list = Json::array();
  for (const auto& t : *tools) {
    Json def = parsedOr(t.definition_json, Json{{"name", t.name}, {"description", t.description}});
    if (!t.flags.empty()) def["_meta"] = {{kMetaKey, {{"flags", t.flags}}}};
    list.push_back(std::move(def));
  }
  meta["tools"] = std::move(list);
  return entry;
}

Response RegistryApi::listServers(const Request& request) {
  auto query = parseQuery(request.query);
  if (!query) return errorResponse(query.error());
  PageRequest page{options_.default_page_size, ""};
  if (auto it = query->find("limit"); it != query->end()) {
    auto limit = parseInt(it->second, "limit", 1, options_.max_page_size);
    if (!limit) return errorResponse(limit.error());
    page.limit = *limit;
  }
  if (auto it = query->find("cursor"); it != query->end()) page.cursor = it->second;
  auto result = store_.listServers(page);
  if (!result) return errorResponse(result.error());
  Json servers = Json::array();
  for (const auto& s : result->servers) {
    auto entry = entryJson(s);
    if (!entry) return errorResponse(entry.error());
    servers.push_back(std::move(*entry));
  }
  Json metadata = Json::object();
  if (!result->next_cursor.empty()) metadata["nextCursor"] = result->next_cursor;
  metadata["count"] = result->servers.size();
  return jsonResponse(200,
                      Json{{"servers", std::move(servers)}, {"metadata", std::move(metadata)}});
}

Response RegistryApi::getServer(const std::string& id) {
  auto server = store_.getServer(id);
  if (!server) {
    if (server.error().code == ErrorCode::kNotFound) {
      return errorResponse(404, "not-found", "no server with id '" + id + "'");
    }
    return errorResponse(server.error());
  }
  auto entry = entryJson(*server);
  if (!entry) return errorResponse(entry.error());
  return jsonResponse(200, *entry);
}

Response RegistryApi::searchServers(const Request& request) {
  auto query = parseSearchRequest(request.body, options_);
  if (!query) return errorResponse(query.error());
  auto answer = search_.search(*query);
  if (!answer) return errorResponse(answer.error());
  return jsonResponse(200, searchAnswerJson(*answer));
}

Response RegistryApi::health() {
  const auto snap = search_.snapshot();
  if (!snap) return jsonResponse(503, Json{{"status", "starting"}});
  const auto& c = snap->counts();
  return jsonResponse(200, Json{{"status", "ok"},
                                {"servers", c.servers},
                                {"tools", c.tools},
                                {"verified", c.verified},
                                {"catalogVersion", c.version}});
}

Response RegistryApi::metrics() {
  const auto snap = search_.snapshot();
  return Response::text(200, metrics_->render(snap ? &snap->counts() : nullptr),
                        "text/plain; version=0.0.4; charset=utf-8");
}

bool RegistryApi::authorized(const Request& request, Response& refusal) const {
  if (options_.admin_token.empty()) {
    refusal =
        errorResponse(403, "forbidden", "the admin endpoints are disabled (no admin token set)");
    return false;
  }
  const std::string expected = "Bearer " + options_.admin_token;
  const std::string given = request.headers.get("Authorization").value_or("");
  if (given.size() != expected.size() ||
      CRYPTO_memcmp(given.data(), expected.data(), given.size()) != 0) {
    refusal = errorResponse(401, "unauthorized", "a valid bearer token is required");
    refusal.headers.set("WWW-Authenticate", "Bearer realm=\"onemcp-registry\"");
    return false;
  }
  return true;
}

Response RegistryApi::adminImport(const Request& request) {
  Response refusal;
  if (!authorized(request, refusal)) return refusal;
  const std::string type = request.headers.get("Content-Type").value_or("application/x-ndjson");
  const bool jsonl = !type.starts_with("application/json");
  ImportOptions options;
  options.source = "api-import";
  const auto report = importText(store_, request.body, jsonl, "request body", options);
  auto refreshed = search_.refresh();
  Json j = {{"entries", report.entries},
            {"inserted", report.inserted},
            {"updated", report.updated},
            {"unchanged", report.unchanged},
            {"rejected", report.rejected},
            {"tools", report.tools},
            {"flagged", report.flagged},
            {"errors", report.errors},
            {"searchRefreshed", refreshed.has_value()}};
  return jsonResponse(report.rejected > 0 && report.inserted + report.updated == 0 ? 400 : 200, j);
}

Response RegistryApi::adminRefresh(const Request& request) {
  Response refusal;
  if (!authorized(request, refusal)) return refusal;
  auto refreshed = search_.refresh();
  if (!refreshed) return errorResponse(refreshed.error());
  const auto snap = search_.snapshot();
  return jsonResponse(
      200, Json{{"rebuilt", *refreshed}, {"catalogVersion", snap ? snap->counts().version : 0}});
}

// Queues a crawl of one source; a worker (`onemcp registry worker`) runs it.
Response RegistryApi::adminCrawl(const Request& request) {
  Response refusal;
  if (!authorized(request, refusal)) return refusal;
  const Json body = Json::parse(request.body, nullptr, false);
  if (!body.is_object() || !body.contains("source") || !body["source"].is_string() ||
      body.size() != 1) {
    return errorResponse(400, "invalid-input",
                         "expected {\"source\": \"registry:URL | file:PATH | npm:NAME | ...\"}");
  }
  auto source = parseSourceSpec(body["source"].get<std::string>());
  if (!source) return errorResponse(400, "invalid-input", source.error().message);
  auto job = store_.enqueueJob({std::string(kCrawlJob), source->label(), "{}", 0});
  if (!job) return errorResponse(job.error());
  return jsonResponse(202, Json{{"job", *job}, {"source", source->label()}});
}

}  // namespace onemcp::registry
