// ClientSession against McpServer over the in-memory transport: the MCP feature set end
// to end, without processes or sockets.
#include <future>

#include <gtest/gtest.h>

#include "onemcp/mcp/client.h"
#include "onemcp/mcp/demo/demo_server.h"
#include "onemcp/mcp/memory_transport.h"
#include "onemcp/mcp/protocol.h"
#include "onemcp/mcp/server.h"

namespace onemcp::mcp {
namespace {

using namespace std::chrono_literals;
constexpr auto kWait = 10s;

struct Fixture {
  explicit Fixture(ClientOptions client_options = {}, ServerOptions server_options = {}) {
    server = demo::makeDemoServer(std::move(server_options));
    auto [a, b] = makeMemoryTransportPair();
    auto s = server->serve(b);
    EXPECT_TRUE(s);
    session = *s;
    client_options.request_timeout = kWait;
    client = std::make_unique<ClientSession>(a, std::move(client_options));
  }
  std::unique_ptr<McpServer> server;
  std::shared_ptr<ServerSession> session;
  std::unique_ptr<ClientSession> client;
};

Tool namedTool(const std::string& name) {
  Tool t;
  t.name = name;
  t.description = "test tool " + name;
  return t;
}

// A tool that runs until cancelled, then tells the test through `stopped`.
void addBlockingTool(McpServer& server, std::promise<void>& started, std::promise<void>& stopped) {
  server.addTool(namedTool("block"), [&](const Json&, ServerContext& ctx) -> Result<CallToolResult> {
    started.set_value();
    std::mutex mu;
    std::condition_variable_any cv;
    std::unique_lock lock(mu);
    cv.wait(lock, ctx.stopToken(), [] { return false; });
    stopped.set_value();
    return textResult("stopped");
  });
}

TEST(SessionTest, InitializeNegotiatesVersionAndCapabilities) {
  Fixture f;
  auto init = f.client->initialize();
  ASSERT_TRUE(init) << init.error().toString();
  EXPECT_EQ(init->protocolVersion, version::kLatest);
  EXPECT_EQ(init->serverInfo.name, "onemcp-demo-server");
  EXPECT_TRUE(init->capabilities.tools.has_value());
  EXPECT_TRUE(init->capabilities.prompts.has_value());
  EXPECT_TRUE(init->capabilities.completions.has_value());
  EXPECT_EQ((*init->capabilities.resources)["subscribe"], true);
  EXPECT_TRUE(f.session->initialized());
  EXPECT_TRUE(f.client->ping());
}

TEST(SessionTest, OlderClientVersionIsKept) {
  ClientOptions o;
  o.protocol_version = "2025-03-26";
  Fixture f(o);
  auto init = f.client->initialize();
  ASSERT_TRUE(init);
  EXPECT_EQ(init->protocolVersion, "2025-03-26");
  EXPECT_EQ(f.session->protocolVersion(), "2025-03-26");
}

TEST(SessionTest, RequestsBeforeInitializeAreRefused) {
  Fixture f;
  auto [a, b] = makeMemoryTransportPair();
  auto s = f.server->serve(b);
  ASSERT_TRUE(s);
  Peer raw(a, Peer::Options{}, [](const Request&, RequestScope&) { return Result<Json>(Json::object()); }, {});
  ASSERT_TRUE(raw.start());
  RequestOptions o;
  o.timeout = kWait;
  auto r = raw.request(std::string(method::kToolsList), Json::object(), o);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidRequest);
  EXPECT_TRUE(raw.request(std::string(method::kPing), std::nullopt, o));
}

TEST(SessionTest, ListAllToolsFollowsCursors) {
  ServerOptions so;
  so.page_size = 3;
  Fixture f({}, so);
  ASSERT_TRUE(f.client->initialize());
  auto first = f.client->listTools();
  ASSERT_TRUE(first);
  EXPECT_EQ(first->tools.size(), 3u);
  ASSERT_TRUE(first->nextCursor.has_value());
  auto all = f.client->listAllTools();
  ASSERT_TRUE(all);
  EXPECT_EQ(all->size(), 13u);
  EXPECT_FALSE(f.client->listTools(std::string("not-a-number")));
}

TEST(SessionTest, CallsToolAndReportsToolErrorsInResult) {
  Fixture f;
  ASSERT_TRUE(f.client->initialize());
  auto ok = f.client->callTool("test_simple_text");
  ASSERT_TRUE(ok);
  EXPECT_FALSE(ok->isError);
  EXPECT_EQ(ok->content.at(0)["text"], "This is a simple text response for testing.");
  auto err = f.client->callTool("test_error_handling");
  ASSERT_TRUE(err);
  EXPECT_TRUE(err->isError);
  auto unknown = f.client->callTool("no_such_tool");
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code, ErrorCode::kInvalidParams);
}

TEST(SessionTest, ProgressNotificationsArriveDuringCall) {
  Fixture f;
  ASSERT_TRUE(f.client->initialize());
  std::mutex mu;
  std::vector<double> seen;
  CallOptions o;
  o.on_progress = [&](const ProgressParams& p) {
    std::lock_guard lock(mu);
    seen.push_back(p.progress);
    EXPECT_EQ(p.total, 100);
  };
  ASSERT_TRUE(f.client->callTool("test_tool_with_progress", Json::object(), o));
  std::lock_guard lock(mu);
  EXPECT_EQ(seen, (std::vector<double>{0, 50, 100}));
}

TEST(SessionTest, LogLevelFiltersLogNotifications) {
  std::mutex mu;
  std::vector<std::string> logs;
  ClientOptions o;
  o.on_log = [&](const LoggingMessageParams& p) {
    std::lock_guard lock(mu);
    logs.push_back(p.data.get<std::string>());
  };
  Fixture f(o);
  ASSERT_TRUE(f.client->initialize());
  ASSERT_TRUE(f.client->setLoggingLevel(LoggingLevel::kError));
  ASSERT_TRUE(f.client->callTool("test_tool_with_logging"));
  ASSERT_TRUE(f.client->setLoggingLevel(LoggingLevel::kDebug));
  ASSERT_TRUE(f.client->callTool("test_tool_with_logging"));
  // Log notifications precede the response on the same ordered transport.
  std::lock_guard lock(mu);
  EXPECT_EQ(logs.size(), 3u);
  EXPECT_FALSE(f.client->request(method::kLoggingSetLevel, Json{{"level", "loud"}}));
}

TEST(SessionTest, SamplingAndElicitationGoBackToTheClient) {
  ClientOptions o;
  o.on_sampling = [](const CreateMessageParams& p) -> Result<CreateMessageResult> {
    return CreateMessageResult{"assistant", textContent("echo " + p.messages.at(0).content["text"].get<std::string>()),
                               "test-model", "endTurn"};
  };
  o.on_elicitation = [](const ElicitParams& p) -> Result<ElicitResult> {
    EXPECT_TRUE(p.requestedSchema["properties"].contains("username"));
    return ElicitResult{"accept", Json{{"username", "u"}, {"email", "e@x"}}};
  };
  Fixture f(o);
  ASSERT_TRUE(f.client->initialize());
  auto sampled = f.client->callTool("test_sampling", Json{{"prompt", "hi"}});
  ASSERT_TRUE(sampled);
  EXPECT_EQ(sampled->content.at(0)["text"], "LLM response: echo hi");
  auto elicited = f.client->callTool("test_elicitation", Json{{"message", "who?"}});
  ASSERT_TRUE(elicited);
  EXPECT_NE(elicited->content.at(0)["text"].get<std::string>().find("action=accept"), std::string::npos);
}

TEST(SessionTest, ElicitationWithoutClientSupportIsAToolError) {
  Fixture f;
  ASSERT_TRUE(f.client->initialize());
  auto r = f.client->callTool("test_elicitation", Json{{"message", "who?"}});
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->isError);
}

TEST(SessionTest, ReadsResourcesAndTemplates) {
  Fixture f;
  ASSERT_TRUE(f.client->initialize());
  auto list = f.client->listResources();
  ASSERT_TRUE(list);
  EXPECT_EQ(list->resources.size(), 3u);
  auto text = f.client->readResource("test://static-text");
  ASSERT_TRUE(text);
  EXPECT_EQ(text->contents.at(0)["text"], "This is the content of the static text resource.");
  auto templ = f.client->readResource("test://template/123/data");
  ASSERT_TRUE(templ);
  EXPECT_EQ(Json::parse(templ->contents.at(0)["text"].get<std::string>())["id"], "123");
  auto missing = f.client->readResource("test://nope");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::kResourceNotFound);
  auto templates = f.client->listResourceTemplates();
  ASSERT_TRUE(templates);
  EXPECT_EQ(templates->resourceTemplates.at(0).uriTemplate, "test://template/{id}/data");
}

TEST(SessionTest, SubscribedClientHearsResourceUpdates) {
  std::promise<std::string> updated;
  ClientOptions o;
  o.on_notification = [&](const Notification& n) {
    if (n.method == notification::kResourcesUpdated) updated.set_value(n.params->at("uri"));
  };
  Fixture f(o);
  ASSERT_TRUE(f.client->initialize());
  ASSERT_TRUE(f.client->subscribeResource("test://watched-resource"));
  EXPECT_TRUE(f.session->subscribed("test://watched-resource"));
  f.server->notifyResourceUpdated("test://watched-resource");
  auto fut = updated.get_future();
  ASSERT_EQ(fut.wait_for(kWait), std::future_status::ready);
  EXPECT_EQ(fut.get(), "test://watched-resource");
  ASSERT_TRUE(f.client->unsubscribeResource("test://watched-resource"));
  EXPECT_FALSE(f.session->subscribed("test://watched-resource"));
}

TEST(SessionTest, GetsPromptsAndChecksRequiredArguments) {
  Fixture f;
  ASSERT_TRUE(f.client->initialize());
  auto prompts = f.client->listPrompts();
  ASSERT_TRUE(prompts);
  EXPECT_EQ(prompts->prompts.size(), 4u);
  auto p = f.client->getPrompt("test_prompt_with_arguments", {{"arg1", "hello"}, {"arg2", "world"}});
  ASSERT_TRUE(p);
  EXPECT_EQ(p->messages.at(0).content["text"], "Prompt with arguments: arg1='hello', arg2='world'");
  auto missing = f.client->getPrompt("test_prompt_with_arguments", {{"arg1", "x"}});
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::kInvalidParams);
}

TEST(SessionTest, CompletesByPrefix) {
  Fixture f;
  ASSERT_TRUE(f.client->initialize());
  CompleteParams p{Json{{"type", "ref/prompt"}, {"name", "test_prompt_with_arguments"}}, "arg1", "par",
                   std::nullopt};
  auto r = f.client->complete(p);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->values, (std::vector<std::string>{"paris", "park", "party"}));
}

TEST(SessionTest, ToolListChangeIsAnnounced) {
  std::promise<void> changed;
  ClientOptions o;
  o.on_notification = [&](const Notification& n) {
    if (n.method == notification::kToolsListChanged) changed.set_value();
  };
  Fixture f(o);
  ASSERT_TRUE(f.client->initialize());
  f.server->addTool(namedTool("late"), [](const Json&, ServerContext&) {
    return Result<CallToolResult>(textResult("late"));
  });
  ASSERT_EQ(changed.get_future().wait_for(kWait), std::future_status::ready);
  EXPECT_TRUE(f.client->callTool("late"));
  EXPECT_TRUE(f.server->removeTool("late"));
  EXPECT_FALSE(f.client->callTool("late"));
}

TEST(SessionTest, ClientCancellationStopsServerHandler) {
  Fixture f;
  std::promise<void> started;
  std::promise<void> stopped;
  addBlockingTool(*f.server, started, stopped);
  ASSERT_TRUE(f.client->initialize());
  std::stop_source stop;
  CallOptions o;
  o.stop = stop.get_token();
  auto call = std::async(std::launch::async, [&] { return f.client->callTool("block", Json::object(), o); });
  ASSERT_EQ(started.get_future().wait_for(kWait), std::future_status::ready);
  stop.request_stop();
  auto r = call.get();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kRequestCancelled);
  EXPECT_EQ(stopped.get_future().wait_for(kWait), std::future_status::ready);
  EXPECT_TRUE(f.client->ping());  // the session carries on
}

TEST(SessionTest, ServerShutdownFailsPendingCallsAndClosesClient) {
  Fixture f;
  std::promise<void> started;
  std::promise<void> stopped;
  addBlockingTool(*f.server, started, stopped);
  ASSERT_TRUE(f.client->initialize());
  auto call = std::async(std::launch::async, [&] { return f.client->callTool("block"); });
  ASSERT_EQ(started.get_future().wait_for(kWait), std::future_status::ready);
  f.server.reset();
  auto r = call.get();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kClosed);
  EXPECT_TRUE(f.client->closed());
}

TEST(UriTemplateTest, MatchesLevelOneTemplates) {
  auto m = matchUriTemplate("test://template/{id}/data", "test://template/123/data");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->at("id"), "123");
  EXPECT_FALSE(matchUriTemplate("test://template/{id}/data", "test://template/123/other"));
  EXPECT_FALSE(matchUriTemplate("test://template/{id}/data", "test://template//data"));
  auto two = matchUriTemplate("file:///{dir}/{name}", "file:///a/b.txt");
  ASSERT_TRUE(two);
  EXPECT_EQ(two->at("name"), "b.txt");
}

}  // namespace
}  // namespace onemcp::mcp
