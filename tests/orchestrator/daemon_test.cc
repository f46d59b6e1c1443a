// The daemon's sessions and meta-tools over real MCP servers started as host processes
// (a fixed ToolSource stands in for the catalogue; the catalogue and the sandbox have
// their own tests): consent, approval, per-session tools, list_changed, the tool budget,
// reuse of running servers, and the HTTP endpoint's token and origin checks.
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <sstream>

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include "onemcp/http/client.h"
#include "onemcp/mcp/client.h"
#include "onemcp/mcp/memory_transport.h"
#include "onemcp/mcp/protocol.h"
#include "onemcp/orchestrator/daemon.h"
#include "onemcp/orchestrator/secret_store.h"
#include "onemcp/orchestrator/state_store.h"
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
  SecretStore* secrets = nullptr;  // where the launcher of "secretive" reads its value
  std::atomic<int> launches{0};
  std::atomic<int> finds{0};
  Result<std::vector<Offer>> find(const std::string& task, std::size_t) override {
    ++finds;
    std::vector<Offer> out;
    if (task.find("remember") != std::string::npos || task.find("recall") != std::string::npos) {
      out.push_back({"test:memory", "memory", "knowledge graph memory", 1.0F, memory_verified, {}});
    }
    if (task.find("echo") != std::string::npos) {
      out.push_back({"test:everything", "everything", "echo and more", 1.0F, true, {}});
    }
    if (task.find("environment") != std::string::npos) {
      out.push_back({"test:secretive", "secretive", "shows its environment", 1.0F, true,
                     {"needs the secret ONEMCP_TEST_SECRET"}, {"ONEMCP_TEST_SECRET"}});
    }
    return out;
  }
  Result<std::unique_ptr<sandbox::BackendLauncher>> launcher(const Offer& offer) override {
    ++launches;
    ProcessSpec spec;
    spec.argv = {"node", serverScript(offer.name == "memory" ? "server-memory" : "server-everything")};
    if (offer.name == "secretive") {
      auto values = secrets->get(offer.server_id);
      if (!values) return fail(values.error());
      for (const auto& [k, v] : *values) spec.env[k] = v;
    }
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
                                Json elicitation_content = Json::object(), SamplingHandler sampling = nullptr) {
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
    o.on_elicitation = [elicitation_content](const mcp::ElicitParams&) -> Result<mcp::ElicitResult> {
      return mcp::ElicitResult{"accept", elicitation_content};
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

Json structured(const Result<mcp::CallToolResult>& r) {
  return r && r->structuredContent ? *r->structuredContent : Json::object();
}

std::filesystem::path stateFile(const std::string& name) {
  auto dir = std::filesystem::temp_directory_path() /
             ("onemcp-daemon-state-" + name + "-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir / "daemon.sqlite";
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
            (std::set<std::string>{"find_tools", "list_running", "drop_tools", "approve_server", "stop_server",
                                   "set_secret"}));
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
  EXPECT_EQ(toolNames(*b->session).size(), 6U);  // b still has only the meta-tools
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
  auto a = connect(daemon, false, Json::object(), [&asked](const mcp::CreateMessageParams& p) -> Result<mcp::CreateMessageResult> {
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
  auto b = connect(daemon, false, Json::object(), [](const mcp::CreateMessageParams&) -> Result<mcp::CreateMessageResult> {
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
  EXPECT_EQ(names.size(), 20U + 6U);  // the budget counts granted tools; meta-tools always stay
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

TEST_F(DaemonTest, ARestartedDaemonRunsAgainWhatRanAndKeepsTheUsageHistory) {
  const auto file = stateFile("restart");
  {
    auto state = StateStore::open(file);
    ASSERT_TRUE(state) << state.error().toString();
    Daemon daemon(DaemonOptions{}, source_, clock_, state->get());
    auto a = connect(daemon, /*elicitation_accepts=*/true);
    ASSERT_TRUE(a->session->callTool("find_tools", {{"task", "remember that Carol is a pilot"}}));
    auto created = a->session->callTool(
        "memory__create_entities",
        {{"entities", {{{"name", "Carol"}, {"entityType", "person"}, {"observations", {"flies for Acme Air"}}}}}});
    ASSERT_TRUE(created) << created.error().toString();
    ASSERT_FALSE(created->isError) << text(created);
  }
  ASSERT_EQ(source_.launches.load(), 1);
  auto state = StateStore::open(file);
  ASSERT_TRUE(state);
  Daemon daemon(DaemonOptions{}, source_, clock_, state->get());
  EXPECT_EQ(daemon.restore(), 1);
  EXPECT_EQ(source_.launches.load(), 2);
  auto b = connect(daemon);  // cannot elicit: a start would have to wait for approval
  auto running = structured(b->session->callTool("list_running"));
  ASSERT_EQ(running["servers"].size(), 1U) << running.dump();
  EXPECT_EQ(running["servers"][0]["name"], "memory");
  EXPECT_TRUE(running["servers"][0]["up"].get<bool>());
  auto found = b->session->callTool("find_tools", {{"task", "recall what you know about Carol"}});
  ASSERT_TRUE(found);
  EXPECT_TRUE(toolNames(*b->session).contains("memory__read_graph")) << text(found);
  EXPECT_NE(text(b->session->callTool("memory__read_graph")).find("flies for Acme Air"), std::string::npos);
  EXPECT_EQ(source_.launches.load(), 2);  // the restored server was used
  ASSERT_TRUE((*state)->flush());
  auto usage = (*state)->usage(100);
  ASSERT_TRUE(usage);
  ASSERT_GE(usage->size(), 2U);
  EXPECT_EQ(usage->front().tool, "read_graph");
  EXPECT_EQ(usage->front().server, "memory");
  EXPECT_TRUE(usage->front().ok);
  EXPECT_EQ(usage->back().tool, "create_entities");
}

TEST_F(DaemonTest, ATaskARunningServerCoversIsAnsweredFromTheLocalIndex) {
  source_.memory_verified = true;
  Daemon daemon(DaemonOptions{}, source_, clock_);
  auto a = connect(daemon);
  auto first = structured(
      a->session->callTool("find_tools", {{"task", "remember that Alice works at Acme"}}));
  ASSERT_EQ(first["tasks"].size(), 1U) << first.dump();
  EXPECT_EQ(first["tasks"][0]["source"], "source") << first.dump();  // nothing installed yet
  ASSERT_EQ(source_.finds.load(), 1);
  ASSERT_EQ(source_.launches.load(), 1);
  // Another session, a task the memory server's own tools describe and that the source
  // also ranks it for: the running server answers, confirmed, and nothing new starts.
  auto b = connect(daemon);
  auto second = structured(b->session->callTool(
      "find_tools", {{"task", "recall the entities of the knowledge graph"}}));
  ASSERT_EQ(second["tasks"].size(), 1U) << second.dump();
  const Json& task = second["tasks"][0];
  EXPECT_EQ(task["source"], "local") << second.dump();
  EXPECT_EQ(task["scores"]["confirmed_by_source"], true) << second.dump();
  EXPECT_EQ(source_.finds.load(), 2);  // asked once more, to confirm
  EXPECT_EQ(source_.launches.load(), 1);
  EXPECT_EQ(task["server"], "memory");
  EXPECT_EQ(task["scores"]["candidates"][0]["server_id"], "test:memory") << second.dump();
  EXPECT_TRUE(toolNames(*b->session).contains("memory__read_graph"));
  // A task the running server does not cover gets the source's offer.
  auto third = structured(b->session->callTool("find_tools", {{"task", "echo hello back to me"}}));
  EXPECT_EQ(third["tasks"][0]["source"], "source") << third.dump();
  EXPECT_EQ(source_.finds.load(), 3);
  EXPECT_TRUE(toolNames(*b->session).contains("everything__echo")) << third.dump();
}

TEST_F(DaemonTest, AStoppedServersToolsStayInTheLocalIndexAcrossRestarts) {
  source_.memory_verified = true;
  const auto file = stateFile("local-index");
  {
    auto state = StateStore::open(file);
    ASSERT_TRUE(state);
    Daemon daemon(DaemonOptions{}, source_, clock_, state->get());
    auto a = connect(daemon);
    ASSERT_TRUE(a->session->callTool("find_tools", {{"task", "remember that Dave is a chef"}}));
    ASSERT_TRUE(a->session->callTool("stop_server", {{"server", "memory"}}));
  }
  ASSERT_EQ(source_.finds.load(), 1);
  auto state = StateStore::open(file);
  ASSERT_TRUE(state);
  auto stored = (*state)->tools();
  ASSERT_TRUE(stored);
  ASSERT_TRUE(stored->contains("test:memory"));
  EXPECT_GE(stored->at("test:memory").size(), 5U);  // server-memory's tools, with descriptions
  Daemon daemon(DaemonOptions{}, source_, clock_, state->get());
  EXPECT_EQ(daemon.restore(), 0);
  auto b = connect(daemon);
  auto found = structured(
      b->session->callTool("find_tools", {{"task", "read the knowledge graph of entities"}}));
  EXPECT_EQ(found["tasks"][0]["source"], "local") << found.dump();
  EXPECT_TRUE(found["tasks"][0].value("started", false))
      << found.dump();  // installed, started again
  // The source was asked and had no offer for this task, so the local match's threshold
  // decided.
  EXPECT_EQ(found["tasks"][0]["scores"]["confirmed_by_source"], false) << found.dump();
  EXPECT_GE(found["tasks"][0]["scores"]["best_local"].get<float>(),
            found["tasks"][0]["scores"]["threshold"].get<float>())
      << found.dump();
  EXPECT_EQ(source_.finds.load(), 2);
  EXPECT_EQ(source_.launches.load(), 2);
  EXPECT_TRUE(toolNames(*b->session).contains("memory__read_graph"));
}

TEST_F(DaemonTest, AnApprovalIsRememberedAcrossRestarts) {
  const auto file = stateFile("approval");
  {
    auto state = StateStore::open(file);
    ASSERT_TRUE(state);
    Daemon daemon(DaemonOptions{}, source_, clock_, state->get());
    auto a = connect(daemon);
    auto found = structured(a->session->callTool("find_tools", {{"task", "remember this"}}));
    ASSERT_TRUE(found["tasks"][0].contains("needs_approval")) << found.dump();
    auto listed = structured(a->session->callTool("list_running"));
    ASSERT_EQ(listed["pending_approvals"].size(), 1U) << listed.dump();
    EXPECT_EQ(listed["pending_approvals"][0]["server_id"], "test:memory");
    ASSERT_TRUE(a->session->callTool("approve_server", {{"server_id", "test:memory"}}));
    EXPECT_TRUE(structured(a->session->callTool("list_running"))["pending_approvals"].empty());
    auto stopped = a->session->callTool("stop_server", {{"server", "memory"}});
    ASSERT_TRUE(stopped);
    EXPECT_FALSE(stopped->isError) << text(stopped);
  }
  auto state = StateStore::open(file);
  ASSERT_TRUE(state);
  Daemon daemon(DaemonOptions{}, source_, clock_, state->get());
  EXPECT_EQ(daemon.restore(), 0);  // it was stopped on purpose
  auto b = connect(daemon);        // cannot elicit
  auto found = structured(b->session->callTool("find_tools", {{"task", "remember that"}}));
  EXPECT_FALSE(found["tasks"][0].contains("needs_approval")) << found.dump();
  EXPECT_TRUE(toolNames(*b->session).contains("memory__create_entities")) << found.dump();
}

TEST_F(DaemonTest, StopServerStopsItForEverySession) {
  source_.memory_verified = true;
  Daemon daemon(DaemonOptions{}, source_, clock_);
  auto a = connect(daemon);
  auto b = connect(daemon);
  ASSERT_TRUE(a->session->callTool("find_tools", {{"task", "remember things"}}));
  ASSERT_TRUE(b->session->callTool("find_tools", {{"task", "remember more"}}));
  ASSERT_TRUE(b->session->callTool("memory__read_graph"));
  const int before = a->list_changed.load();
  auto stopped = b->session->callTool("stop_server", {{"server", "memory"}});
  ASSERT_TRUE(stopped);
  EXPECT_FALSE(stopped->isError) << text(stopped);
  EXPECT_TRUE(structured(a->session->callTool("list_running"))["servers"].empty());
  EXPECT_FALSE(toolNames(*a->session).contains("memory__read_graph"));
  EXPECT_FALSE(b->session->callTool("memory__read_graph"));
  EXPECT_GT(a->list_changed.load(), before);
  auto unknown = a->session->callTool("stop_server", {{"server", "memory"}});
  ASSERT_TRUE(unknown);
  EXPECT_TRUE(unknown->isError);
  EXPECT_NE(text(unknown).find("no running server named 'memory'"), std::string::npos) << text(unknown);
}

TEST_F(DaemonTest, IdleServersAreStoppedAfterTheConfiguredTime) {
  ManualClock clock;
  DaemonOptions o;
  o.idle_stop = std::chrono::minutes(5);
  source_.memory_verified = true;
  Daemon daemon(o, source_, clock);
  auto a = connect(daemon);
  ASSERT_TRUE(a->session->callTool(
      "find_tools", {{"task", "1. remember my name is Bob 2. echo hello back to me"}}));
  ASSERT_EQ(source_.launches.load(), 2);
  clock.advance(std::chrono::minutes(4));
  ASSERT_TRUE(a->session->callTool("memory__read_graph"));  // memory is used, everything not
  clock.advance(std::chrono::minutes(1));
  EXPECT_EQ(daemon.stopIdle(), std::vector<std::string>{"everything"});
  clock.advance(std::chrono::seconds(239));
  EXPECT_TRUE(daemon.stopIdle().empty());
  clock.advance(std::chrono::seconds(1));
  EXPECT_EQ(daemon.stopIdle(), std::vector<std::string>{"memory"});
  EXPECT_TRUE(structured(a->session->callTool("list_running"))["servers"].empty());
  // A task that needs it again starts it again.
  ASSERT_TRUE(a->session->callTool("find_tools", {{"task", "recall things"}}));
  EXPECT_TRUE(toolNames(*a->session).contains("memory__read_graph"));
  EXPECT_EQ(source_.launches.load(), 3);
}

TEST_F(DaemonTest, TheOnemcpPromptRunsTheFindToolsFlowAndSaysWhatIsNowCallable) {
  source_.memory_verified = true;
  Daemon daemon(DaemonOptions{}, source_, clock_);
  auto a = connect(daemon);
  auto listed = a->session->listPrompts();
  ASSERT_TRUE(listed) << listed.error().toString();
  ASSERT_EQ(listed->prompts.size(), 1U);
  EXPECT_EQ(listed->prompts[0].name, "onemcp");
  ASSERT_EQ(listed->prompts[0].arguments.size(), 1U);
  EXPECT_EQ(listed->prompts[0].arguments[0].name, "task");
  EXPECT_TRUE(listed->prompts[0].arguments[0].required.value_or(false));

  const std::string task = "1. remember that Alice works at Acme 2. echo hello back to me";
  auto got = a->session->getPrompt("onemcp", {{"task", task}});
  ASSERT_TRUE(got) << got.error().toString();
  ASSERT_EQ(got->messages.size(), 1U);
  EXPECT_EQ(got->messages[0].role, "user");
  const std::string said = got->messages[0].content.value("text", "");
  EXPECT_EQ(said.rfind(task, 0), 0U) << said;  // the user's task comes first
  EXPECT_NE(said.find("memory__create_entities"), std::string::npos) << said;
  EXPECT_NE(said.find("everything__echo"), std::string::npos) << said;
  // The tools were granted to this session, and the client was told.
  EXPECT_GE(a->list_changed.load(), 1);
  auto names = toolNames(*a->session);
  EXPECT_TRUE(names.contains("memory__read_graph"));
  EXPECT_EQ(text(a->session->callTool("everything__echo", {{"message", "hi"}})), "Echo: hi");
}

TEST_F(DaemonTest, TheOnemcpPromptSaysWhatWaitsForApprovalAndNeedsATask) {
  Daemon daemon(DaemonOptions{}, source_, clock_);
  auto a = connect(daemon);
  auto got = a->session->getPrompt("onemcp", {{"task", "remember that Alice works at Acme"}});
  ASSERT_TRUE(got) << got.error().toString();
  const std::string said = got->messages.at(0).content.value("text", "");
  EXPECT_NE(said.find("waits for approval"), std::string::npos) << said;
  EXPECT_NE(said.find("approve_server {\"server_id\": \"test:memory\"}"), std::string::npos)
      << said;
  EXPECT_EQ(source_.launches.load(), 0);  // nothing started without consent

  for (const auto& args :
       {std::map<std::string, std::string>{}, std::map<std::string, std::string>{{"task", "  "}}}) {
    auto missing = a->session->getPrompt("onemcp", args);
    ASSERT_FALSE(missing);
    EXPECT_EQ(missing.error().code, ErrorCode::kInvalidParams) << missing.error().toString();
    EXPECT_NE(missing.error().message.find("'task'"), std::string::npos) << missing.error().message;
  }
}

// Everything the daemon logs while a test runs, at every level.
class LogCapture {
 public:
  LogCapture() : previous_(spdlog::default_logger()) {
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(out_);
    auto logger = std::make_shared<spdlog::logger>("capture", sink);
    logger->set_level(spdlog::level::trace);
    spdlog::set_default_logger(logger);
  }
  ~LogCapture() { spdlog::set_default_logger(previous_); }
  LogCapture(const LogCapture&) = delete;
  LogCapture& operator=(const LogCapture&) = delete;
  std::string text() {
    spdlog::default_logger()->flush();
    return out_.str();
  }

 private:
  std::ostringstream out_;
  std::shared_ptr<spdlog::logger> previous_;
};

TEST_F(DaemonTest, AMissingSecretIsAskedForByToolStoredPrivatelyPassedToTheServerAndNeverLogged) {
  const std::string value = "s3cr3t-" + std::to_string(::getpid()) + "-value";
  const auto file = stateFile("secrets").parent_path() / "config" / "secrets.json";
  SecretStore secrets(file);
  source_.secrets = &secrets;
  LogCapture log;
  {
    Daemon daemon(DaemonOptions{}, source_, clock_, nullptr, &secrets);
    auto a = connect(daemon);  // cannot elicit: the LLM is told to ask, then uses set_secret
    auto found = a->session->callTool("find_tools", {{"task", "show the environment"}});
    ASSERT_TRUE(found);
    EXPECT_NE(text(found).find("ONEMCP_TEST_SECRET"), std::string::npos) << text(found);
    EXPECT_NE(text(found).find("set_secret"), std::string::npos) << text(found);
    auto early = a->session->callTool("approve_server", {{"server_id", "test:secretive"}});
    ASSERT_TRUE(early);
    EXPECT_TRUE(early->isError);
    EXPECT_EQ(source_.launches.load(), 0);  // nothing starts without its secret
    auto stored = a->session->callTool("set_secret", {{"server_id", "test:secretive"},
                                                      {"name", "ONEMCP_TEST_SECRET"},
                                                      {"value", value}});
    ASSERT_TRUE(stored);
    EXPECT_FALSE(stored->isError) << text(stored);
    EXPECT_EQ(text(stored).find(value), std::string::npos);
    auto approved = a->session->callTool("approve_server", {{"server_id", "test:secretive"}});
    ASSERT_TRUE(approved);
    ASSERT_FALSE(approved->isError) << text(approved);
    auto env = a->session->callTool("secretive__get-env");
    EXPECT_NE(text(env).find(value), std::string::npos) << "the server did not get the value";
  }
  struct stat st {};
  ASSERT_EQ(::stat(file.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600U);
  auto kept = secrets.get("test:secretive");
  ASSERT_TRUE(kept);
  EXPECT_EQ(kept->at("ONEMCP_TEST_SECRET"), value);
  const std::string logged = log.text();
  EXPECT_NE(logged.find("ONEMCP_TEST_SECRET"), std::string::npos) << "the capture saw nothing";
  EXPECT_EQ(logged.find(value), std::string::npos) << "the secret was logged";
}

TEST_F(DaemonTest, AClientThatElicitsIsAskedForTheSecretInline) {
  const std::string value = "inline-" + std::to_string(::getpid());
  SecretStore secrets(stateFile("inline").parent_path() / "secrets.json");
  source_.secrets = &secrets;
  LogCapture log;
  Daemon daemon(DaemonOptions{}, source_, clock_, nullptr, &secrets);
  auto a = connect(daemon, /*elicitation_accepts=*/true, Json{{"ONEMCP_TEST_SECRET", value}});
  auto found = a->session->callTool("find_tools", {{"task", "show the environment"}});
  ASSERT_TRUE(found);
  ASSERT_TRUE(toolNames(*a->session).contains("secretive__get-env")) << text(found);
  EXPECT_NE(text(a->session->callTool("secretive__get-env")).find(value), std::string::npos);
  EXPECT_EQ(log.text().find(value), std::string::npos) << "the secret was logged";
}

}  // namespace
}  // namespace onemcp::orchestrator
