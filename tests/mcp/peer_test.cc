#include "onemcp/mcp/peer.h"

#include <atomic>
#include <future>
#include <thread>

#include <gtest/gtest.h>

#include "onemcp/mcp/memory_transport.h"
#include "onemcp/mcp/protocol.h"

namespace onemcp::mcp {
namespace {

using namespace std::chrono_literals;

constexpr auto kWait = 10s;  // bound for things that should happen promptly

// Two peers joined by an in-memory transport; the right-hand one runs `handler`.
struct PeerPair {
  explicit PeerPair(Peer::RequestHandler handler, Peer::NotificationHandler on_note = {}) {
    auto [a, b] = makeMemoryTransportPair();
    left_transport = a;
    right_transport = b;
    left = std::make_unique<Peer>(a, Peer::Options{}, [](const Request&, RequestScope&) {
      return Result<Json>(fail(ErrorCode::kMethodNotFound, "none"));
    }, [](const Notification&) {});
    right = std::make_unique<Peer>(b, Peer::Options{}, std::move(handler), std::move(on_note));
    EXPECT_TRUE(left->start());
    EXPECT_TRUE(right->start());
  }
  std::shared_ptr<Transport> left_transport;
  std::shared_ptr<Transport> right_transport;
  std::unique_ptr<Peer> left;
  std::unique_ptr<Peer> right;
};

RequestOptions within(std::chrono::milliseconds timeout) {
  RequestOptions o;
  o.timeout = timeout;
  return o;
}

TEST(PeerTest, RoutesResponseToWaitingCaller) {
  PeerPair pair([](const Request& req, RequestScope&) -> Result<Json> {
    return Json{{"echo", req.params->at("n")}};
  });
  auto r = pair.left->request("echo", Json{{"n", 5}}, within(kWait));
  ASSERT_TRUE(r) << r.error().toString();
  EXPECT_EQ((*r)["echo"], 5);
}

TEST(PeerTest, ManyRequestsInFlightEachGetTheirOwnAnswer) {
  // Each handler waits until four are running at once (the pool's size), so the test
  // fails if requests were served one at a time.
  std::mutex mu;
  std::condition_variable cv;
  int arrived = 0;
  PeerPair pair([&](const Request& req, RequestScope&) -> Result<Json> {
    std::unique_lock lock(mu);
    ++arrived;
    cv.notify_all();
    if (!cv.wait_for(lock, kWait, [&] { return arrived >= 4; })) {
      return fail(ErrorCode::kTimeout, "requests were not concurrent");
    }
    return Json{{"n", req.params->at("n")}};
  });
  std::vector<std::future<Result<Json>>> calls;
  for (int i = 0; i < 8; ++i) {
    calls.push_back(std::async(std::launch::async, [&, i] {
      return pair.left->request("echo", Json{{"n", i}}, within(kWait * 2));
    }));
  }
  for (int i = 0; i < 8; ++i) {
    auto r = calls[static_cast<size_t>(i)].get();
    ASSERT_TRUE(r) << r.error().toString();
    EXPECT_EQ((*r)["n"], i);
  }
}

TEST(PeerTest, HandlerErrorBecomesJsonRpcError) {
  PeerPair pair([](const Request&, RequestScope&) -> Result<Json> {
    return fail(ErrorCode::kInvalidParams, "bad arg");
  });
  auto r = pair.left->request("x", std::nullopt, within(kWait));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidParams);
  EXPECT_EQ(r.error().message, "bad arg");
}

TEST(PeerTest, ThrowingHandlerBecomesInternalError) {
  PeerPair pair([](const Request&, RequestScope&) -> Result<Json> {
    throw std::runtime_error("kaput");
  });
  auto r = pair.left->request("x", std::nullopt, within(kWait));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kInternalError);
}

TEST(PeerTest, TimesOutWhenPeerNeverAnswersAndTellsIt) {
  std::promise<void> cancelled;
  PeerPair pair([&](const Request&, RequestScope& scope) -> Result<Json> {
    std::mutex mu;
    std::condition_variable_any cv;
    std::unique_lock lock(mu);
    cv.wait(lock, scope.stopToken(), [] { return false; });
    cancelled.set_value();
    return Json::object();
  });
  auto r = pair.left->request("slow", std::nullopt, within(50ms));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kTimeout);
  EXPECT_EQ(cancelled.get_future().wait_for(kWait), std::future_status::ready);
}

TEST(PeerTest, CallerCancellationSendsCancelledAndStopsHandler) {
  std::promise<void> started;
  std::promise<void> handler_stopped;
  PeerPair pair([&](const Request&, RequestScope& scope) -> Result<Json> {
    started.set_value();
    std::mutex mu;
    std::condition_variable_any cv;
    std::unique_lock lock(mu);
    cv.wait(lock, scope.stopToken(), [] { return false; });
    handler_stopped.set_value();
    return Json::object();
  });
  std::stop_source stop;
  RequestOptions opts = within(kWait);
  opts.stop = stop.get_token();
  auto call = std::async(std::launch::async, [&] { return pair.left->request("slow", std::nullopt, opts); });
  ASSERT_EQ(started.get_future().wait_for(kWait), std::future_status::ready);
  stop.request_stop();
  auto r = call.get();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kRequestCancelled);
  EXPECT_EQ(handler_stopped.get_future().wait_for(kWait), std::future_status::ready);
}

TEST(PeerTest, ProgressNotificationsReachTheCallersCallback) {
  PeerPair pair([](const Request&, RequestScope& scope) -> Result<Json> {
    EXPECT_TRUE(scope.progressToken().has_value());
    (void)scope.progress(1, 2, "half");
    (void)scope.progress(2, 2);
    return Json::object();
  });
  std::mutex mu;
  std::vector<double> seen;
  RequestOptions opts = within(kWait);
  opts.on_progress = [&](const ProgressParams& p) {
    std::lock_guard lock(mu);
    seen.push_back(p.progress);
  };
  ASSERT_TRUE(pair.left->request("work", Json::object(), opts));
  std::lock_guard lock(mu);
  EXPECT_EQ(seen, (std::vector<double>{1, 2}));  // same transport thread, in order
}

TEST(PeerTest, HandlerCanRequestFromCallerWhileHandling) {
  auto [a, b] = makeMemoryTransportPair();
  Peer left(a, Peer::Options{}, [](const Request& req, RequestScope&) -> Result<Json> {
    return Json{{"answer", req.method}};
  }, Peer::NotificationHandler{});
  Peer right(b, Peer::Options{}, [](const Request&, RequestScope& scope) -> Result<Json> {
    auto inner = scope.request("inner", std::nullopt, within(kWait));
    if (!inner) return fail(inner.error());
    return Json{{"got", (*inner)["answer"]}};
  }, Peer::NotificationHandler{});
  ASSERT_TRUE(left.start());
  ASSERT_TRUE(right.start());
  auto r = left.request("outer", std::nullopt, within(kWait));
  ASSERT_TRUE(r) << r.error().toString();
  EXPECT_EQ((*r)["got"], "inner");
}

TEST(PeerTest, PendingCallsFailWhenTransportCloses) {
  std::promise<void> started;
  PeerPair pair([&](const Request&, RequestScope& scope) -> Result<Json> {
    started.set_value();
    std::mutex mu;
    std::condition_variable_any cv;
    std::unique_lock lock(mu);
    cv.wait(lock, scope.stopToken(), [] { return false; });
    return Json::object();
  });
  auto call = std::async(std::launch::async, [&] {
    return pair.left->request("slow", std::nullopt, within(kWait));
  });
  ASSERT_EQ(started.get_future().wait_for(kWait), std::future_status::ready);
  pair.right_transport->close();
  auto r = call.get();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kClosed);
  EXPECT_FALSE(pair.left->request("after", std::nullopt, within(kWait)));
}

// Raw-text tests: drive one Peer with hand-written JSON and read what it sends back.
struct RawPeer {
  RawPeer() {
    auto [a, b] = makeMemoryTransportPair();
    raw = a;
    Peer::Options opts;
    opts.limits.max_bytes = 1000;
    peer = std::make_unique<Peer>(
        b, opts,
        [](const Request& req, RequestScope&) -> Result<Json> {
          if (req.method == "ping") return Json::object();
          return fail(ErrorCode::kMethodNotFound, "method not found");
        },
        Peer::NotificationHandler{});
    TransportHandlers h;
    h.on_message = [this](std::string text) {
      std::lock_guard lock(mu);
      replies.push_back(Json::parse(text));
      cv.notify_all();
    };
    EXPECT_TRUE(raw->start(std::move(h)));
    EXPECT_TRUE(peer->start());
  }
  Json next() {
    std::unique_lock lock(mu);
    EXPECT_TRUE(cv.wait_for(lock, kWait, [this] { return !replies.empty(); }));
    if (replies.empty()) return nullptr;
    Json j = replies.front();
    replies.erase(replies.begin());
    return j;
  }
  std::shared_ptr<Transport> raw;
  std::unique_ptr<Peer> peer;
  std::mutex mu;
  std::condition_variable cv;
  std::vector<Json> replies;
};

TEST(PeerTest, BadInputGetsJsonRpcErrors) {
  RawPeer p;
  ASSERT_TRUE(p.raw->send("{not json"));
  EXPECT_EQ(p.next()["error"]["code"], -32700);
  ASSERT_TRUE(p.raw->send(R"({"jsonrpc":"1.0","id":3,"method":"ping"})"));
  auto wrong_version = p.next();
  EXPECT_EQ(wrong_version["error"]["code"], -32600);
  EXPECT_EQ(wrong_version["id"], 3);
  ASSERT_TRUE(p.raw->send(R"({"jsonrpc":"2.0","id":"u","method":"nope"})"));
  auto unknown = p.next();
  EXPECT_EQ(unknown["error"]["code"], -32601);
  EXPECT_EQ(unknown["id"], "u");
  ASSERT_TRUE(p.raw->send(std::string(R"({"jsonrpc":"2.0","id":1,"method":"ping","params":{"x":")") +
                          std::string(2000, 'x') + "\"}}"));
  auto big = p.next();
  EXPECT_EQ(big["error"]["code"], -32600);
  EXPECT_TRUE(big["id"].is_null());
  ASSERT_TRUE(p.raw->send(R"({"jsonrpc":"2.0","id":9,"method":"ping"})"));
  EXPECT_EQ(p.next()["id"], 9);  // still serving after all that
}

TEST(PeerTest, BatchesRejectedUnlessNegotiatedThenAnsweredAsArray) {
  RawPeer p;
  const std::string batch =
      R"([{"jsonrpc":"2.0","id":1,"method":"ping"},{"jsonrpc":"2.0","id":2,"method":"nope"}])";
  ASSERT_TRUE(p.raw->send(batch));
  EXPECT_EQ(p.next()["error"]["code"], -32600);
  p.peer->setBatchesAllowed(true);
  ASSERT_TRUE(p.raw->send(batch));
  auto reply = p.next();
  ASSERT_TRUE(reply.is_array());
  EXPECT_EQ(reply.size(), 2u);
}

TEST(PeerTest, AsyncRequestIsAnsweredThroughItsCallback) {
  PeerPair pair([](const Request& req, RequestScope&) -> Result<Json> {
    return Json{{"echo", req.params->at("n")}};
  });
  std::promise<Result<Json>> answer;
  auto id = pair.left->requestAsync("echo", Json{{"n", 7}}, {},
                                    [&](Result<Json> r) { answer.set_value(std::move(r)); });
  ASSERT_TRUE(id) << id.error().toString();
  auto f = answer.get_future();
  ASSERT_EQ(f.wait_for(kWait), std::future_status::ready);
  auto r = f.get();
  ASSERT_TRUE(r) << r.error().toString();
  EXPECT_EQ((*r)["echo"], 7);
}

TEST(PeerTest, CancellingAnAsyncRequestFailsItOnceAndStopsTheHandler) {
  std::promise<void> started;
  std::promise<void> handler_stopped;
  PeerPair pair([&](const Request&, RequestScope& scope) -> Result<Json> {
    started.set_value();
    std::mutex mu;
    std::condition_variable_any cv;
    std::unique_lock lock(mu);
    cv.wait(lock, scope.stopToken(), [] { return false; });
    handler_stopped.set_value();
    return Json::object();
  });
  std::atomic<int> calls{0};
  std::promise<Result<Json>> answer;
  auto id = pair.left->requestAsync("slow", std::nullopt, {}, [&](Result<Json> r) {
    if (++calls == 1) answer.set_value(std::move(r));
  });
  ASSERT_TRUE(id);
  ASSERT_EQ(started.get_future().wait_for(kWait), std::future_status::ready);
  EXPECT_TRUE(pair.left->cancelRequest(*id, Error(ErrorCode::kTimeout, "deadline"), "timed out"));
  EXPECT_FALSE(pair.left->cancelRequest(*id, Error(ErrorCode::kTimeout, "again"), "timed out"));
  auto r = answer.get_future().get();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kTimeout);
  EXPECT_EQ(handler_stopped.get_future().wait_for(kWait), std::future_status::ready);
  EXPECT_EQ(calls.load(), 1);
}

TEST(PeerTest, AsyncRequestFailsWhenTheTransportCloses) {
  PeerPair pair([](const Request& req, RequestScope&) -> Result<Json> {
    return Json{{"echo", req.params->at("n")}};
  });
  pair.right->close();
  std::promise<Result<Json>> answer;
  auto id = pair.left->requestAsync("slow", std::nullopt, {},
                                    [&](Result<Json> r) { answer.set_value(std::move(r)); });
  if (id) {  // sent before the close was seen: the close fails it
    auto f = answer.get_future();
    ASSERT_EQ(f.wait_for(kWait), std::future_status::ready);
    auto r = f.get();
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, ErrorCode::kClosed);
  } else {
    EXPECT_EQ(id.error().code, ErrorCode::kClosed);
  }
}

// A relay: the right-hand peer takes "relay" inline and answers it from another thread,
// without a worker; anything else goes to the handler.
TEST(PeerTest, InlineHandlerAnswersLaterFromAnotherThreadAndSeesCancellation) {
  auto [a, b] = makeMemoryTransportPair();
  Peer left(a, Peer::Options{}, [](const Request&, RequestScope&) {
    return Result<Json>(fail(ErrorCode::kMethodNotFound, "none"));
  }, [](const Notification&) {});
  std::mutex mu;
  std::vector<Peer::Reply> replies;            // guarded by mu
  std::vector<std::stop_token> stops;          // guarded by mu
  std::thread::id inline_thread;               // guarded by mu
  Peer::Options options;
  options.inline_request = [&](Request& req, RequestScope& scope, Peer::Reply& reply) {
    if (req.method != "relay") return false;
    std::lock_guard lock(mu);
    inline_thread = std::this_thread::get_id();
    replies.push_back(std::move(reply));
    stops.push_back(scope.stopToken());
    return true;
  };
  std::thread::id handler_thread;
  Peer right(b, options, [&](const Request&, RequestScope&) -> Result<Json> {
    handler_thread = std::this_thread::get_id();
    return Json{{"by", "handler"}};
  }, [](const Notification&) {});
  ASSERT_TRUE(left.start());
  ASSERT_TRUE(right.start());

  auto first = std::async(std::launch::async, [&] { return left.request("relay", Json::object(), within(kWait)); });
  std::stop_source cancel;
  RequestOptions cancellable = within(kWait);
  cancellable.stop = cancel.get_token();
  auto second = std::async(std::launch::async, [&] { return left.request("relay", Json::object(), cancellable); });
  auto other = left.request("other", Json::object(), within(kWait));
  ASSERT_TRUE(other);
  EXPECT_EQ((*other)["by"], "handler");
  for (int i = 0; i < 1000; ++i) {
    {
      std::lock_guard lock(mu);
      if (replies.size() == 2) break;
    }
    std::this_thread::sleep_for(5ms);
  }
  std::lock_guard lock(mu);
  ASSERT_EQ(replies.size(), 2u);
  EXPECT_NE(inline_thread, handler_thread);
  // Cancel the second call: exactly one of the two taken requests sees its stop. Then
  // answer both from another thread; the cancelled one's answer is not sent.
  cancel.request_stop();
  auto r2 = second.get();
  ASSERT_FALSE(r2);
  EXPECT_EQ(r2.error().code, ErrorCode::kRequestCancelled);
  int stopped = 0;
  for (int i = 0; i < 1000 && stopped == 0; ++i) {
    for (const auto& s : stops) stopped += s.stop_requested() ? 1 : 0;
    if (stopped == 0) std::this_thread::sleep_for(5ms);
  }
  EXPECT_EQ(stopped, 1);
  std::thread answerer([&] {
    for (auto& reply : replies) reply(Json{{"by", "relay"}});
  });
  answerer.join();
  auto r1 = first.get();
  ASSERT_TRUE(r1) << r1.error().toString();
  EXPECT_EQ((*r1)["by"], "relay");
}

}  // namespace
}  // namespace onemcp::mcp
