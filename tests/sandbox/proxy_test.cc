// McpProxy with in-process backends (McpServers over memory transports): merging,
// routing, views and list_changed, what travels with a call, and failure behaviour.
#include <atomic>
#include <future>
#include <thread>

#include <gtest/gtest.h>

#include "onemcp/mcp/protocol.h"
#include "onemcp/sandbox/proxy.h"
#include "proxy_test_support.h"

namespace onemcp::sandbox {
namespace {

using namespace std::chrono_literals;
using testing::connectClient;
using testing::InProcessLauncher;
using testing::InProcessState;
using testing::namedTool;
constexpr auto kWait = 10s;

// Each backend answers "whoami" with its own name and echoes what it was sent.
std::unique_ptr<mcp::McpServer> makeBackend(const std::string& name) {
  mcp::ServerOptions options;
  options.info = {name, "1", std::nullopt};
  options.worker_threads = 2;
  auto server = std::make_unique<mcp::McpServer>(std::move(options));
  server->addTool(namedTool("whoami"), [name](const Json&, mcp::ServerContext&) {
    return Result<mcp::CallToolResult>(mcp::textResult(name));
  });
  server->addTool(namedTool("echo"), [](const Json& args, mcp::ServerContext&) {
    mcp::CallToolResult r = mcp::textResult(args.dump());
    r.structuredContent = args;
    return Result<mcp::CallToolResult>(r);
  });
  return server;
}

struct Backends {
  std::map<std::string, std::unique_ptr<mcp::McpServer>> servers;
  std::map<std::string, std::shared_ptr<InProcessState>> states;

  mcp::McpServer& add(const std::string& name) {
    servers[name] = makeBackend(name);
    states[name] = std::make_shared<InProcessState>();
    return *servers[name];
  }
  Result<void> attach(McpProxy& proxy, const std::string& name, BackendOptions options = {}) {
    options.name = name;
    return proxy.attach(std::move(options),
                        std::make_unique<InProcessLauncher>(*servers.at(name), states.at(name)));
  }
};

std::string firstText(const mcp::CallToolResult& r) {
  return r.content.empty() ? "" : r.content.front().value("text", "");
}

std::set<std::string> namesOf(const std::vector<mcp::Tool>& tools) {
  std::set<std::string> out;
  for (const auto& t : tools) out.insert(t.name);
  return out;
}

class ProxyTest : public ::testing::Test {
 protected:
  SystemClock clock_;
  Backends backends_;  // outlive the proxy
  McpProxy proxy_{ProxyOptions{}, clock_};
};

TEST_F(ProxyTest, MergesToolsUnderPrefixesAndRoutesEachCallToItsOwner) {
  backends_.add("alpha");
  backends_.add("beta");
  ASSERT_TRUE(backends_.attach(proxy_, "alpha"));
  ASSERT_TRUE(backends_.attach(proxy_, "beta"));
  auto client = connectClient(proxy_, nullptr);
  ASSERT_TRUE(client);
  auto tools = client->listAllTools();
  ASSERT_TRUE(tools);
  EXPECT_EQ(namesOf(*tools), (std::set<std::string>{"alpha__whoami", "alpha__echo",
                                                    "beta__whoami", "beta__echo"}));
  EXPECT_EQ(firstText(*client->callTool("alpha__whoami")), "alpha");
  EXPECT_EQ(firstText(*client->callTool("beta__whoami")), "beta");
  // Arguments and structured content pass through untouched.
  Json args = {{"nested", {{"list", {1, 2.5, "three", nullptr}}}}, {"unicode", "é✓"}};
  auto echoed = client->callTool("beta__echo", args);
  ASSERT_TRUE(echoed);
  EXPECT_EQ(echoed->structuredContent, args);
}

TEST_F(ProxyTest, UnknownToolIsAnInvalidParamsError) {
  backends_.add("alpha");
  ASSERT_TRUE(backends_.attach(proxy_, "alpha"));
  auto client = connectClient(proxy_, nullptr);
  auto r = client->callTool("alpha__nope");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidParams);
}

TEST_F(ProxyTest, RefusesAnUnprefixedBackendWhoseNamesCollide) {
  backends_.add("one");
  backends_.add("two");
  BackendOptions bare;
  bare.prefix = "";
  ASSERT_TRUE(backends_.attach(proxy_, "one", bare));
  auto refused = backends_.attach(proxy_, "two", bare);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("'one'"), std::string::npos) << refused.error().message;
  EXPECT_NE(refused.error().message.find("prefix"), std::string::npos);
  // Nothing of the refused backend is exposed; the first still answers.
  auto client = connectClient(proxy_, nullptr);
  EXPECT_EQ(namesOf(*client->listAllTools()), (std::set<std::string>{"whoami", "echo"}));
  EXPECT_EQ(firstText(*client->callTool("whoami")), "one");
  EXPECT_EQ(proxy_.backends().size(), 1U);
}

TEST_F(ProxyTest, ViewsLimitWhatASessionSeesAndChangesAreAnnounced) {
  backends_.add("alpha");
  backends_.add("beta");
  ASSERT_TRUE(backends_.attach(proxy_, "alpha"));
  std::atomic<int> changed_a{0};
  std::atomic<int> changed_b{0};
  mcp::ClientOptions oa;
  oa.on_notification = [&](const mcp::Notification& n) {
    if (n.method == mcp::notification::kToolsListChanged) ++changed_a;
  };
  mcp::ClientOptions ob;
  ob.on_notification = [&](const mcp::Notification& n) {
    if (n.method == mcp::notification::kToolsListChanged) ++changed_b;
  };
  std::shared_ptr<ProxySession> sa;
  std::shared_ptr<ProxySession> sb;
  auto a = connectClient(proxy_, &sa, oa);
  auto b = connectClient(proxy_, &sb, ob);
  ASSERT_TRUE(proxy_.setView(sa->id(), std::set<std::string>{"alpha__whoami"}));
  EXPECT_EQ(namesOf(*a->listAllTools()), std::set<std::string>{"alpha__whoami"});
  EXPECT_EQ(namesOf(*b->listAllTools()).size(), 2U);
  auto hidden = a->callTool("alpha__echo");
  ASSERT_FALSE(hidden);
  EXPECT_EQ(hidden.error().code, ErrorCode::kInvalidParams);
  // Attaching beta changes what b sees (everything) but not a (its view).
  ASSERT_TRUE(backends_.attach(proxy_, "beta"));
  ASSERT_TRUE(a->ping());  // notifications before this response have been delivered
  ASSERT_TRUE(b->ping());
  EXPECT_EQ(changed_a.load(), 1);  // the setView only
  EXPECT_EQ(changed_b.load(), 1);  // the attach only
  EXPECT_FALSE(proxy_.setView("no-such-session", std::nullopt));
}

TEST_F(ProxyTest, BackendListChangedReachesExactlyTheSessionsThatSeeIt) {
  auto& alpha = backends_.add("alpha");
  backends_.add("beta");
  ASSERT_TRUE(backends_.attach(proxy_, "alpha"));
  ASSERT_TRUE(backends_.attach(proxy_, "beta"));
  std::array<std::atomic<int>, 3> changed{};
  std::array<std::unique_ptr<mcp::ClientSession>, 3> clients;
  std::array<std::shared_ptr<ProxySession>, 3> handles;
  std::array<std::promise<void>, 3> got;
  for (int i = 0; i < 3; ++i) {
    mcp::ClientOptions o;
    o.on_notification = [&, i](const mcp::Notification& n) {
      if (n.method == mcp::notification::kToolsListChanged && ++changed[i] == 1) got[i].set_value();
    };
    clients[i] = connectClient(proxy_, &handles[i], o);
  }
  ASSERT_TRUE(proxy_.setView(handles[0]->id(), std::set<std::string>{"alpha__whoami"}));
  ASSERT_TRUE(proxy_.setView(handles[1]->id(), std::set<std::string>{"beta__whoami"}));
  // The views' own list_changed arrive before these answers; then the counts restart.
  ASSERT_TRUE(clients[0]->ping());
  ASSERT_TRUE(clients[1]->ping());
  changed[0] = 0;
  changed[1] = 0;
  got[0] = {};
  got[1] = {};
  // client 2 sees everything.
  alpha.addTool(namedTool("fresh"), [](const Json&, mcp::ServerContext&) {
    return Result<mcp::CallToolResult>(mcp::textResult("fresh"));
  });
  ASSERT_EQ(got[0].get_future().wait_for(kWait), std::future_status::ready);
  ASSERT_EQ(got[2].get_future().wait_for(kWait), std::future_status::ready);
  ASSERT_TRUE(clients[1]->ping());
  ASSERT_TRUE(clients[1]->callTool("beta__whoami"));
  EXPECT_EQ(changed[1].load(), 0);
  EXPECT_TRUE(namesOf(*clients[2]->listAllTools()).contains("alpha__fresh"));
  EXPECT_EQ(firstText(*clients[2]->callTool("alpha__fresh")), "fresh");
}

TEST_F(ProxyTest, RelaysProgressAndCancellation) {
  auto& alpha = backends_.add("alpha");
  std::promise<void> started;
  std::promise<void> stopped;
  alpha.addTool(namedTool("slow"), [&](const Json&, mcp::ServerContext& ctx) {
    (void)ctx.progress(1, 10, "first step");
    started.set_value();
    testing::blockUntilCancelled(ctx);
    stopped.set_value();
    return Result<mcp::CallToolResult>(mcp::textResult("stopped"));
  });
  ASSERT_TRUE(backends_.attach(proxy_, "alpha"));
  auto client = connectClient(proxy_, nullptr);
  std::stop_source stop;
  std::promise<mcp::ProgressParams> progress;
  mcp::CallOptions call;
  call.stop = stop.get_token();
  call.on_progress = [&](const mcp::ProgressParams& p) { progress.set_value(p); };
  auto pending = std::async(std::launch::async, [&] { return client->callTool("alpha__slow", {}, call); });
  ASSERT_EQ(started.get_future().wait_for(kWait), std::future_status::ready);
  auto p = progress.get_future();
  ASSERT_EQ(p.wait_for(kWait), std::future_status::ready);
  EXPECT_EQ(p.get().message, "first step");
  stop.request_stop();
  ASSERT_EQ(stopped.get_future().wait_for(kWait), std::future_status::ready);
  auto r = pending.get();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kRequestCancelled);
}

TEST_F(ProxyTest, RelaysSamplingToTheSessionThatMadeTheCall) {
  auto& alpha = backends_.add("alpha");
  alpha.addTool(namedTool("ask"), [](const Json&, mcp::ServerContext& ctx) -> Result<mcp::CallToolResult> {
    mcp::CreateMessageParams p;
    p.messages.push_back({"user", mcp::textContent("hi")});
    p.maxTokens = 10;
    auto r = ctx.createMessage(p);
    if (!r) return fail(r.error());
    return mcp::textResult(r->content.value("text", ""));
  });
  ASSERT_TRUE(backends_.attach(proxy_, "alpha"));
  auto sampler = [](std::string answer) {
    mcp::ClientOptions o;
    o.on_sampling = [answer](const mcp::CreateMessageParams&) -> Result<mcp::CreateMessageResult> {
      mcp::CreateMessageResult r;
      r.content = mcp::textContent(answer);
      r.model = "test";
      return r;
    };
    return o;
  };
  auto a = connectClient(proxy_, nullptr, sampler("from a"));
  auto b = connectClient(proxy_, nullptr, sampler("from b"));
  auto no_sampling = connectClient(proxy_, nullptr);
  EXPECT_EQ(firstText(*b->callTool("alpha__ask")), "from b");
  EXPECT_EQ(firstText(*a->callTool("alpha__ask")), "from a");
  auto refused = no_sampling->callTool("alpha__ask");
  ASSERT_TRUE(!refused || refused->isError);
}

TEST_F(ProxyTest, LogMessagesDuringACallGoToTheCaller) {
  auto& alpha = backends_.add("alpha");
  alpha.addTool(namedTool("noisy"), [](const Json&, mcp::ServerContext& ctx) {
    (void)ctx.log(mcp::LoggingLevel::kWarning, "careful");
    return Result<mcp::CallToolResult>(mcp::textResult("done"));
  });
  ASSERT_TRUE(backends_.attach(proxy_, "alpha"));
  std::atomic<int> logs_a{0};
  std::atomic<int> logs_b{0};
  mcp::ClientOptions oa;
  oa.on_log = [&](const mcp::LoggingMessageParams&) { ++logs_a; };
  mcp::ClientOptions ob;
  ob.on_log = [&](const mcp::LoggingMessageParams&) { ++logs_b; };
  auto a = connectClient(proxy_, nullptr, oa);
  auto b = connectClient(proxy_, nullptr, ob);
  ASSERT_TRUE(a->callTool("alpha__noisy"));
  ASSERT_TRUE(b->ping());
  EXPECT_EQ(logs_a.load(), 1);
  EXPECT_EQ(logs_b.load(), 0);
}

TEST_F(ProxyTest, CrashFailsTheInFlightCallNamingTheServerAndTheNextCallRestartsIt) {
  auto& alpha = backends_.add("alpha");
  backends_.add("beta");
  std::promise<void> started;
  alpha.addTool(namedTool("hang"), [&](const Json&, mcp::ServerContext& ctx) {
    started.set_value();
    testing::blockUntilCancelled(ctx);
    return Result<mcp::CallToolResult>(mcp::textResult("never"));
  });
  ASSERT_TRUE(backends_.attach(proxy_, "alpha"));
  ASSERT_TRUE(backends_.attach(proxy_, "beta"));
  auto client = connectClient(proxy_, nullptr);
  auto pending = std::async(std::launch::async, [&] { return client->callTool("alpha__hang"); });
  ASSERT_EQ(started.get_future().wait_for(kWait), std::future_status::ready);
  testing::crash(*backends_.states.at("alpha"));
  ASSERT_EQ(pending.wait_for(kWait), std::future_status::ready);
  auto r = pending.get();
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("server 'alpha'"), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find("simulated crash"), std::string::npos) << r.error().message;
  // The other backend never noticed; the crashed one restarts on its next call.
  EXPECT_EQ(firstText(*client->callTool("beta__whoami")), "beta");
  EXPECT_EQ(firstText(*client->callTool("alpha__whoami")), "alpha");
  EXPECT_EQ(backends_.states.at("alpha")->launches.load(), 2);
  EXPECT_EQ(proxy_.backends().at(0).restarts, 1);
}

TEST(ProxyBackoffTest, AFailedRestartWaitsOutItsBackOff) {
  ManualClock clock;
  Backends backends;
  McpProxy proxy(ProxyOptions{}, clock);
  backends.add("alpha");
  BackendOptions options;
  options.backoff_initial = 1s;
  ASSERT_TRUE(backends.attach(proxy, "alpha", options));
  auto client = connectClient(proxy, nullptr);
  auto& state = *backends.states.at("alpha");
  state.fail_launches = 1;
  testing::crash(state);
  // The crash is noticed on the transport thread; wait (bounded) until the proxy has.
  const auto deadline = std::chrono::steady_clock::now() + kWait;
  while (proxy.backends().at(0).up && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::yield();
  }
  ASSERT_FALSE(proxy.backends().at(0).up);
  auto first = client->callTool("alpha__whoami");  // restart attempt fails
  ASSERT_FALSE(first);
  EXPECT_NE(first.error().message.find("failed to start"), std::string::npos) << first.error().message;
  const int launches = state.launches.load();
  auto second = client->callTool("alpha__whoami");  // inside the back-off: no attempt
  ASSERT_FALSE(second);
  EXPECT_NE(second.error().message.find("next restart attempt"), std::string::npos);
  EXPECT_EQ(state.launches.load(), launches);
  clock.advance(2s);
  EXPECT_EQ(firstText(*client->callTool("alpha__whoami")), "alpha");
}

TEST_F(ProxyTest, ASlowBackendTimesOutWithoutBlockingTheOthers) {
  auto& alpha = backends_.add("alpha");
  backends_.add("beta");
  alpha.addTool(namedTool("stall"), [](const Json&, mcp::ServerContext& ctx) {
    testing::blockUntilCancelled(ctx);
    return Result<mcp::CallToolResult>(mcp::textResult("late"));
  });
  BackendOptions quick;
  quick.call_timeout = 300ms;
  ASSERT_TRUE(backends_.attach(proxy_, "alpha", quick));
  ASSERT_TRUE(backends_.attach(proxy_, "beta"));
  auto client = connectClient(proxy_, nullptr);
  auto slow = std::async(std::launch::async, [&] { return client->callTool("alpha__stall"); });
  for (int i = 0; i < 20; ++i) EXPECT_EQ(firstText(*client->callTool("beta__whoami")), "beta");
  auto r = slow.get();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kTimeout);
  EXPECT_NE(r.error().message.find("server 'alpha'"), std::string::npos);
}

// tools/call to a running backend holds no proxy thread while it waits, so more stalled
// calls than the proxy has workers still leave the others answering.
TEST(ProxyInlineCallTest, StalledCallsBeyondTheWorkerCountDoNotBlockOtherCalls) {
  SystemClock clock;
  Backends backends;
  mcp::ServerOptions slow_options;
  slow_options.info = {"slow", "1", std::nullopt};
  slow_options.worker_threads = 8;
  backends.servers["slow"] = std::make_unique<mcp::McpServer>(std::move(slow_options));
  backends.states["slow"] = std::make_shared<InProcessState>();
  std::atomic<int> stalled{0};
  backends.servers["slow"]->addTool(namedTool("stall"), [&](const Json&, mcp::ServerContext& ctx) {
    ++stalled;
    testing::blockUntilCancelled(ctx);
    return Result<mcp::CallToolResult>(mcp::textResult("late"));
  });
  backends.add("fast");
  ProxyOptions options;
  options.worker_threads = 2;
  McpProxy proxy(options, clock);
  ASSERT_TRUE(backends.attach(proxy, "slow"));
  ASSERT_TRUE(backends.attach(proxy, "fast"));
  auto client = connectClient(proxy, nullptr);
  ASSERT_TRUE(client);
  constexpr int kStalled = 6;  // three times the proxy's workers
  std::stop_source stop;
  mcp::CallOptions cancellable;
  cancellable.stop = stop.get_token();
  std::vector<std::future<Result<mcp::CallToolResult>>> calls;
  for (int i = 0; i < kStalled; ++i) {
    calls.push_back(std::async(std::launch::async, [&] { return client->callTool("slow__stall", {}, cancellable); }));
  }
  for (int i = 0; i < 1000 && stalled < kStalled; ++i) std::this_thread::sleep_for(5ms);
  ASSERT_EQ(stalled.load(), kStalled);
  for (int i = 0; i < 10; ++i) {
    auto r = client->callTool("fast__whoami");
    ASSERT_TRUE(r) << r.error().toString();
    EXPECT_EQ(firstText(*r), "fast");
  }
  stop.request_stop();
  for (auto& c : calls) {
    auto r = c.get();
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, ErrorCode::kRequestCancelled);
  }
}

TEST_F(ProxyTest, RefusesAResultOverTheOutputCap) {
  auto& alpha = backends_.add("alpha");
  alpha.addTool(namedTool("big"), [](const Json&, mcp::ServerContext&) {
    return Result<mcp::CallToolResult>(mcp::textResult(std::string(64 * 1024, 'x')));
  });
  BackendOptions capped;
  capped.max_output_bytes = 16 * 1024;
  ASSERT_TRUE(backends_.attach(proxy_, "alpha", capped));
  auto client = connectClient(proxy_, nullptr);
  auto r = client->callTool("alpha__big");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("cap"), std::string::npos);
  EXPECT_EQ(firstText(*client->callTool("alpha__whoami")), "alpha");
}

TEST_F(ProxyTest, RoutesResourcesPromptsAndCompletion) {
  auto& alpha = backends_.add("alpha");
  mcp::Resource res;
  res.uri = "alpha://doc";
  res.name = "doc";
  alpha.addResource(res, [](const std::string& uri, mcp::ServerContext&) {
    mcp::ReadResourceResult r;
    r.contents.push_back(mcp::textResourceContents(uri, "text/plain", "alpha doc"));
    return Result<mcp::ReadResourceResult>(r);
  });
  mcp::ResourceTemplate tmpl;
  tmpl.uriTemplate = "alpha://item/{id}";
  tmpl.name = "item";
  alpha.addResourceTemplate(tmpl, [](const std::string& uri, const std::map<std::string, std::string>& v,
                                     mcp::ServerContext&) {
    mcp::ReadResourceResult r;
    r.contents.push_back(mcp::textResourceContents(uri, "text/plain", "item " + v.at("id")));
    return Result<mcp::ReadResourceResult>(r);
  });
  mcp::Prompt prompt;
  prompt.name = "greet";
  alpha.addPrompt(prompt, [](const std::map<std::string, std::string>&, mcp::ServerContext&) {
    mcp::GetPromptResult r;
    r.messages.push_back({"user", mcp::textContent("hello from alpha")});
    return Result<mcp::GetPromptResult>(r);
  });
  alpha.setCompletionHandler([](const mcp::CompleteParams& p, mcp::ServerContext&) {
    mcp::CompleteResult r;
    r.values = {p.ref.value("name", "?") + ":" + p.argumentValue};
    return Result<mcp::CompleteResult>(r);
  });
  ASSERT_TRUE(backends_.attach(proxy_, "alpha"));
  auto client = connectClient(proxy_, nullptr);
  auto read = client->readResource("alpha://doc");
  ASSERT_TRUE(read) << read.error().toString();
  EXPECT_EQ(read->contents.at(0).value("text", ""), "alpha doc");
  auto item = client->readResource("alpha://item/7");
  ASSERT_TRUE(item);
  EXPECT_EQ(item->contents.at(0).value("text", ""), "item 7");
  EXPECT_FALSE(client->readResource("nobody://x"));
  auto prompts = client->listPrompts();
  ASSERT_TRUE(prompts);
  ASSERT_EQ(prompts->prompts.size(), 1U);
  EXPECT_EQ(prompts->prompts[0].name, "alpha__greet");
  auto got = client->getPrompt("alpha__greet");
  ASSERT_TRUE(got);
  EXPECT_EQ(got->messages.at(0).content.value("text", ""), "hello from alpha");
  mcp::CompleteParams cp;
  cp.ref = {{"type", "ref/prompt"}, {"name", "alpha__greet"}};
  cp.argumentName = "who";
  cp.argumentValue = "wo";
  auto completed = client->complete(cp);
  ASSERT_TRUE(completed) << completed.error().toString();
  EXPECT_EQ(completed->values.at(0), "greet:wo");  // the backend saw its own prompt name
}

TEST_F(ProxyTest, LocalToolsAreAlwaysVisibleAndCanChangeTheCallersView) {
  backends_.add("alpha");
  ASSERT_TRUE(backends_.attach(proxy_, "alpha"));
  mcp::Tool grant = namedTool("grant");
  ASSERT_TRUE(proxy_.addLocalTool(grant, [this](ProxySession& session, const Json& args,
                                                mcp::RequestScope&) -> Result<Json> {
    std::set<std::string> view = session.view().value_or(std::set<std::string>{});
    view.insert(args.value("tool", ""));
    if (auto r = proxy_.setView(session.id(), view); !r) return fail(r.error());
    return Json(mcp::textResult("granted to " + session.id()));
  }));
  EXPECT_FALSE(proxy_.addLocalTool(grant, {}));  // taken
  std::shared_ptr<ProxySession> handle;
  std::atomic<int> changed{0};
  mcp::ClientOptions o;
  o.on_notification = [&](const mcp::Notification& n) {
    if (n.method == mcp::notification::kToolsListChanged) ++changed;
  };
  auto client = connectClient(proxy_, &handle, o);
  ASSERT_TRUE(proxy_.setView(handle->id(), std::set<std::string>{}));
  EXPECT_EQ(namesOf(*client->listAllTools()), std::set<std::string>{"grant"});
  auto granted = client->callTool("grant", {{"tool", "alpha__whoami"}});
  ASSERT_TRUE(granted) << granted.error().toString();
  EXPECT_EQ(firstText(*granted), "granted to " + handle->id());
  EXPECT_EQ(namesOf(*client->listAllTools()), (std::set<std::string>{"grant", "alpha__whoami"}));
  EXPECT_EQ(firstText(*client->callTool("alpha__whoami")), "alpha");
  EXPECT_EQ(changed.load(), 2);  // emptied, then granted
  // An unprefixed backend may not shadow a local tool.
  auto& shadow = backends_.add("shadow");
  shadow.addTool(namedTool("grant"), [](const Json&, mcp::ServerContext&) {
    return Result<mcp::CallToolResult>(mcp::textResult("shadow"));
  });
  BackendOptions bare;
  bare.prefix = "";
  EXPECT_FALSE(backends_.attach(proxy_, "shadow", bare));
}

TEST_F(ProxyTest, DetachRemovesToolsAndTellsSessions) {
  backends_.add("alpha");
  backends_.add("beta");
  ASSERT_TRUE(backends_.attach(proxy_, "alpha"));
  ASSERT_TRUE(backends_.attach(proxy_, "beta"));
  std::atomic<int> changed{0};
  mcp::ClientOptions o;
  o.on_notification = [&](const mcp::Notification& n) {
    if (n.method == mcp::notification::kToolsListChanged) ++changed;
  };
  auto client = connectClient(proxy_, nullptr, o);
  ASSERT_TRUE(proxy_.detach("alpha"));
  ASSERT_TRUE(client->ping());
  EXPECT_EQ(changed.load(), 1);
  EXPECT_EQ(namesOf(*client->listAllTools()), (std::set<std::string>{"beta__whoami", "beta__echo"}));
  EXPECT_FALSE(proxy_.detach("alpha"));
}

}  // namespace
}  // namespace onemcp::sandbox
