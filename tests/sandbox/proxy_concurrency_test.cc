// Many client sessions calling through the proxy at once, mixed across three real
// server-everything processes: every response reaches the caller that made the request
// (checked by its payload) and none is lost. ONEMCP_PROXY_CALLS sets the calls per
// session (default 1000; the ThreadSanitizer run uses fewer).
#include <cstdlib>
#include <filesystem>
#include <thread>

#include <gtest/gtest.h>

#include "onemcp/sandbox/proxy.h"
#include "onemcp/sandbox/proxy_launchers.h"
#include "proxy_test_support.h"

namespace onemcp::sandbox {
namespace {

constexpr int kSessions = 16;
constexpr int kBackends = 3;

std::string everythingEntry() {
  return std::string(ONEMCP_SOURCE_DIR) +
         "/tools/node/node_modules/@modelcontextprotocol/server-everything/dist/index.js";
}

int callsPerSession() {
  const char* v = std::getenv("ONEMCP_PROXY_CALLS");
  return v ? std::max(1, std::atoi(v)) : 1000;
}

TEST(ProxyConcurrencyTest, EveryResponseReachesItsCallerAcrossSessionsAndBackends) {
  ASSERT_TRUE(std::filesystem::exists(everythingEntry())) << "run scripts/setup (npm tooling)";
  SystemClock clock;
  McpProxy proxy(ProxyOptions{}, clock);
  for (int b = 0; b < kBackends; ++b) {
    BackendOptions options;
    options.name = "e" + std::to_string(b);
    ProcessSpec spec;
    spec.argv = {"node", everythingEntry()};
    ASSERT_TRUE(proxy.attach(std::move(options), std::make_unique<ProcessLauncher>(spec)));
  }
  const int calls = callsPerSession();
  std::vector<std::unique_ptr<mcp::ClientSession>> clients;
  for (int s = 0; s < kSessions; ++s) {
    clients.push_back(testing::connectClient(proxy, nullptr));
    ASSERT_TRUE(clients.back());
  }
  std::atomic<int> ok{0};
  std::atomic<int> wrong{0};
  std::atomic<int> failed{0};
  std::vector<std::jthread> threads;
  for (int s = 0; s < kSessions; ++s) {
    threads.emplace_back([&, s] {
      for (int i = 0; i < calls; ++i) {
        const std::string payload = "s" + std::to_string(s) + "-c" + std::to_string(i);
        const std::string tool = "e" + std::to_string((s + i) % kBackends) + "__echo";
        auto r = clients[s]->callTool(tool, {{"message", payload}});
        if (!r) {
          ++failed;
          continue;
        }
        const std::string text = r->content.empty() ? "" : r->content[0].value("text", "");
        // "Echo: s3-c17" must carry exactly this caller's payload.
        if (text == "Echo: " + payload) {
          ++ok;
        } else {
          ++wrong;
        }
      }
    });
  }
  threads.clear();  // joins
  EXPECT_EQ(failed.load(), 0);
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_EQ(ok.load(), kSessions * calls);
  for (auto& c : clients) c->close();
}

}  // namespace
}  // namespace onemcp::sandbox
