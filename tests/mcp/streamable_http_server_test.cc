// StreamableHttpServer over loopback, driven by a plain HTTP client so that every header
// and status code the spec names is visible to the test.
#include "onemcp/mcp/streamable_http_server.h"

#include <gtest/gtest.h>

#include <future>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <vector>

#include "../http/message_queue.h"
#include "onemcp/http/client.h"
#include "onemcp/http/sse.h"

namespace onemcp::mcp {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using testing::MessageQueue;

// A minimal session layer: answers initialize and "echo", and for "chatty" sends a
// related notification before its answer.
class EchoSessions {
 public:
  void accept(std::shared_ptr<Transport> t) {
    std::weak_ptr<Transport> weak = t;
    ASSERT_TRUE(t->start({.on_message = [this, weak](std::string text) { onMessage(weak.lock(), text); },
                          .on_close = [this](const Error& e) { closed.push(e.message); }}));
    std::lock_guard lock(mu);
    transports.push_back(std::move(t));
  }
  std::shared_ptr<Transport> last() {
    std::lock_guard lock(mu);
    return transports.back();
  }
  void onMessage(const std::shared_ptr<Transport>& t, const std::string& text) {
    received.push(text);
    auto j = json::parse(text);
    if (j.is_array()) {
      for (const auto& m : j) answer(t, m);
    } else {
      answer(t, j);
    }
  }
  void answer(const std::shared_ptr<Transport>& t, const json& j) {
    if (!j.contains("id") || !j.contains("method")) return;
    std::string id = j["id"].dump();
    std::string method = j["method"];
    json result = json::object();
    if (method == "initialize") result = {{"protocolVersion", j["params"]["protocolVersion"]}, {"capabilities", json::object()}};
    if (method == "chatty") {
      (void)t->send(json{{"jsonrpc", "2.0"}, {"method", "notifications/progress"}, {"params", {{"progress", 1}}}}.dump(),
                    {.related_request_id = id});
    }
    if (method == "later") return;  // answered by the test
    (void)t->send(json{{"jsonrpc", "2.0"}, {"id", j["id"]}, {"result", result}}.dump(), {.related_request_id = id});
  }

  std::mutex mu;
  std::vector<std::shared_ptr<Transport>> transports;  // guarded by mu
  MessageQueue<std::string> received;
  MessageQueue<std::string> closed;
};

std::string initBody(const std::string& version = "2025-11-25") {
  return json{{"jsonrpc", "2.0"}, {"id", 1}, {"method", "initialize"},
              {"params", {{"protocolVersion", version}, {"capabilities", json::object()},
                          {"clientInfo", {{"name", "t"}, {"version", "1"}}}}}}.dump();
}

std::string call(int id, const std::string& method) {
  return json{{"jsonrpc", "2.0"}, {"id", id}, {"method", method}}.dump();
}

// Parses an SSE body into its data payloads (skipping empty priming events).
std::vector<std::string> sseData(const std::string& body, std::vector<std::string>* ids = nullptr) {
  http::SseParser p;
  std::vector<std::string> out;
  p.feed(body, [&](http::SseEvent e) {
    if (ids) ids->push_back(e.id);
    if (!e.data.empty()) out.push_back(e.data);
  });
  return out;
}

class StreamableHttpServerTest : public ::testing::Test {
 protected:
  void SetUp() override { start({}); }
  void start(StreamableHttpServerOptions options) {
    server_.reset();
    auto s = StreamableHttpServer::start(
        std::move(options), [this](std::shared_ptr<Transport> t) { sessions_.accept(std::move(t)); }, &clock_);
    ASSERT_TRUE(s) << s.error().toString();
    server_ = std::move(*s);
  }
  http::ClientRequest post(const std::string& body, const std::string& session = {}) {
    http::ClientRequest r;
    r.method = "POST";
    r.url = server_->url();
    r.body = body;
    r.headers.set("Content-Type", "application/json");
    r.headers.set("Accept", "application/json, text/event-stream");
    if (!session.empty()) {
      r.headers.set("Mcp-Session-Id", session);
      r.headers.set("MCP-Protocol-Version", "2025-11-25");
    }
    return r;
  }
  std::string initialize() {
    auto r = client_.send(post(initBody()));
    EXPECT_TRUE(r);
    if (!r) return {};
    EXPECT_EQ(r->status, 200);
    return r->headers.get("Mcp-Session-Id").value_or("");
  }

  ManualClock clock_;
  EchoSessions sessions_;
  std::unique_ptr<StreamableHttpServer> server_;
  http::HttpClient client_;
};

TEST_F(StreamableHttpServerTest, InitializeAssignsSessionIdAndAnswersOverSse) {
  auto r = client_.send(post(initBody()));
  ASSERT_TRUE(r) << r.error().toString();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->headers.get("Content-Type"), "text/event-stream");
  auto sid = r->headers.get("Mcp-Session-Id");
  ASSERT_TRUE(sid);
  EXPECT_EQ(sid->size(), 32u);
  auto data = sseData(r->body);
  ASSERT_EQ(data.size(), 1u);
  EXPECT_EQ(json::parse(data[0])["result"]["protocolVersion"], "2025-11-25");
  EXPECT_EQ(server_->sessionCount(), 1u);
}

TEST_F(StreamableHttpServerTest, AnswersJsonWhenClientAcceptsOnlyJson) {
  auto req = post(initBody());
  req.headers.set("Accept", "application/json");
  auto r = client_.send(req);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->headers.get("Content-Type"), "application/json");
  EXPECT_TRUE(r->headers.has("Mcp-Session-Id"));
  EXPECT_EQ(json::parse(r->body)["id"], 1);
}

TEST_F(StreamableHttpServerTest, NotificationOnlyPostGets202) {
  auto sid = initialize();
  auto r = client_.send(post(R"({"jsonrpc":"2.0","method":"notifications/initialized"})", sid));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 202);
  (void)sessions_.received.pop();  // initialize
  auto n = sessions_.received.pop();
  ASSERT_TRUE(n);
  EXPECT_NE(n->find("notifications/initialized"), std::string::npos);
}

TEST_F(StreamableHttpServerTest, MissingSessionIdGets400AndUnknownGets404) {
  initialize();
  auto missing = client_.send(post(call(2, "echo")));
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 400);
  auto unknown = client_.send(post(call(2, "echo"), "00000000000000000000000000000000"));
  ASSERT_TRUE(unknown);
  EXPECT_EQ(unknown->status, 404);
}

TEST_F(StreamableHttpServerTest, UnsupportedProtocolVersionGets400) {
  auto sid = initialize();
  auto req = post(call(2, "echo"), sid);
  req.headers.set("MCP-Protocol-Version", "1999-01-01");
  auto r = client_.send(req);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
}

TEST_F(StreamableHttpServerTest, ForeignHostOrOriginGets403) {
  auto evil_host = post(initBody());
  evil_host.headers.set("Host", "evil.example.com");
  auto r1 = client_.send(evil_host);
  ASSERT_TRUE(r1);
  EXPECT_EQ(r1->status, 403);
  auto evil_origin = post(initBody());
  evil_origin.headers.set("Origin", "http://evil.example.com");
  auto r2 = client_.send(evil_origin);
  ASSERT_TRUE(r2);
  EXPECT_EQ(r2->status, 403);
  auto local = post(initBody());
  local.headers.set("Host", "localhost:" + std::to_string(server_->port()));
  local.headers.set("Origin", "http://localhost:" + std::to_string(server_->port()));
  auto r3 = client_.send(local);
  ASSERT_TRUE(r3);
  EXPECT_EQ(r3->status, 200);
  EXPECT_EQ(server_->sessionCount(), 1u);
}

TEST_F(StreamableHttpServerTest, MalformedJsonGets400WithParseError) {
  auto r = client_.send(post("{not json"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  EXPECT_EQ(json::parse(r->body)["error"]["code"], -32700);
}

TEST_F(StreamableHttpServerTest, ConfiguredBearerTokenIsRequired) {
  StreamableHttpServerOptions o;
  o.bearer_token = "s3cret-token";
  start(o);
  auto none = client_.send(post(initBody()));
  ASSERT_TRUE(none);
  EXPECT_EQ(none->status, 401);
  auto wrong = post(initBody());
  wrong.headers.set("Authorization", "Bearer s3cret-tokeN");
  auto r1 = client_.send(wrong);
  ASSERT_TRUE(r1);
  EXPECT_EQ(r1->status, 401);
  auto foreign = post(initBody());
  foreign.headers.set("Authorization", "Bearer s3cret-token");
  foreign.headers.set("Origin", "http://evil.example.com");
  auto r2 = client_.send(foreign);
  ASSERT_TRUE(r2);
  EXPECT_EQ(r2->status, 403);  // a right token does not excuse a foreign origin
  auto right = post(initBody());
  right.headers.set("Authorization", "bearer s3cret-token");
  auto r3 = client_.send(right);
  ASSERT_TRUE(r3);
  EXPECT_EQ(r3->status, 200);
  EXPECT_EQ(server_->sessionCount(), 1u);
}

TEST_F(StreamableHttpServerTest, OversizedBodyGets413) {
  StreamableHttpServerOptions o;
  o.max_body_bytes = 1024;
  start(o);
  auto r = client_.send(post(std::string(4096, ' ') + initBody()));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 413);
}

TEST_F(StreamableHttpServerTest, RelatedNotificationGoesOnThePostStreamBeforeTheAnswer) {
  auto sid = initialize();
  auto r = client_.send(post(call(5, "chatty"), sid));
  ASSERT_TRUE(r);
  std::vector<std::string> ids;
  auto data = sseData(r->body, &ids);
  ASSERT_EQ(data.size(), 2u);
  EXPECT_EQ(json::parse(data[0])["method"], "notifications/progress");
  EXPECT_EQ(json::parse(data[1])["id"], 5);
  // A priming event (empty data, with an id) comes first for 2025-11-25 clients.
  ASSERT_EQ(ids.size(), 3u);
  EXPECT_FALSE(ids[0].empty());
}

TEST_F(StreamableHttpServerTest, UnrelatedMessagesGoOnTheGetStreamAndReplayAfterReconnect) {
  auto sid = initialize();
  auto transport = sessions_.last();
  ASSERT_TRUE(transport->send(R"({"jsonrpc":"2.0","method":"notifications/tools/list_changed"})"));

  MessageQueue<std::string> events;
  MessageQueue<std::string> ids;
  http::SseParser parser;
  http::ClientRequest get;
  get.method = "GET";
  get.url = server_->url();
  get.headers.set("Accept", "text/event-stream");
  get.headers.set("Mcp-Session-Id", sid);
  get.body_idle_timeout = 0ms;
  auto ex = client_.stream(get, {.on_head = {}, .on_data = [&](std::string_view d) {
                                   parser.feed(d, [&](http::SseEvent e) {
                                     if (!e.data.empty()) { ids.push(e.id); events.push(e.data); }
                                   });
                                   return true;
                                 }, .on_done = {}});
  // Sent before the GET existed: delivered when it opens.
  auto first = events.pop();
  ASSERT_TRUE(first);
  EXPECT_NE(first->find("list_changed"), std::string::npos);
  auto first_id = ids.pop();
  ASSERT_TRUE(first_id);

  // A second standalone GET while one is open is refused.
  auto second = client_.send(get);
  ASSERT_TRUE(second);
  EXPECT_EQ(second->status, 409);

  ex->cancel();
  // Wait until the server has noticed the disconnect: a new GET is then accepted.
  ASSERT_TRUE(transport->send(R"({"jsonrpc":"2.0","method":"notifications/message","params":{"n":2}})"));
  MessageQueue<std::string> replay;
  std::shared_ptr<http::Exchange> ex2;
  for (int attempt = 0; attempt < 100; ++attempt) {
    http::ClientRequest resume = get;
    resume.headers.set("Last-Event-ID", *first_id);
    std::promise<int> status;
    auto status_future = status.get_future();
    auto p2 = std::make_shared<http::SseParser>();
    ex2 = client_.stream(resume, {.on_head = [&](int s, const http::Headers&) { status.set_value(s); return s == 200; },
                                  .on_data = [&, p2](std::string_view d) {
                                    p2->feed(d, [&](http::SseEvent e) { if (!e.data.empty()) replay.push(e.data); });
                                    return true;
                                  }, .on_done = {}});
    ASSERT_EQ(status_future.wait_for(10s), std::future_status::ready);
    if (status_future.get() == 200) break;
  }
  auto replayed = replay.pop();
  ASSERT_TRUE(replayed);
  EXPECT_NE(replayed->find("\"n\":2"), std::string::npos);
  ex2->cancel();
}

TEST_F(StreamableHttpServerTest, PostStreamResumesOnGetWithLastEventId) {
  auto sid = initialize();
  // A call answered later; the client drops the stream after the priming event.
  std::promise<std::string> primed;
  bool got = false;
  http::SseParser parser;
  auto req = post(call(6, "later"), sid);
  req.body_idle_timeout = 0ms;
  auto ex = client_.stream(req, {.on_head = {}, .on_data = [&](std::string_view d) {
                                   parser.feed(d, [&](http::SseEvent e) {
                                     if (!got) { got = true; primed.set_value(e.id); }
                                   });
                                   return true;
                                 }, .on_done = {}});
  auto f = primed.get_future();
  ASSERT_EQ(f.wait_for(10s), std::future_status::ready);
  std::string priming_id = f.get();
  ASSERT_FALSE(priming_id.empty());
  ex->cancel();
  ASSERT_TRUE(sessions_.last()->send(R"({"jsonrpc":"2.0","id":6,"result":{"late":true}})", {.related_request_id = "6"}));

  http::ClientRequest get;
  get.method = "GET";
  get.url = server_->url();
  get.headers.set("Accept", "text/event-stream");
  get.headers.set("Mcp-Session-Id", sid);
  get.headers.set("Last-Event-ID", priming_id);
  auto r = client_.send(get);  // the stream ends after the replayed answer
  ASSERT_TRUE(r) << r.error().toString();
  EXPECT_EQ(r->status, 200);
  auto data = sseData(r->body);
  ASSERT_EQ(data.size(), 1u);
  EXPECT_EQ(json::parse(data[0])["result"]["late"], true);
}

TEST_F(StreamableHttpServerTest, DeleteEndsTheSession) {
  auto sid = initialize();
  http::ClientRequest del;
  del.method = "DELETE";
  del.url = server_->url();
  del.headers.set("Mcp-Session-Id", sid);
  auto r = client_.send(del);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_TRUE(sessions_.closed.pop());
  EXPECT_EQ(server_->sessionCount(), 0u);
  auto after = client_.send(post(call(3, "echo"), sid));
  ASSERT_TRUE(after);
  EXPECT_EQ(after->status, 404);
}

TEST_F(StreamableHttpServerTest, JsonModeCollectsABatchIntoOneArray) {
  StreamableHttpServerOptions o;
  o.json_responses = true;
  start(o);
  auto sid = initialize();
  auto r = client_.send(post("[" + call(7, "echo") + "," + call(8, "echo") + "]", sid));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  auto j = json::parse(r->body);
  ASSERT_TRUE(j.is_array());
  EXPECT_EQ(j.size(), 2u);
}

TEST_F(StreamableHttpServerTest, SseOnDemandAnswersPlainJsonWhenOnlyResponsesCome) {
  StreamableHttpServerOptions o;
  o.sse_on_demand = true;
  start(o);
  auto init = client_.send(post(initBody()));
  ASSERT_TRUE(init);
  EXPECT_EQ(init->headers.get("Content-Type"), "application/json");
  auto sid = init->headers.get("Mcp-Session-Id");
  ASSERT_TRUE(sid);
  auto r = client_.send(post(call(5, "echo"), *sid));
  ASSERT_TRUE(r) << r.error().toString();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->headers.get("Content-Type"), "application/json");
  EXPECT_EQ(json::parse(r->body)["id"], 5);
}

TEST_F(StreamableHttpServerTest, SseOnDemandSwitchesToAStreamAtTheFirstRelatedNotification) {
  StreamableHttpServerOptions o;
  o.sse_on_demand = true;
  start(o);
  auto sid = initialize();
  auto r = client_.send(post(call(5, "chatty"), sid));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->headers.get("Content-Type"), "text/event-stream");
  std::vector<std::string> ids;
  auto data = sseData(r->body, &ids);
  ASSERT_EQ(data.size(), 2u);
  EXPECT_EQ(json::parse(data[0])["method"], "notifications/progress");
  EXPECT_EQ(json::parse(data[1])["id"], 5);
  ASSERT_EQ(ids.size(), 3u);  // the priming event first, as on a stream opened at once
  EXPECT_FALSE(ids[0].empty());
}

TEST_F(StreamableHttpServerTest, ASessionIdPolicyIssuesAndChecksIds) {
  StreamableHttpServerOptions o;
  o.session_ids.issue = [] { return std::string("issued-1"); };
  o.session_ids.check = [](std::string_view id) -> Result<void> {
    if (id == "issued-1") return {};
    if (id == "old") return fail(ErrorCode::kNotFound, "from an earlier server");
    return fail(ErrorCode::kInvalidInput, "not authentic");
  };
  start(o);
  EXPECT_EQ(initialize(), "issued-1");
  auto ok = client_.send(post(call(2, "echo"), "issued-1"));
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200);
  auto stale = client_.send(post(call(3, "echo"), "old"));
  ASSERT_TRUE(stale);
  EXPECT_EQ(stale->status, 404);
  auto forged = client_.send(post(call(4, "echo"), "forged"));
  ASSERT_TRUE(forged);
  EXPECT_EQ(forged->status, 400);
  EXPECT_NE(forged->body.find("not authentic"), std::string::npos);
}

TEST_F(StreamableHttpServerTest, SessionsBeyondTheLimitGet503) {
  StreamableHttpServerOptions o;
  o.max_sessions = 1;
  start(o);
  initialize();
  auto r = client_.send(post(initBody()));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 503);
  EXPECT_EQ(server_->sessionCount(), 1u);
}

TEST_F(StreamableHttpServerTest, IdleSessionsCloseWhenANewSessionStarts) {
  initialize();
  clock_.advance(std::chrono::minutes(59));
  initialize();
  EXPECT_EQ(server_->sessionCount(), 2u);  // not idle long enough yet
  clock_.advance(std::chrono::minutes(2));
  initialize();  // the first session is now 61 minutes idle, the second 2
  auto reason = sessions_.closed.pop();
  ASSERT_TRUE(reason);
  EXPECT_NE(reason->find("idle"), std::string::npos);
  EXPECT_EQ(server_->sessionCount(), 2u);
}

TEST_F(StreamableHttpServerTest, ARequestAcceptorReadsTheHeadersOfTheInitializePost) {
  std::mutex mu;
  std::vector<std::optional<std::string>> windows;  // guarded by mu
  server_.reset();
  auto s = StreamableHttpServer::start(
      StreamableHttpServerOptions{},
      [&](std::shared_ptr<Transport> t, const SessionRequest& request) {
        {
          std::lock_guard lock(mu);
          windows.push_back(request.header("x-editor-window"));  // any case
        }
        sessions_.accept(std::move(t));
      },
      &clock_);
  ASSERT_TRUE(s) << s.error().toString();
  server_ = std::move(*s);
  auto tagged = post(initBody());
  tagged.headers.set("X-Editor-Window", "w-1");
  auto r = client_.send(tagged);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  const std::string sid = initialize();  // a second session, without the header
  // Requests after initialize reach the session and never the acceptor.
  auto later = post(call(2, "echo"), sid);
  later.headers.set("X-Editor-Window", "w-2");
  ASSERT_TRUE(client_.send(later));
  std::lock_guard lock(mu);
  ASSERT_EQ(windows.size(), 2u);
  EXPECT_EQ(windows[0], "w-1");
  EXPECT_EQ(windows[1], std::nullopt);
}

TEST_F(StreamableHttpServerTest, StopClosesSessions) {
  initialize();
  server_->stop();
  EXPECT_TRUE(sessions_.closed.pop());
}

}  // namespace
}  // namespace onemcp::mcp
