// LegacySseClientTransport against a scripted 2024-11-05 style server.
#include "onemcp/mcp/legacy_sse_client.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "../http/message_queue.h"
#include "onemcp/http/server.h"
#include "onemcp/http/sse.h"

namespace onemcp::mcp {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using testing::MessageQueue;

class LegacyServer {
 public:
  explicit LegacyServer(bool send_endpoint = true) {
    server_.route("GET", "/sse", [this, send_endpoint](http::Request, std::shared_ptr<http::Responder> r) {
      auto s = r->beginStream(200, {{"Content-Type", "text/event-stream"}});
      if (send_endpoint) (void)s->write(http::formatSseEvent("/message?sessionId=abc", {}, "endpoint"));
      std::lock_guard lock(mu_);
      stream_ = s;
    });
    server_.route("POST", "/message", [this](http::Request req, std::shared_ptr<http::Responder> r) {
      posts.push(req.target);
      auto j = json::parse(req.body);
      r->respond(http::Response::text(202, "Accepted"));
      if (j.contains("id")) {
        std::lock_guard lock(mu_);
        (void)stream_->write(http::formatSseEvent(
            json{{"jsonrpc", "2.0"}, {"id", j["id"]}, {"result", {{"echo", j["method"]}}}}.dump(), {}, "message"));
      }
    });
    EXPECT_TRUE(server_.start());
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(server_.port()) + "/sse"; }
  void endStream() {
    std::lock_guard lock(mu_);
    stream_->close();
  }
  MessageQueue<std::string> posts;

 private:
  std::mutex mu_;
  std::shared_ptr<http::ResponseStream> stream_;  // guarded by mu_
  http::HttpServer server_{{}};
};

struct Inbox {
  TransportHandlers handlers() {
    return {.on_message = [this](std::string m) { messages.push(std::move(m)); },
            .on_close = [this](const Error& e) { closes.push(e.message); }};
  }
  MessageQueue<std::string> messages;
  MessageQueue<std::string> closes;
};

TEST(LegacySseClientTest, PostsToTheAnnouncedEndpointAndReadsAnswersFromTheStream) {
  LegacyServer server;
  Inbox inbox;
  auto t = LegacySseClientTransport::create({.url = server.url(), .headers = {}, .connect_timeout = 10s, .request_timeout = 10s});
  ASSERT_TRUE(t);
  ASSERT_TRUE((*t)->start(inbox.handlers()));
  EXPECT_NE((*t)->endpoint().find("/message?sessionId=abc"), std::string::npos);
  ASSERT_TRUE((*t)->send(R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{}})"));
  auto m = inbox.messages.pop();
  ASSERT_TRUE(m);
  EXPECT_EQ(json::parse(*m)["result"]["echo"], "initialize");
  EXPECT_EQ(server.posts.pop(), "/message?sessionId=abc");
}

TEST(LegacySseClientTest, StreamEndClosesTheTransport) {
  LegacyServer server;
  Inbox inbox;
  auto t = LegacySseClientTransport::create({.url = server.url(), .headers = {}, .connect_timeout = 10s, .request_timeout = 10s});
  ASSERT_TRUE(t);
  ASSERT_TRUE((*t)->start(inbox.handlers()));
  server.endStream();
  EXPECT_TRUE(inbox.closes.pop());
  EXPECT_FALSE((*t)->send(R"({"jsonrpc":"2.0","id":2,"method":"ping"})"));
}

TEST(LegacySseClientTest, StartFailsWithoutAnEndpointEvent) {
  LegacyServer server(/*send_endpoint=*/false);
  Inbox inbox;
  auto t = LegacySseClientTransport::create({.url = server.url(), .headers = {}, .connect_timeout = 200ms, .request_timeout = 10s});
  ASSERT_TRUE(t);
  auto r = (*t)->start(inbox.handlers());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kTimeout);
}

TEST(LegacySseClientTest, StartFailsWhenTheUrlIsNotAnSseStream) {
  LegacyServer server;
  Inbox inbox;
  std::string url = server.url();
  url.replace(url.rfind("/sse"), 4, "/nothing");
  auto t = LegacySseClientTransport::create({.url = url, .headers = {}, .connect_timeout = 10s, .request_timeout = 10s});
  ASSERT_TRUE(t);
  auto r = (*t)->start(inbox.handlers());
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("404"), std::string::npos);
}

}  // namespace
}  // namespace onemcp::mcp
