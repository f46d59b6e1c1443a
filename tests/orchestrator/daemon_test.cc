// The daemon's sessions and meta-tools over real MCP servers started as host processes
// (a fixed ToolSource stands in for the catalogue; the catalogue and the sandbox have
// their own tests): consent, approval, per-session tools, list_changed, the tool budget,
// reuse of running servers, and the HTTP endpoint's token and origin checks.
#include <filesystem>
#include <functional>

#include <gtest/gtest.h>

#include "onemcp/http/client.h"
#include "onemcp/mcp/client.h"
#include "onemcp/mcp/memory_transport.h"
#include "onemcp/mcp/protocol.h"
#include "onemcp/orchestrator/daemon.h"
#include "onemcp/sandbox/proxy_launchers.h"

namespace onemcp::orchestrator {
namespace {

using mcp::Json;

std::string serverScript(const std::string& package) {
  return std::string(ONEMCP_SOURCE_DIR) + "/tools/node/node_modules/@modelcontextprotocol/" + package +
         "/dist/index.js";
}

// Offers the memory server for anything about remembering, server-everything for
// echoing; both run on the host.
class FixedSource final : public ToolSource {
 public:
  bool memory_verified = false;
  std::atomic<int> launches{0};
  Result<std::vector<Offer>> find(const std::string& task, std::size_t) override {
    std::vector<Offer> out;
    if (task.find("remember") != std::string::npos || task.find("recall") != std::string::npos) {
      out.push_back({"test:memory", "memory", "knowledge graph memory", 1.0F, memory_verified, {}});
    }
    if (task.find("echo") != std::string::npos) {
      out.push_back({"test:everything", "everything", "echo and more", 1.0F, true, {}});
    }
    return out;
  }
  Result<std::unique_ptr<sandbox::BackendLauncher>> launcher(const Offer& offer) override {
    ++launches;
    ProcessSpec spec;
    spec.argv = {"node", serverScript(offer.name == "memory" ? "server-memory" : "server-everything")};
    if (offer.name == "memory") {
      spec.env["MEMORY_FILE_PATH"] = (std::filesystem::temp_directory_path() /
                                      ("onemcp-daemon-test-" + std::to_string(::getpid()) + ".jsonl"))
                                         .string();
    }
    return std::unique_ptr<sandbox::BackendLauncher>(std::make_unique<sandbox::ProcessLauncher>(spec));
  }
};

struct Client {
  std::unique_ptr<mcp::ClientSession> session;
  std::atomic<int> list_changed{0};
};

using SamplingHandler = std::function<Result<mcp::CreateMessageResult>(const mcp::CreateMessageParams&)>;

std::unique_ptr<Client> connect(Daemon& daemon, bool elicitation_accepts = false,
                                SamplingHandler sampling = nullptr) {
  auto c = std::make_unique<Client>();
  auto [mine, theirs] = mcp::makeMemoryTransportPair();
  EXPECT_TRUE(daemon.proxy().serve(theirs));
  mcp::ClientOptions o;
  o.request_timeout = std::chrono::seconds(60);
  auto* raw = c.get();
  o.on_notification = [raw](const mcp::Notification& n) {
    if (n.method == mcp::notification::kToolsListChanged) ++raw->list_changed;
  };
  if (elicitation_accepts) {
    o.on_elicitation = [](const mcp::ElicitParams&) -> Result<mcp::ElicitResult> {
      return mcp::ElicitResult{"accept", Json::object()};
    };
  }
  o.on_sampling = std::move(sampling);
  c->session = std::make_unique<mcp::ClientSession>(mine, std::move(o));
  EXPECT_TRUE(c->session->initialize());
  return c;
}

std::set<std::string> toolNames(mcp::ClientSession& s) {
  std::set<std::string> out;
  auto tools = s.listAllTools();
  if (tools) {
    for (const auto& t : *tools) out.insert(t.name);
  }
  return out;
}

std::string text(const Result<mcp::CallToolResult>& r) {
  if (!r) return "error: " + r.error().toString();
  std::string out;
  for (const auto& c : r->content) out += c.value("text", "");
  return out;
}

class DaemonTest : public ::testing::Test {
 protected:
  SystemClock clock_;
  FixedSource source_;
};

TEST_F(DaemonTest, NewSessionsSeeOnlyTheMetaTools) {
  Daemon daemon(DaemonOptions{}, source_, clock_);
  auto c = connect(daemon);
  EXPECT_EQ(toolNames(*c->session),
            (std::set<std::string>{"find_tools", "list_running", "drop_tools", "approve_server"}));
}

TEST_F(DaemonTest, UnverifiedServerWaitsForApprovalThenItsToolsAppearInThatSessionOnly) {
  Daemon daemon(DaemonOptions{}, source_, clock_);
  auto a = connect(daemon);
  auto b = connect(daemon);
  auto found = a->session->callTool("find_tools", {{"task", "remember that Alice works at Acme"}});
  ASSERT_TRUE(found) << found.error().toString();
  EXPECT_NE(text(found).find("approve_server"), std::string::npos) << text(found);
  EXPECT_EQ(source_.launches.load(), 0);  // nothing started without consent
  auto approved = a->session->callTool("approve_server", {{"server_id", "test:memory"}});
  ASSERT_TRUE(approved) << approved.error().toString();
  EXPECT_GE(a->list_changed.load(), 1);
  auto names = toolNames(*a->session);
  ASSERT_TRUE(names.contains("memory__create_entities")) << text(approved);
  ASSERT_TRUE(names.contains("memory__read_graph"));
  EXPECT_EQ(toolNames(*b->session).size(), 4U);  // b still has only the meta-tools
  auto created = a->session->callTool(
      "memory__create_entities",
      {{"entities", {{{"name", "Alice"}, {"entityType", "person"}, {"observations", {"works at Acme as an engineer"}}}}}});
  ASSERT_TRUE(created) << created.error().toString();
  EXPECT_FALSE(created->isError) << text(created);
  auto graph = a->session->callTool("memory__read_graph");
  EXPECT_NE(text(graph).find("works at Acme as an engineer"), std::string::npos) << text(graph);
  EXPECT_FALSE(b->session->callTool("memory__read_graph"));  // not in b's view
  EXPECT_FALSE(a->session->callTool("approve_server", {{"server_id", "nothing:pending"}}));
}

TEST_F(DaemonTest, ClientThatElicitsConsentsInlineAndRunningServersAreReused) {
  Daemon daemon(DaemonOptions{}, source_, clock_);
  auto a = connect(daemon, /*elicitation_accepts=*/true);
  auto found = a->session->callTool("find_tools", {{"task", "recall what I said"}});
  ASSERT_TRUE(found);
  EXPECT_TRUE(toolNames(*a->session).contains("memory__read_graph")) << text(found);
  auto b = connect(daemon);
  auto again = b->session->callTool("find_tools", {{"task", "recall it"}});
  ASSERT_TRUE(again);
  EXPECT_TRUE(toolNames(*b->session).contains("memory__read_graph")) << text(again);
  EXPECT_EQ(source_.launches.load(), 1);  // the running server was reused, not started again
}

TEST_F(DaemonTest, VerifiedServerStartsAtOnceAndATwoNeedTaskGetsBoth) {
  source_.memory_verified = true;
  Daemon daemon(DaemonOptions{}, source_, clock_);
  auto a = connect(daemon);
  auto found = a->session->callTool(
      "find_tools", {{"task", "1. remember my name is Bob 2. echo hello back to me"}});
  ASSERT_TRUE(found) << found.error().toString();
  auto names = toolNames(*a->session);
  EXPECT_TRUE(names.contains("memory__read_graph")) << text(found);
  EXPECT_TRUE(names.contains("everything__echo")) << text(found);
  EXPECT_EQ(text(a->session->callTool("everything__echo", {{"message", "hi"}})), "Echo: hi");
  auto dropped = a->session->callTool("drop_tools", {{"tools", {"everything__echo"}}});
  ASSERT_TRUE(dropped);
  EXPECT_FALSE(toolNames(*a->session).contains("everything__echo"));
}

TEST_F(DaemonTest, AClientThatSamplesSplitsThePromptWithItsOwnModel) {
  source_.memory_verified = true;
  Daemon daemon(DaemonOptions{}, source_, clock_);
  std::string asked;
  // The client's "model": splits the prompt into two tasks the catalogue knows. The
  // prompt itself names neither need in words the source matches, and the splitter
  // keeps it whole.
  auto a = connect(daemon, false, [&asked](const mcp::CreateMessageParams& p) -> Result<mcp::CreateMessageResult> {
    asked = p.messages.at(0).content.value("text", "");
    mcp::CreateMessageResult r;
    r.model = "test-model";
    r.content = {{"type", "text"}, {"text", R"({"tasks": ["remember my name is Bob", "echo hello back"]})"}};
    return r;
  });
  const std::string prompt = "Keep in mind that my name is Bob and say hello back to me";
  auto found = a->session->callTool("find_tools", {{"task", prompt}});
  ASSERT_TRUE(found) << found.error().toString();
  EXPECT_EQ(asked, prompt);
  ASSERT_TRUE(found->structuredContent);
  EXPECT_EQ(found->structuredContent->value("planned_by", ""), "sampling") << text(found);
  auto names = toolNames(*a->session);
  EXPECT_TRUE(names.contains("memory__read_graph")) << text(found);
  EXPECT_TRUE(names.contains("everything__echo")) << text(found);

  // A model that answers prose: the splitter takes over, and the result says why.
  auto b = connect(daemon, false, [](const mcp::CreateMessageParams&) -> Result<mcp::CreateMessageResult> {
    mcp::CreateMessageResult r;
    r.content = {{"type", "text"}, {"text", "Sure, happy to help!"}};
    return r;
  });
  auto fallback = b->session->callTool("find_tools", {{"task", "echo this word"}});
  ASSERT_TRUE(fallback) << fallback.error().toString();
  ASSERT_TRUE(fallback->structuredContent);
  EXPECT_EQ(fallback->structuredContent->value("planned_by", ""), "splitter");
  EXPECT_NE(fallback->structuredContent->value("plan_note", "").find("unusably"), std::string::npos);
  EXPECT_TRUE(toolNames(*b->session).contains("everything__echo"));
}

TEST_F(DaemonTest, ConsentNeverStartsNothingNew) {
  DaemonOptions o;
  o.consent = ConsentPolicy::kNever;
  source_.memory_verified = true;
  Daemon daemon(o, source_, clock_);
  auto a = connect(daemon);
  auto found = a->session->callTool("find_tools", {{"task", "remember this"}});
  ASSERT_TRUE(found);
  EXPECT_NE(text(found).find("consent: never"), std::string::npos) << text(found);
  EXPECT_EQ(source_.launches.load(), 0);
}

TEST_F(DaemonTest, TheToolBudgetDropsTheLeastRecentlyUsed) {
  DaemonOptions o;
  o.max_session_tools = 20;  // memory's 9 + everything's 16 do not fit
  source_.memory_verified = true;
  Daemon daemon(o, source_, clock_);
  auto a = connect(daemon);
  ASSERT_TRUE(a->session->callTool("find_tools", {{"task", "remember things"}}));
  ASSERT_TRUE(a->session->callTool("memory__read_graph"));  // recently used: kept
  ASSERT_TRUE(a->session->callTool("find_tools", {{"task", "echo things"}}));
  auto names = toolNames(*a->session);
  EXPECT_EQ(names.size(), 20U + 4U);  // the budget counts granted tools; meta-tools always stay
  EXPECT_TRUE(names.contains("memory__read_graph"));       // used: kept
  EXPECT_FALSE(names.contains("memory__create_entities"));  // never used, oldest: dropped
  EXPECT_TRUE(names.contains("everything__echo"));          // just granted: kept
}

TEST_F(DaemonTest, HttpEndpointRequiresTheTokenAndALocalOrigin) {
  Daemon daemon(DaemonOptions{}, source_, clock_);
  auto url = daemon.serveHttp("the-token");
  ASSERT_TRUE(url) << url.error().toString();
  const std::string init =
      R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}})";
  auto post = [&](std::optional<std::string> auth, std::optional<std::string> origin) {
    http::HttpClient client;
    http::ClientRequest r;
    r.method = "POST";
    r.url = *url;
    r.body = init;
    r.headers.set("Content-Type", "application/json");
    r.headers.set("Accept", "application/json, text/event-stream");
    if (auth) r.headers.set("Authorization", *auth);
    if (origin) r.headers.set("Origin", *origin);
    auto resp = client.send(r);
    return resp ? resp->status : -1;
  };
  EXPECT_EQ(post(std::nullopt, std::nullopt), 401);
  EXPECT_EQ(post("Bearer wrong", std::nullopt), 401);
  EXPECT_EQ(post("Bearer the-token", "http://evil.example.com"), 403);
  EXPECT_EQ(post("Bearer the-token", std::nullopt), 200);
}

}  // namespace
}  // namespace onemcp::orchestrator
