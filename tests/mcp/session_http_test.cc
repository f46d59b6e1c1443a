// ClientSession and McpServer over the streamable HTTP transports on loopback (port 0):
// the same features as session_test, through real HTTP, SSE streams and session ids.
#include <future>

#include <gtest/gtest.h>

#include "onemcp/mcp/client.h"
#include "onemcp/mcp/demo/demo_server.h"
#include "onemcp/mcp/streamable_http_client.h"
#include "onemcp/mcp/streamable_http_server.h"

namespace onemcp::mcp {
namespace {

using namespace std::chrono_literals;
constexpr auto kWait = 20s;

class SessionHttpTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = demo::makeDemoServer();
    auto http = StreamableHttpServer::start({}, [this](std::shared_ptr<Transport> t) {
      EXPECT_TRUE(server_->serve(std::move(t)));
    });
    ASSERT_TRUE(http) << http.error().toString();
    http_ = std::move(*http);
  }
  void TearDown() override {
    client_.reset();
    http_.reset();
    server_.reset();
  }
  ClientSession& connect(ClientOptions options = {}) {
    StreamableHttpClientOptions o;
    o.url = http_->url();
    auto t = StreamableHttpClientTransport::create(o);
    EXPECT_TRUE(t);
    std::shared_ptr<StreamableHttpClientTransport> transport = std::move(*t);
    options.request_timeout = kWait;
    options.on_initialized = [transport](const InitializeResult& r) {
      transport->setProtocolVersion(r.protocolVersion);
    };
    client_ = std::make_unique<ClientSession>(transport, std::move(options));
    auto init = client_->initialize();
    EXPECT_TRUE(init) << init.error().toString();
    return *client_;
  }

  std::unique_ptr<McpServer> server_;
  std::unique_ptr<StreamableHttpServer> http_;
  std::unique_ptr<ClientSession> client_;
};

TEST_F(SessionHttpTest, ListsAndCallsToolsWithProgress) {
  auto& client = connect();
  auto tools = client.listAllTools();
  ASSERT_TRUE(tools);
  EXPECT_EQ(tools->size(), 13u);
  std::mutex mu;
  std::vector<double> seen;
  CallOptions o;
  o.on_progress = [&](const ProgressParams& p) {
    std::lock_guard lock(mu);
    seen.push_back(p.progress);
  };
  auto r = client.callTool("test_tool_with_progress", Json::object(), o);
  ASSERT_TRUE(r) << r.error().toString();
  std::lock_guard lock(mu);
  EXPECT_EQ(seen, (std::vector<double>{0, 50, 100}));
  EXPECT_EQ(server_->sessionCount(), 1u);
}

TEST_F(SessionHttpTest, ServerRequestsReachClientDuringCall) {
  ClientOptions o;
  o.on_sampling = [](const CreateMessageParams&) -> Result<CreateMessageResult> {
    return CreateMessageResult{"assistant", textContent("over http"), "m", std::nullopt};
  };
  auto& client = connect(o);
  auto r = client.callTool("test_sampling", Json{{"prompt", "x"}});
  ASSERT_TRUE(r) << r.error().toString();
  EXPECT_EQ(r->content.at(0)["text"], "LLM response: over http");
}

TEST_F(SessionHttpTest, ReadsResourcesAndPrompts) {
  auto& client = connect();
  auto res = client.readResource("test://template/7/data");
  ASSERT_TRUE(res) << res.error().toString();
  EXPECT_NE(res->contents.at(0)["text"].get<std::string>().find("Data for ID: 7"), std::string::npos);
  auto p = client.getPrompt("test_simple_prompt");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->messages.size(), 1u);
}

}  // namespace
}  // namespace onemcp::mcp
