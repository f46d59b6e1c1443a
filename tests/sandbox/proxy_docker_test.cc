// The proxy in front of real MCP servers hosted in hardened containers: server-everything
// (stdio), server-filesystem (one granted folder) and server-memory at once.
#include <filesystem>
#include <fstream>
#include <future>

#include "docker_test_env.h"
#include "onemcp/mcp/protocol.h"
#include "onemcp/sandbox/proxy.h"
#include "onemcp/sandbox/proxy_launchers.h"
#include "proxy_test_support.h"

namespace onemcp::sandbox {
namespace {

using namespace std::chrono_literals;
constexpr auto kWait = 60s;

std::string allText(const mcp::CallToolResult& r) {
  std::string out;
  for (const auto& c : r.content) out += c.value("text", "");
  return out;
}

class ProxyDockerTest : public testing::DockerTest {
 protected:
  Result<void> attach(McpProxy& proxy, const RunSpec& spec, BackendOptions options = {}) {
    options.name = spec.name;
    return proxy.attach(std::move(options),
                        std::make_unique<SandboxLauncher>(*host_, spec, StartOptions{}));
  }
  std::string containerOf(const std::string& server) {
    auto list = engine().listContainers(
        {{std::string(kLabelOwner), owner_}, {std::string(kLabelServer), server}}, false);
    return list && !list->empty() ? list->front().id : std::string();
  }
};

TEST_F(ProxyDockerTest, ServesThreeSandboxedServersAsOneAndSurvivesAKilledBackend) {
  const auto root = std::filesystem::temp_directory_path() / ("onemcp-proxy-" + owner_);
  std::filesystem::create_directories(root);
  std::ofstream(root / "hello.txt") << "hello through the proxy";
  auto fs = npmSpec("filesystem", "@modelcontextprotocol/server-filesystem",
                    {"mcp-server-filesystem", "/work"});
  fs.grants = {{root.string(), "/work", false}};
  {
    SystemClock clock;
    McpProxy proxy(ProxyOptions{}, clock);
    BackendOptions everything_options;
    everything_options.call_timeout = 30s;
    ASSERT_TRUE(attach(proxy, npmSpec("everything", "@modelcontextprotocol/server-everything",
                                      {"mcp-server-everything"}),
                       everything_options));
    ASSERT_TRUE(attach(proxy, fs));
    auto memory = npmSpec("memory", "@modelcontextprotocol/server-memory", {"mcp-server-memory"});
    memory.env = {{"MEMORY_FILE_PATH", "", false, false, "/data/memory.jsonl"}};  // the data volume
    ASSERT_TRUE(attach(proxy, memory));
    auto client = testing::connectClient(proxy, nullptr);
    ASSERT_TRUE(client);

    // Merged lists.
    auto tools = client->listAllTools();
    ASSERT_TRUE(tools);
    std::set<std::string> names;
    for (const auto& t : *tools) names.insert(t.name);
    for (const char* expected : {"everything__echo", "filesystem__read_text_file",
                                 "memory__create_entities", "memory__read_graph"}) {
      EXPECT_TRUE(names.contains(expected)) << expected;
    }

    // Routed calls.
    auto echo = client->callTool("everything__echo", {{"message", "routed"}});
    ASSERT_TRUE(echo) << echo.error().toString();
    EXPECT_NE(allText(*echo).find("routed"), std::string::npos);
    auto file = client->callTool("filesystem__read_text_file", {{"path", "/work/hello.txt"}});
    ASSERT_TRUE(file) << file.error().toString();
    EXPECT_NE(allText(*file).find("hello through the proxy"), std::string::npos);
    Json entity = {{"entities", {{{"name", "proxy"}, {"entityType", "test"}, {"observations", {"works"}}}}}};
    auto created = client->callTool("memory__create_entities", entity);
    ASSERT_TRUE(created) << created.error().toString();
    EXPECT_FALSE(created->isError) << allText(*created);
    auto graph = client->callTool("memory__read_graph");
    ASSERT_TRUE(graph);
    EXPECT_NE(allText(*graph).find("proxy"), std::string::npos);

    // Progress relayed.
    std::atomic<int> progress{0};
    mcp::CallOptions with_progress;
    with_progress.on_progress = [&](const mcp::ProgressParams&) { ++progress; };
    auto op = client->callTool("everything__trigger-long-running-operation",
                               {{"duration", 0.3}, {"steps", 3}}, with_progress);
    ASSERT_TRUE(op) << op.error().toString();
    EXPECT_EQ(progress.load(), 3);

    // Cancellation relayed: the call returns at once, not after 20 s.
    std::stop_source stop;
    std::promise<void> first;
    std::atomic<bool> once{false};
    mcp::CallOptions cancellable;
    cancellable.stop = stop.get_token();
    cancellable.on_progress = [&](const mcp::ProgressParams&) {
      if (!once.exchange(true)) first.set_value();
    };
    auto long_call = std::async(std::launch::async, [&] {
      return client->callTool("everything__trigger-long-running-operation",
                              {{"duration", 20}, {"steps", 40}}, cancellable);
    });
    ASSERT_EQ(first.get_future().wait_for(kWait), std::future_status::ready);
    stop.request_stop();
    ASSERT_EQ(long_call.wait_for(5s), std::future_status::ready);
    auto cancelled = long_call.get();
    ASSERT_FALSE(cancelled);
    EXPECT_EQ(cancelled.error().code, ErrorCode::kRequestCancelled);

    // A backend killed mid-call: that call fails naming the server, within the timeout;
    // the other servers keep answering; the next call restarts the killed one.
    std::promise<void> running;
    std::atomic<bool> running_once{false};
    mcp::CallOptions watched;
    watched.on_progress = [&](const mcp::ProgressParams&) {
      if (!running_once.exchange(true)) running.set_value();
    };
    auto doomed = std::async(std::launch::async, [&] {
      return client->callTool("everything__trigger-long-running-operation",
                              {{"duration", 20}, {"steps", 40}}, watched);
    });
    ASSERT_EQ(running.get_future().wait_for(kWait), std::future_status::ready);
    const std::string victim = containerOf("everything");
    ASSERT_FALSE(victim.empty());
    ASSERT_TRUE(engine().killContainer(victim, "SIGKILL"));
    ASSERT_EQ(doomed.wait_for(30s), std::future_status::ready);
    auto failed = doomed.get();
    ASSERT_FALSE(failed);
    EXPECT_NE(failed.error().message.find("server 'everything'"), std::string::npos)
        << failed.error().message;
    for (int i = 0; i < 5; ++i) {
      auto still = client->callTool("memory__read_graph");
      ASSERT_TRUE(still) << still.error().toString();
    }
    auto again = client->callTool("everything__echo", {{"message", "back"}});
    ASSERT_TRUE(again) << again.error().toString();
    EXPECT_NE(allText(*again).find("back"), std::string::npos);
    EXPECT_EQ(proxy.backends().at(0).restarts, 1);

    // Detaching removes the server's tools and its container.
    ASSERT_TRUE(proxy.detach("memory"));
    EXPECT_TRUE(containerOf("memory").empty());
    auto after = client->listAllTools();
    ASSERT_TRUE(after);
    for (const auto& t : *after) EXPECT_NE(t.name.rfind("memory__", 0), 0U) << t.name;
    client->close();
  }
  std::filesystem::remove_all(root);
}

}  // namespace
}  // namespace onemcp::sandbox
