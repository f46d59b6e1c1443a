// The registry API over a real socket: HttpServer on 127.0.0.1 port 0, HttpClient.
#include <gtest/gtest.h>

#include "onemcp/common/clock.h"
#include "onemcp/http/client.h"
#include "onemcp/registry/catalog_import.h"
#include "onemcp/registry/http_api.h"
#include "test_databases.h"

namespace onemcp::registry {
namespace {

using Json = nlohmann::json;

class RegistryLoopbackTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = openCatalogStore(files_.createDatabase(), clock_);
    ASSERT_TRUE(opened) << opened.error().toString();
    store_ = std::move(*opened);
    // The shipped seed catalogue: the real ~1,500 servers.
    auto seeded = importPath(*store_, std::string(ONEMCP_SOURCE_DIR) + "/data/seed/catalog.jsonl");
    ASSERT_TRUE(seeded) << seeded.error().toString();
    search_ = std::make_unique<RegistrySearch>(*store_, nullptr);
    ASSERT_TRUE(search_->refresh());
    api_ = std::make_unique<RegistryApi>(*store_, *search_, clock_, ApiOptions{});
    http::ServerOptions options;
    options.max_body_bytes = 1 << 20;
    server_ = std::make_unique<http::HttpServer>(options);
    api_->install(*server_);
    ASSERT_TRUE(server_->start());
    base_ = "http://127.0.0.1:" + std::to_string(server_->port());
  }

  Result<http::ClientResponse> send(const std::string& method, const std::string& path,
                                    std::string body = "") {
    http::ClientRequest r;
    r.method = method;
    r.url = base_ + path;
    r.body = std::move(body);
    if (!r.body.empty()) r.headers.set("Content-Type", "application/json");
    r.timeout = std::chrono::seconds(10);
    return client_.send(std::move(r));
  }

  SystemClock clock_;
  testing::SqliteTestFiles files_;
  std::unique_ptr<CatalogStore> store_;
  std::unique_ptr<RegistrySearch> search_;
  std::unique_ptr<RegistryApi> api_;
  std::unique_ptr<http::HttpServer> server_;
  http::HttpClient client_;
  std::string base_;
};

TEST_F(RegistryLoopbackTest, SearchesTheSeedCatalogueOverHttp) {
  auto r = send("POST", "/v0/search", R"({"query":"query a PostgreSQL database with SQL","k":5})");
  ASSERT_TRUE(r) << r.error().toString();
  ASSERT_EQ(r->status, 200) << r->body;
  const auto j = Json::parse(r->body);
  ASSERT_EQ(j["servers"].size(), 5U);
  bool postgres = false;
  for (const auto& s : j["servers"]) {
    std::string text = s["name"].get<std::string>() + " " + s["description"].get<std::string>();
    for (auto& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    postgres = postgres || text.find("postgres") != std::string::npos;
  }
  EXPECT_TRUE(postgres) << r->body;
}

TEST_F(RegistryLoopbackTest, ListsTheWholeSeedCatalogueByCursor) {
  auto count = store_->countServers();
  ASSERT_TRUE(count);
  std::int64_t seen = 0;
  std::string cursor;
  do {
    auto r = send("GET", "/v0/servers?limit=500" + (cursor.empty() ? "" : "&cursor=" + cursor));
    ASSERT_TRUE(r) << r.error().toString();
    ASSERT_EQ(r->status, 200) << r->body;
    const auto j = Json::parse(r->body);
    seen += static_cast<std::int64_t>(j["servers"].size());
    cursor = j["metadata"].value("nextCursor", "");
  } while (!cursor.empty());
  EXPECT_EQ(seen, *count);
  EXPECT_GT(seen, 1400);
}

TEST_F(RegistryLoopbackTest, HealthMetricsAndOpenApiAnswer) {
  for (const char* path : {"/healthz", "/metrics", "/openapi.json", "/", "/app.js"}) {
    auto r = send("GET", path);
    ASSERT_TRUE(r) << r.error().toString();
    EXPECT_EQ(r->status, 200) << path;
  }
}

TEST_F(RegistryLoopbackTest, OversizedBodiesAreRefusedWith413) {
  auto r = send("POST", "/v0/search", std::string(200 * 1024, ' '));
  ASSERT_TRUE(r) << r.error().toString();
  EXPECT_EQ(r->status, 413);
  auto huge = send("POST", "/v0/search", std::string(2 << 20, ' '));
  // The server's own cap answers 413 (or closes the connection) before reading it all.
  if (huge) {
    EXPECT_EQ(huge->status, 413);
  }
}

}  // namespace
}  // namespace onemcp::registry
