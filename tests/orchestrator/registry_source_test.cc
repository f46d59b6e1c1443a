// The daemon finding servers through a registry over HTTP: a real registry (SQLite store
// seeded with the shipped catalogue, its HTTP API on loopback), a real Docker engine,
// and a real npm server. The registry holds a verified run spec for the memory server,
// so a client's find_tools starts it at once (consent "verified") and its tools answer.
#include "onemcp/orchestrator/registry_source.h"

#include <gtest/gtest.h>

#include "docker_test_env.h"
#include "onemcp/http/server.h"
#include "onemcp/mcp/client.h"
#include "onemcp/mcp/memory_transport.h"
#include "onemcp/orchestrator/daemon.h"
#include "onemcp/registry/catalog_import.h"
#include "onemcp/registry/http_api.h"
#include "onemcp/sandbox/proxy.h"
#include "test_databases.h"

namespace onemcp::orchestrator {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

// The seed's entry for the reference knowledge-graph memory server.
constexpr const char* kMemoryId = "live:knowledge-graph-memory-server";

class RegistrySourceTest : public sandbox::testing::DockerTest {
 protected:
  void SetUp() override {
    DockerTest::SetUp();
    auto opened = registry::openCatalogStore(files_.createDatabase(), clock_);
    ASSERT_TRUE(opened) << opened.error().toString();
    store_ = std::move(*opened);
    auto seeded = registry::importPath(*store_, std::string(ONEMCP_SOURCE_DIR) + "/data/seed/catalog.jsonl");
    ASSERT_TRUE(seeded) << seeded.error().toString();
    ASSERT_TRUE(store_->getServer(kMemoryId)) << "the seed no longer has " << kMemoryId;
    search_ = std::make_unique<registry::RegistrySearch>(*store_, nullptr);
    ASSERT_TRUE(search_->refresh());
    api_ = std::make_unique<registry::RegistryApi>(*store_, *search_, clock_, registry::ApiOptions{});
    server_ = std::make_unique<http::HttpServer>(http::ServerOptions{});
    api_->install(*server_);
    ASSERT_TRUE(server_->start());
    url_ = "http://127.0.0.1:" + std::to_string(server_->port());
  }

  // What the registry's verifier stores for a server it ran: its run spec and outcome.
  void markVerified(const std::string& id, const sandbox::RunSpec& spec) {
    json j;
    to_json(j, spec);
    ASSERT_TRUE(store_->putRunSpec({id, j.dump(), "test", 0}));
    registry::VerificationRecord v;
    v.server_id = id;
    v.outcome = registry::VerifyOutcome::kVerified;
    ASSERT_TRUE(store_->addVerification(v));
    ASSERT_TRUE(search_->refresh());
  }

  std::function<sandbox::Discoverer()> offlineDiscovery() {
    return [] { return sandbox::Discoverer(sandbox::DiscoveryServices{}); };
  }

  SystemClock clock_;
  registry::testing::SqliteTestFiles files_;
  std::unique_ptr<registry::CatalogStore> store_;
  std::unique_ptr<registry::RegistrySearch> search_;
  std::unique_ptr<registry::RegistryApi> api_;
  std::unique_ptr<http::HttpServer> server_;
  std::string url_;
};

TEST_F(RegistrySourceTest, OffersRankedServersAndMarksOnlyVerifiedOnesVerified) {
  RegistryToolSource source({url_}, *host_, offlineDiscovery());
  const std::string task = "remember facts about people in a knowledge graph and recall them later";
  auto before = source.find(task, 5);
  ASSERT_TRUE(before) << before.error().toString();
  ASSERT_FALSE(before->empty());
  for (const auto& o : *before) {
    EXPECT_FALSE(o.verified) << o.server_id;
  }

  auto spec = npmSpec("memory", "@modelcontextprotocol/server-memory", {"mcp-server-memory"});
  markVerified(kMemoryId, spec);
  RegistryToolSource fresh({url_}, *host_, offlineDiscovery());  // details are cached per source
  auto after = fresh.find(task, 5);
  ASSERT_TRUE(after) << after.error().toString();
  auto memory = std::find_if(after->begin(), after->end(), [](const Offer& o) { return o.server_id == kMemoryId; });
  ASSERT_NE(memory, after->end()) << "the memory server is not among the offers";
  EXPECT_TRUE(memory->verified);
  EXPECT_TRUE(memory->consent_reasons.empty());  // no network, no host path, no secret
  for (const auto& o : *after) {
    if (o.server_id != kMemoryId) {
      EXPECT_FALSE(o.verified) << o.server_id;
    }
  }
}

TEST(ConsentReasons, ComeFromTheRunSpec) {
  sandbox::RunSpec spec;
  spec.network = true;
  spec.grants = {{"/home/u/notes", "/notes", true}};
  spec.env = {{"API_KEY", "", true, true, std::nullopt}, {"REGION", "", true, false, std::nullopt},
              {"MODE", "", true, false, "fast"}};
  EXPECT_EQ(consentReasons(spec), (std::vector<std::string>{"needs the network", "reads and writes /home/u/notes",
                                                             "needs the secret API_KEY", "needs the setting REGION"}));
}

TEST_F(RegistrySourceTest, AnUnreachableRegistryIsAClearErrorNotAHang) {
  http::HttpServer probe(http::ServerOptions{});
  ASSERT_TRUE(probe.start());
  const std::string dead = "http://127.0.0.1:" + std::to_string(probe.port());
  probe.stop();  // nothing listens there now
  RegistryToolSource source({dead, 5s}, *host_, offlineDiscovery());
  const auto t0 = std::chrono::steady_clock::now();
  auto r = source.find("anything", 3);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(r.error().message.find("cannot reach the registry"), std::string::npos) << r.error().message;
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 5s);
}

TEST_F(RegistrySourceTest, FindToolsStartsAVerifiedServerFromTheRegistrysRunSpecInDocker) {
  auto spec = npmSpec("memory", "@modelcontextprotocol/server-memory", {"mcp-server-memory"});
  spec.env = {{"MEMORY_FILE_PATH", "", false, false, "/data/memory.jsonl"}};  // the data volume
  markVerified(kMemoryId, spec);
  RegistryToolSource source({url_}, *host_, offlineDiscovery());
  {
    Daemon daemon(DaemonOptions{}, source, clock_);
    auto [mine, theirs] = mcp::makeMemoryTransportPair();
    ASSERT_TRUE(daemon.proxy().serve(theirs));
    mcp::ClientOptions o;
    o.request_timeout = 300s;  // a cold machine installs the package first
    mcp::ClientSession client(mine, std::move(o));
    ASSERT_TRUE(client.initialize());
    auto found = client.callTool(
        "find_tools", {{"task", "Remember that Alice works at Acme as an engineer in a knowledge graph"}});
    ASSERT_TRUE(found) << found.error().toString();
    ASSERT_TRUE(found->structuredContent);
    const json& task = (*found->structuredContent)["tasks"][0];
    ASSERT_TRUE(task.value("started", false)) << found->structuredContent->dump();
    const std::string server = task.value("server", "");
    auto created = client.callTool(
        server + "__create_entities",
        {{"entities", json::array({{{"name", "Alice"}, {"entityType", "person"},
                                    {"observations", json::array({"works at Acme as an engineer"})}}})}});
    ASSERT_TRUE(created) << created.error().toString();
    EXPECT_FALSE(created->isError);
    auto graph = client.callTool(server + "__read_graph");
    ASSERT_TRUE(graph) << graph.error().toString();
    ASSERT_FALSE(graph->content.empty());
    EXPECT_NE(graph->content[0].value("text", "").find("works at Acme"), std::string::npos);
  }
  (void)host_->removeAll(true);
}

}  // namespace
}  // namespace onemcp::orchestrator
