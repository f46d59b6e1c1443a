#include "onemcp/registry/http_api.h"

#include <gtest/gtest.h>

#include <set>

#include "onemcp/common/clock.h"
#include "test_databases.h"

namespace onemcp::registry {
namespace {

using Json = nlohmann::json;

http::Request get(const std::string& target, const std::string& client = "10.0.0.1") {
  http::Request r;
  r.method = "GET";
  r.target = target;
  const auto q = target.find('?');
  r.path = target.substr(0, q);
  r.query = q == std::string::npos ? "" : target.substr(q + 1);
  r.remote_address = client;
  return r;
}

http::Request post(const std::string& path, std::string body, const std::string& token = "") {
  http::Request r = get(path);
  r.method = "POST";
  r.body = std::move(body);
  r.headers.set("Content-Type", "application/json");
  if (!token.empty()) r.headers.set("Authorization", "Bearer " + token);
  return r;
}

Json body(const http::Response& r) { return Json::parse(r.body); }

class RegistryApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = openCatalogStore(files_.createDatabase(), clock_);
    ASSERT_TRUE(opened) << opened.error().toString();
    store_ = std::move(*opened);
    for (int i = 0; i < 5; ++i) {
      ServerRecord s;
      s.id = "reg:io.github.example/server-" + std::to_string(i);
      s.name = "io.github.example/server-" + std::to_string(i);
      s.description =
          i == 0 ? "Weather forecasts for any city" : "Generic helper number " + std::to_string(i);
      s.source = "test";
      s.server_json = R"({"name":")" + s.name + R"(","description":")" + s.description + R"("})";
      ASSERT_TRUE(store_->upsertServer(s));
    }
    const std::string weather = "reg:io.github.example/server-0";
    ASSERT_TRUE(store_->replaceTools(
        weather,
        {{weather,
          "get_forecast",
          "Get the weather forecast",
          R"({"name":"get_forecast","description":"Get the weather forecast","inputSchema":{"type":"object"}})",
          {}}}));
    VerificationRecord v;
    v.server_id = weather;
    v.outcome = VerifyOutcome::kVerified;
    ASSERT_TRUE(store_->addVerification(v));
    ASSERT_TRUE(store_->putRunSpec({weather, R"({"version":1,"command":"npx"})", "test", 0}));
    search_ = std::make_unique<RegistrySearch>(*store_, nullptr);
    ASSERT_TRUE(search_->refresh());
    options_.admin_token = "s3cret";
    options_.rate_limit = {3.0, 1.0, 1000};
    options_.max_body_bytes = 4096;
    api_ = std::make_unique<RegistryApi>(*store_, *search_, clock_, options_);
  }

  ManualClock clock_;
  testing::SqliteTestFiles files_;
  std::unique_ptr<CatalogStore> store_;
  std::unique_ptr<RegistrySearch> search_;
  ApiOptions options_;
  std::unique_ptr<RegistryApi> api_;
  int client_ = 0;
  // A new client address per request, so the rate limit stays out of the way.
  http::Response call(http::Request r) {
    r.remote_address = "10.1.0." + std::to_string(++client_);
    return api_->handle(r);
  }
};

TEST_F(RegistryApiTest, ListsEveryServerByCursorInTheOfficialShape) {
  std::set<std::string> names;
  std::string cursor;
  int pages = 0;
  do {
    auto r = call(get("/v0/servers?limit=2" + (cursor.empty() ? "" : "&cursor=" + cursor)));
    ASSERT_EQ(r.status, 200) << r.body;
    const auto j = body(r);
    for (const auto& e : j["servers"]) {
      names.insert(e["server"]["name"].get<std::string>());
      EXPECT_TRUE(e["_meta"]["io.onemcp/registry"].contains("tools"));
    }
    EXPECT_EQ(j["metadata"]["count"], j["servers"].size());
    cursor = j["metadata"].value("nextCursor", "");
    ++pages;
  } while (!cursor.empty() && pages < 10);
  EXPECT_EQ(names.size(), 5U);
  EXPECT_EQ(pages, 3);
}

TEST_F(RegistryApiTest, ServerEntryCarriesRunSpecVerificationAndTools) {
  auto r = call(get("/v0/servers/reg%3Aio.github.example%2Fserver-0"));
  ASSERT_EQ(r.status, 200) << r.body;
  const auto meta = body(r)["_meta"]["io.onemcp/registry"];
  EXPECT_EQ(meta["runSpec"]["command"], "npx");
  EXPECT_EQ(meta["verification"]["outcome"], "verified");
  EXPECT_TRUE(meta["verified"].get<bool>());
  ASSERT_EQ(meta["tools"].size(), 1U);
  EXPECT_EQ(meta["tools"][0]["name"], "get_forecast");
  // The id's slash may also come unencoded.
  EXPECT_EQ(call(get("/v0/servers/reg:io.github.example/server-0")).status, 200);
}

TEST_F(RegistryApiTest, UnknownServerPathAndMethodAreJsonErrors) {
  auto missing = call(get("/v0/servers/reg%3Anope"));
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(body(missing)["error"]["code"], "not-found");
  EXPECT_EQ(call(get("/v0/nothing")).status, 404);
  auto wrong = call(post("/v0/servers", "{}"));
  EXPECT_EQ(wrong.status, 405);
  EXPECT_EQ(wrong.headers.get("Allow"), "GET");
  EXPECT_EQ(call(get("/v0/servers?limit=0")).status, 400);
  EXPECT_EQ(call(get("/v0/servers?limit=abc")).status, 400);
  EXPECT_EQ(call(get("/v0/servers?cursor=%zz")).status, 400);
}

TEST_F(RegistryApiTest, SearchAnswersRankedServersWithTheirMatchingTools) {
  auto r = call(post(
      "/v0/search", R"({"query":"weather forecast for Paris","k":3,"filters":{"verified":true}})"));
  ASSERT_EQ(r.status, 200) << r.body;
  const auto j = body(r);
  ASSERT_EQ(j["servers"].size(), 1U);
  const auto& s = j["servers"][0];
  EXPECT_EQ(s["id"], "reg:io.github.example/server-0");
  EXPECT_EQ(s["name"], "io.github.example/server-0");
  EXPECT_TRUE(s["verified"].get<bool>());
  EXPECT_GT(s["score"].get<double>(), 0.0);
  ASSERT_EQ(s["tools"].size(), 1U);
  EXPECT_EQ(s["tools"][0]["name"], "get_forecast");
}

TEST_F(RegistryApiTest, SearchRefusesBadInputWithClearErrors) {
  const std::pair<std::string, int> cases[] = {
      {"not json", 400},
      {"[1,2]", 400},
      {R"({"k":3})", 400},
      {R"({"query":""})", 400},
      {R"({"query":"x","k":0})", 400},
      {R"({"query":"x","k":1000})", 400},
      {R"({"query":"x","k":"5"})", 400},
      {R"({"query":"x","extra":1})", 400},
      {R"({"query":"x","filters":{"verfied":true}})", 400},
      {R"({"query":"x","filters":{"verified":"yes"}})", 400},
      {R"({"query":")" + std::string(2000, 'a') + R"("})", 413},
      {std::string(5000, ' '), 413},
  };
  for (const auto& [text, status] : cases) {
    auto r = call(post("/v0/search", text));
    EXPECT_EQ(r.status, status) << text.substr(0, 60);
    EXPECT_TRUE(body(r)["error"]["message"].is_string()) << r.body;
  }
}

TEST_F(RegistryApiTest, RateLimitRefusesABurstAndRecoversAsTimePasses) {
  for (int i = 0; i < 3; ++i) EXPECT_EQ(api_->handle(get("/v0/servers")).status, 200);
  auto refused = api_->handle(get("/v0/servers"));
  EXPECT_EQ(refused.status, 429);
  EXPECT_EQ(refused.headers.get("Retry-After"), "1");
  EXPECT_EQ(api_->handle(get("/v0/servers", "10.0.0.2")).status, 200);  // another client
  EXPECT_EQ(api_->handle(get("/healthz")).status, 200);                 // exempt
  clock_.advance(std::chrono::seconds(1));
  EXPECT_EQ(api_->handle(get("/v0/servers")).status, 200);
  EXPECT_EQ(api_->handle(get("/v0/servers")).status, 429);
}

TEST_F(RegistryApiTest, AdminEndpointsNeedTheBearerToken) {
  const std::string line =
      R"({"id":"reg:io.github.example/new","source":"test","server":{"name":"io.github.example/new","description":"Translate text between languages"}})";
  EXPECT_EQ(call(post("/v0/admin/import", line)).status, 401);
  EXPECT_EQ(call(post("/v0/admin/import", line, "wrong")).status, 401);
  auto request = post("/v0/admin/import", line, "s3cret");
  request.headers.set("Content-Type", "application/x-ndjson");
  auto r = call(request);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(body(r)["inserted"], 1);
  auto found = call(post("/v0/search", R"({"query":"translate text"})"));
  ASSERT_EQ(found.status, 200);
  EXPECT_EQ(body(found)["servers"][0]["id"], "reg:io.github.example/new");
  EXPECT_EQ(call(post("/v0/admin/refresh", "", "s3cret")).status, 200);

  ApiOptions closed = options_;
  closed.admin_token.clear();
  RegistryApi no_admin(*store_, *search_, clock_, closed);
  EXPECT_EQ(no_admin.handle(post("/v0/admin/refresh", "", "s3cret")).status, 403);
}

TEST_F(RegistryApiTest, AdminCrawlQueuesAJobForTheWorkers) {
  EXPECT_EQ(call(post("/v0/admin/crawl", R"({"source":"npm:x"})")).status, 401);
  auto bad = call(post("/v0/admin/crawl", R"({"source":"nonsense"})", "s3cret"));
  EXPECT_EQ(bad.status, 400);
  EXPECT_NE(body(bad)["error"]["message"].get<std::string>().find("source 'nonsense'"),
            std::string::npos);
  EXPECT_EQ(call(post("/v0/admin/crawl", R"({"source":"npm:x","extra":1})", "s3cret")).status, 400);
  auto queued = call(
      post("/v0/admin/crawl", R"({"source":"npm:@modelcontextprotocol/server-memory"})", "s3cret"));
  ASSERT_EQ(queued.status, 202) << queued.body;
  auto job = store_->getJob(body(queued)["job"].get<std::int64_t>());
  ASSERT_TRUE(job);
  EXPECT_EQ(job->kind, "crawl-source");
  EXPECT_EQ(job->target, "npm:@modelcontextprotocol/server-memory");
  EXPECT_EQ(job->state, JobState::kQueued);
}

TEST_F(RegistryApiTest, HealthAndMetricsReportTheCatalogue) {
  auto health = call(get("/healthz"));
  ASSERT_EQ(health.status, 200);
  EXPECT_EQ(body(health)["servers"], 5);
  call(post("/v0/search", R"({"query":"weather"})"));
  call(get("/v0/servers/reg%3Anope"));
  auto metrics = call(get("/metrics"));
  ASSERT_EQ(metrics.status, 200);
  EXPECT_NE(metrics.body.find("onemcp_registry_catalog_servers 5"), std::string::npos);
  EXPECT_NE(
      metrics.body.find(
          R"(onemcp_registry_requests_total{method="POST",route="/v0/search",status="200"} 1)"),
      std::string::npos)
      << metrics.body;
  EXPECT_NE(
      metrics.body.find(
          R"(onemcp_registry_requests_total{method="GET",route="/v0/servers/{id}",status="404"} 1)"),
      std::string::npos);
  EXPECT_NE(
      metrics.body.find(
          "onemcp_registry_request_duration_seconds_bucket{route=\"/v0/search\",le=\"+Inf\"} 1"),
      std::string::npos);
}

// Collects every "$ref" in the document.
void refs(const Json& j, std::vector<std::string>& out) {
  if (j.is_object()) {
    for (const auto& [k, v] : j.items()) {
      if (k == "$ref" && v.is_string()) out.push_back(v.get<std::string>());
      refs(v, out);
    }
  } else if (j.is_array()) {
    for (const auto& v : j) refs(v, out);
  }
}

TEST_F(RegistryApiTest, OpenApiDocumentDescribesEveryRouteServed) {
  auto r = call(get("/openapi.json"));
  ASSERT_EQ(r.status, 200);
  const Json doc = Json::parse(r.body);  // throws (fails the test) on invalid JSON
  ASSERT_TRUE(doc["openapi"].get<std::string>().starts_with("3.1."));
  EXPECT_TRUE(doc["info"]["title"].is_string());
  EXPECT_TRUE(doc["info"]["version"].is_string());
  std::set<std::string> described;
  for (const auto& [path, item] : doc["paths"].items()) {
    EXPECT_TRUE(path.starts_with("/")) << path;
    for (const auto& [method, op] : item.items()) {
      described.insert(method + " " + path);
      EXPECT_TRUE(op["responses"].is_object() && !op["responses"].empty()) << path;
      EXPECT_TRUE(op["operationId"].is_string()) << path;
      for (const auto& [code, reply] : op["responses"].items()) {
        EXPECT_TRUE(reply.contains("description") || reply.contains("$ref")) << path << " " << code;
      }
    }
  }
  std::set<std::string> served;
  for (const auto& route : RegistryApi::routes()) {
    std::string method = route.method;
    for (auto& c : method) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    served.insert(method + " " + route.path);
    // Each route is really answered (not the 404 of an unknown endpoint).
    std::string path = route.path == "/v0/servers/{id}" ? "/v0/servers/x" : route.path;
    auto request = route.method == "GET" ? get(path) : post(path, "{}");
    auto reply = call(request);
    EXPECT_FALSE(reply.status == 404 && reply.body.find("no such endpoint") != std::string::npos)
        << route.path;
  }
  EXPECT_EQ(described, served);
  std::vector<std::string> all_refs;
  refs(doc, all_refs);
  for (const auto& ref : all_refs) {
    ASSERT_TRUE(ref.starts_with("#/components/schemas/")) << ref;
    EXPECT_TRUE(doc["components"]["schemas"].contains(ref.substr(21))) << ref;
  }
}

TEST_F(RegistryApiTest, WebPageIsServedWithItsScript) {
  auto page = call(get("/"));
  ASSERT_EQ(page.status, 200);
  EXPECT_NE(page.headers.get("Content-Type")->find("text/html"), std::string::npos);
  EXPECT_NE(page.body.find("<script src=\"/app.js\">"), std::string::npos);
  EXPECT_TRUE(page.headers.has("Content-Security-Policy"));
  auto script = call(get("/app.js"));
  ASSERT_EQ(script.status, 200);
  EXPECT_NE(script.body.find("/v0/search"), std::string::npos);
}

}  // namespace
}  // namespace onemcp::registry
