// The registry's HTTP API on onemcp::http's server: the official registry's read
// endpoints (/v0/servers, cursor pages) extended with run spec, verification and tools,
// POST /v0/search, health, Prometheus metrics, its OpenAPI 3.1 document, the web page,
// and bearer-token admin endpoints. Handlers never throw; every error is a JSON 4xx/5xx.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "onemcp/common/clock.h"
#include "onemcp/http/server.h"
#include "onemcp/http/types.h"
#include "onemcp/registry/catalog_store.h"
#include "onemcp/registry/rate_limiter.h"
#include "onemcp/registry/registry_search.h"

namespace onemcp::registry {

struct ApiOptions {
  std::size_t max_body_bytes = 64 * 1024;  // public requests
  std::size_t max_admin_body_bytes = std::size_t{16}
                                     << 20;  // imports (the server's cap must allow it)
  std::string admin_token;                   // "" : the admin endpoints are disabled (403)
  RateLimit rate_limit;                      // per client address; /healthz and /metrics are exempt
  int default_page_size = 100;
  int max_page_size = 1000;
  std::size_t max_query_bytes = 1024;
  std::size_t max_k = 100;
  std::size_t max_tools_per_server = 20;
};

// One route as served: method and path template ("/v0/servers/{id}").
struct Route {
  std::string method;
  std::string path;
};

class ApiMetrics;

class RegistryApi {
 public:
  // store, search and clock must outlive the API (and the server it is installed on).
  RegistryApi(CatalogStore& store, RegistrySearch& search, const Clock& clock,
              ApiOptions options = {});
  ~RegistryApi();
  RegistryApi(const RegistryApi&) = delete;
  RegistryApi& operator=(const RegistryApi&) = delete;

  // Serves every route on `server` (call before server.start()).
  void install(http::HttpServer& server);
  // Answers one request, as the installed handler does. Thread-safe.
  http::Response handle(const http::Request& request);

  // Every route handle() answers, in documentation order.
  static const std::vector<Route>& routes();

 private:
  http::Response dispatch(const http::Request& request, std::string& route);
  http::Response listServers(const http::Request& request);
  http::Response getServer(const std::string& id);
  http::Response searchServers(const http::Request& request);
  http::Response health();
  http::Response metrics();
  http::Response adminImport(const http::Request& request);
  http::Response adminRefresh(const http::Request& request);
  http::Response adminCrawl(const http::Request& request);
  Result<nlohmann::ordered_json> entryJson(const ServerRecord& server);
  [[nodiscard]] bool authorized(const http::Request& request, http::Response& refusal) const;

  CatalogStore& store_;
  RegistrySearch& search_;
  const Clock& clock_;
  ApiOptions options_;
  RateLimiter limiter_;
  std::unique_ptr<ApiMetrics> metrics_;
};

// The OpenAPI 3.1 document describing routes().
nlohmann::ordered_json openApiDocument();

// The web page's files, embedded in the binary.
std::string_view webPageHtml();
std::string_view webPageScript();

}  // namespace onemcp::registry
