// StreamableHttpClientTransport against our own StreamableHttpServer, and against
// scripted HttpServers: one closes an SSE answer early to force a resumption, one holds
// the standalone GET stream's head back.
#include "onemcp/mcp/streamable_http_client.h"

#include <gtest/gtest.h>

#include <future>
#include <nlohmann/json.hpp>

#include "../http/message_queue.h"
#include "onemcp/http/server.h"
#include "onemcp/http/sse.h"
#include "onemcp/mcp/streamable_http_server.h"

namespace onemcp::mcp {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using testing::MessageQueue;

// Server side: answers every request with {"echo": method}; keeps transports so the
// test can push server-initiated messages.
class Echo {
 public:
  void accept(std::shared_ptr<Transport> t) {
    std::weak_ptr<Transport> weak = t;
    ASSERT_TRUE(
        t->start({.on_message =
                      [this, weak](std::string text) {
                        auto j = json::parse(text);
                        received.push(text);
                        if (!j.contains("id") || !j.contains("method")) return;
                        json result = {{"echo", j["method"]}};
                        if (j["method"] == "initialize") result["protocolVersion"] = "2025-06-18";
                        if (auto t2 = weak.lock()) {
                          (void)t2->send(
                              json{{"jsonrpc", "2.0"}, {"id", j["id"]}, {"result", result}}.dump(),
                              {.related_request_id = j["id"].dump()});
                        }
                      },
                  .on_close = [this](const Error&) { closed.push("closed"); }}));
    std::lock_guard lock(mu);
    transports.push_back(std::move(t));
  }
  std::shared_ptr<Transport> last() {
    std::lock_guard lock(mu);
    return transports.empty() ? nullptr : transports.back();
  }
  std::mutex mu;
  std::vector<std::shared_ptr<Transport>> transports;  // guarded by mu
  MessageQueue<std::string> received;
  MessageQueue<std::string> closed;
};

std::string request(int id, const std::string& method, json params = json::object()) {
  return json{{"jsonrpc", "2.0"}, {"id", id}, {"method", method}, {"params", params}}.dump();
}

class StreamableHttpClientTest : public ::testing::Test {
 protected:
  void startServer(bool json_responses = false) {
    StreamableHttpServerOptions o;
    o.json_responses = json_responses;
    auto s = StreamableHttpServer::start(
        o, [this](std::shared_ptr<Transport> t) { echo_.accept(std::move(t)); });
    ASSERT_TRUE(s) << s.error().toString();
    server_ = std::move(*s);
  }
  std::unique_ptr<StreamableHttpClientTransport> connect(
      const std::string& url, std::chrono::milliseconds get_stream_wait = 5s) {
    StreamableHttpClientOptions o;
    o.url = url;
    o.default_retry = 50ms;
    o.get_stream_wait = get_stream_wait;
    auto t = StreamableHttpClientTransport::create(o);
    EXPECT_TRUE(t);
    EXPECT_TRUE((*t)->start({.on_message = [this](std::string m) { inbox_.push(std::move(m)); },
                             .on_close = [this](const Error& e) { closes_.push(e.message); }}));
    return std::move(*t);
  }
  json next() {
    auto m = inbox_.pop();
    EXPECT_TRUE(m) << "no message within the time limit";
    return m ? json::parse(*m) : json();
  }
  void handshake(StreamableHttpClientTransport& t) {
    ASSERT_TRUE(t.send(request(1, "initialize", {{"protocolVersion", "2025-06-18"}})));
    auto init = next();
    ASSERT_EQ(init["id"], 1);
    ASSERT_TRUE(t.send(R"({"jsonrpc":"2.0","method":"notifications/initialized"})"));
  }

  Echo echo_;
  std::unique_ptr<StreamableHttpServer> server_;
  MessageQueue<std::string> inbox_;
  MessageQueue<std::string> closes_;
};

TEST_F(StreamableHttpClientTest, RoundTripKeepsSessionIdAndNegotiatedVersion) {
  startServer();
  auto t = connect(server_->url());
  handshake(*t);
  EXPECT_EQ(t->sessionId().size(), 32u);
  EXPECT_EQ(t->protocolVersion(), "2025-06-18");
  ASSERT_TRUE(t->send(request(2, "tools/list")));
  auto r = next();
  EXPECT_EQ(r["id"], 2);
  EXPECT_EQ(r["result"]["echo"], "tools/list");
}

TEST_F(StreamableHttpClientTest, WorksWithJsonResponses) {
  startServer(/*json_responses=*/true);
  auto t = connect(server_->url());
  handshake(*t);
  ASSERT_TRUE(t->send(request(2, "ping")));
  EXPECT_EQ(next()["result"]["echo"], "ping");
}

TEST_F(StreamableHttpClientTest, ReceivesServerMessagesOnTheGetStream) {
  startServer();
  auto t = connect(server_->url());
  handshake(*t);
  auto server_side = echo_.last();
  ASSERT_TRUE(server_side);
  ASSERT_TRUE(
      server_side->send(R"({"jsonrpc":"2.0","method":"notifications/tools/list_changed"})"));
  EXPECT_EQ(next()["method"], "notifications/tools/list_changed");
}

TEST_F(StreamableHttpClientTest, ManyRequestsInFlightAllGetAnswers) {
  startServer();
  auto t = connect(server_->url());
  handshake(*t);
  for (int i = 10; i < 40; ++i) ASSERT_TRUE(t->send(request(i, "echo")));
  std::set<int> ids;
  for (int i = 10; i < 40; ++i) ids.insert(next()["id"].get<int>());
  EXPECT_EQ(ids.size(), 30u);
}

TEST_F(StreamableHttpClientTest, CloseDeletesTheSession) {
  startServer();
  auto t = connect(server_->url());
  handshake(*t);
  t->close();
  EXPECT_TRUE(echo_.closed.pop());
  EXPECT_TRUE(closes_.pop());
  EXPECT_EQ(server_->sessionCount(), 0u);
  EXPECT_FALSE(t->send(request(3, "ping")));
}

TEST_F(StreamableHttpClientTest, UnreachableServerTurnsRequestsIntoErrors) {
  // Bind and stop a server to obtain a port that refuses connections.
  startServer();
  std::string url = server_->url();
  server_.reset();
  auto t = connect(url);
  ASSERT_TRUE(t->send(request(9, "initialize")));
  auto r = next();
  EXPECT_EQ(r["id"], 9);
  EXPECT_TRUE(r.contains("error"));
}

TEST_F(StreamableHttpClientTest, ExpiredSessionClosesTheTransport) {
  startServer();
  auto t = connect(server_->url());
  handshake(*t);
  ASSERT_TRUE(echo_.received.pop());  // initialize
  ASSERT_TRUE(echo_.received.pop());  // notifications/initialized
  echo_.last()->close();              // the server side forgets the session
  ASSERT_TRUE(t->send(request(4, "ping")));
  auto r = next();
  EXPECT_TRUE(r.contains("error"));
  EXPECT_TRUE(closes_.pop());
}

// The sse-retry scenario in miniature: the POST answer stream sends only a priming
// event (id + retry) and closes; the client must GET with Last-Event-ID after `retry`.
TEST_F(StreamableHttpClientTest, ResumesAClosedPostStreamWithLastEventId) {
  MessageQueue<std::string> last_event_ids;
  http::HttpServer scripted({});
  scripted.route("POST", "/mcp", [](http::Request req, std::shared_ptr<http::Responder> r) {
    auto j = json::parse(req.body);
    if (!j.contains("id")) {
      r->respond(http::Response::text(202, ""));
      return;
    }
    if (j["method"] == "initialize") {
      auto res = http::Response::json(
          200,
          json{{"jsonrpc", "2.0"}, {"id", j["id"]}, {"result", {{"protocolVersion", "2025-11-25"}}}}
              .dump());
      res.headers.set("Mcp-Session-Id", "s1");
      r->respond(std::move(res));
      return;
    }
    auto s = r->beginStream(200, {{"Content-Type", "text/event-stream"}});
    (void)s->write(http::formatSseEvent("", "ev-1", {}, 20));
    s->close();
  });
  scripted.route("GET", "/mcp", [&](http::Request req, std::shared_ptr<http::Responder> r) {
    auto last = req.headers.get("Last-Event-ID");
    if (!last) {
      r->respond(http::Response::text(405, ""));
      return;
    }
    last_event_ids.push(*last);
    auto s = r->beginStream(200, {{"Content-Type", "text/event-stream"}});
    (void)s->write(http::formatSseEvent(R"({"jsonrpc":"2.0","id":2,"result":{"resumed":true}})",
                                        "ev-2", "message"));
    s->close();
  });
  ASSERT_TRUE(scripted.start());
  auto t = connect("http://127.0.0.1:" + std::to_string(scripted.port()) + "/mcp");
  handshake(*t);
  ASSERT_TRUE(t->send(request(2, "tools/call")));
  auto r = next();
  EXPECT_EQ(r["id"], 2);
  EXPECT_EQ(r["result"]["resumed"], true);
  EXPECT_EQ(last_event_ids.pop(), "ev-1");
  t->close();
}

// A server in the manner of the TypeScript SDK's: it records which requests arrive, and
// the test decides when the standalone GET stream's head goes out (the moment the SDK
// registers the stream; a server->client request sent before that is dropped).
class HeldGetServer {
 public:
  HeldGetServer() : server_({}) {
    server_.route("POST", "/mcp", [this](http::Request req, std::shared_ptr<http::Responder> r) {
      auto j = json::parse(req.body);
      if (!j.contains("id")) {
        r->respond(http::Response::text(202, ""));
        return;
      }
      json result = json::object();
      if (j["method"] == "initialize") {
        result["protocolVersion"] = "2025-11-25";
      } else {
        posts.push(j["method"].get<std::string>());
      }
      auto res = http::Response::json(
          200, json{{"jsonrpc", "2.0"}, {"id", j["id"]}, {"result", result}}.dump());
      res.headers.set("Mcp-Session-Id", "s1");
      r->respond(std::move(res));
    });
    server_.route("GET", "/mcp", [this](http::Request, std::shared_ptr<http::Responder> r) {
      gets.push(std::move(r));
    });
    EXPECT_TRUE(server_.start());
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(server_.port()) + "/mcp"; }

  MessageQueue<std::string> posts;  // methods of the requests POSTed after initialize
  MessageQueue<std::shared_ptr<http::Responder>> gets;

 private:
  http::HttpServer server_;
};

// A tool call must not overtake the GET stream: a server that sends its elicitation
// request on that stream would drop it, and the call would wait for its answer forever.
TEST_F(StreamableHttpClientTest, PostsWaitForTheGetStreamToOpen) {
  HeldGetServer server;
  auto t = connect(server.url());
  handshake(*t);
  auto get = server.gets.pop();
  ASSERT_TRUE(get) << "no GET stream";
  ASSERT_TRUE(t->send(request(2, "tools/call")));
  // The POST is queued, not sent, while the GET's head is held. (This waits for
  // something that must not happen; before the fix it arrived at once.)
  EXPECT_FALSE(server.posts.pop(1s)) << "a POST went out before the GET stream was open";
  auto stream = (*get)->beginStream(200, {{"Content-Type", "text/event-stream"}});
  EXPECT_EQ(server.posts.pop(), "tools/call");
  EXPECT_EQ(next()["id"], 2);
  stream->close();
  t->close();
}

// A server that holds the GET's head until its first event must not stall the POSTs.
TEST_F(StreamableHttpClientTest, PostsGoAfterABoundedWaitForTheGetStream) {
  HeldGetServer server;
  auto t = connect(server.url(), /*get_stream_wait=*/100ms);
  handshake(*t);
  auto get = server.gets.pop();
  ASSERT_TRUE(get) << "no GET stream";
  ASSERT_TRUE(t->send(request(2, "tools/list")));
  EXPECT_EQ(server.posts.pop(), "tools/list");
  EXPECT_EQ(next()["id"], 2);
  (*get)->respond(http::Response::text(405, ""));
  t->close();
}

}  // namespace
}  // namespace onemcp::mcp
