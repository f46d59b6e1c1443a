// HttpServer over loopback (port 0), driven by HttpClient.
#include "onemcp/http/server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <future>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "onemcp/http/client.h"
#include "test_request.h"

namespace onemcp::http {
namespace {

using namespace std::chrono_literals;

class HttpServerTest : public ::testing::Test {
 protected:
  void startServer(ServerOptions options = {}) {
    server_ = std::make_unique<HttpServer>(options);
    server_->route("GET", "/hello", [](Request req, std::shared_ptr<Responder> r) {
      r->respond(Response::text(200, "hello " + req.query));
    });
    server_->route("POST", "/echo", [](Request req, std::shared_ptr<Responder> r) {
      auto res = Response::json(200, req.body);
      res.headers.set("X-Method", req.method);
      r->respond(std::move(res));
    });
    server_->route("GET", "/throws", [](Request, std::shared_ptr<Responder>) {
      throw std::runtime_error("boom");
    });
    server_->route("GET", "/stream", [this](Request, std::shared_ptr<Responder> r) {
      auto s = r->beginStream(200, {{"Content-Type", "text/event-stream"}});
      std::lock_guard lock(mu_);
      streams_.push_back(s);
      stream_opened_.set_value();
    });
    ASSERT_TRUE(server_->start());
    ASSERT_NE(server_->port(), 0);
  }
  std::string url(const std::string& path) {
    return "http://127.0.0.1:" + std::to_string(server_->port()) + path;
  }

  std::unique_ptr<HttpServer> server_;
  HttpClient client_;
  std::mutex mu_;
  std::vector<std::shared_ptr<ResponseStream>> streams_;
  std::promise<void> stream_opened_;
};

TEST_F(HttpServerTest, RoutesByMethodAndPath) {
  startServer();
  auto r = client_.send(Req("GET", url("/hello?x=1")));
  ASSERT_TRUE(r) << r.error().toString();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "hello x=1");

  auto post = client_.send(Req("POST", url("/echo")).body("{\"a\":1}"));
  ASSERT_TRUE(post);
  EXPECT_EQ(post->body, "{\"a\":1}");
  EXPECT_EQ(post->headers.get("x-method"), "POST");
}

TEST_F(HttpServerTest, UnknownPathIs404AndWrongMethodIs405) {
  startServer();
  auto r = client_.send(Req("GET", url("/nope")));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 404);
  auto m = client_.send(Req("DELETE", url("/echo")));
  ASSERT_TRUE(m);
  EXPECT_EQ(m->status, 405);
  EXPECT_EQ(m->headers.get("Allow"), "POST");
}

TEST_F(HttpServerTest, OversizedBodyGets413) {
  ServerOptions o;
  o.max_body_bytes = 100;
  startServer(o);
  auto r = client_.send(Req("POST", url("/echo")).body(std::string(1000, 'x')));
  ASSERT_TRUE(r) << r.error().toString();
  EXPECT_EQ(r->status, 413);
  auto ok = client_.send(Req("POST", url("/echo")).body(std::string(100, 'x')));
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200);
}

TEST_F(HttpServerTest, ThrowingHandlerGets500AndServerKeepsServing) {
  startServer();
  auto r = client_.send(Req("GET", url("/throws")));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 500);
  auto again = client_.send(Req("GET", url("/hello")));
  ASSERT_TRUE(again);
  EXPECT_EQ(again->status, 200);
}

TEST_F(HttpServerTest, StreamWrittenFromAnotherThreadArrivesInOrder) {
  startServer();
  std::promise<std::string> body_done;
  std::string body;
  int status = 0;
  auto opened = stream_opened_.get_future();
  auto ex = client_.stream(Req("GET", url("/stream")).body_idle_timeout(0ms),
                           {.on_head = [&](int s, const Headers&) { status = s; return true; },
                            .on_data = [&](std::string_view d) { body.append(d); return true; },
                            .on_done = [&](Result<void> r) { body_done.set_value(r ? body : r.error().toString()); }});
  ASSERT_EQ(opened.wait_for(10s), std::future_status::ready);
  std::shared_ptr<ResponseStream> s;
  {
    std::lock_guard lock(mu_);
    s = streams_.at(0);
  }
  std::jthread writer([s] {
    for (int i = 0; i < 100; ++i) ASSERT_TRUE(s->write(std::to_string(i) + ","));
    s->close();
  });
  writer.join();
  auto f = body_done.get_future();
  ASSERT_EQ(f.wait_for(10s), std::future_status::ready);
  std::string expected;
  for (int i = 0; i < 100; ++i) expected += std::to_string(i) + ",";
  EXPECT_EQ(f.get(), expected);
  EXPECT_EQ(status, 200);
}

TEST_F(HttpServerTest, PeerDisconnectClosesStreamAndFiresOnClosed) {
  startServer();
  auto opened = stream_opened_.get_future();
  std::promise<void> got_head;
  auto ex = client_.stream(Req("GET", url("/stream")).body_idle_timeout(0ms),
                           {.on_head = [&](int, const Headers&) { got_head.set_value(); return true; },
                            .on_data = {}, .on_done = {}});
  ASSERT_EQ(opened.wait_for(10s), std::future_status::ready);
  ASSERT_EQ(got_head.get_future().wait_for(10s), std::future_status::ready);
  std::shared_ptr<ResponseStream> s;
  {
    std::lock_guard lock(mu_);
    s = streams_.at(0);
  }
  std::promise<void> closed;
  s->onClosed([&] { closed.set_value(); });
  ex->cancel();
  ASSERT_EQ(closed.get_future().wait_for(10s), std::future_status::ready);
  EXPECT_FALSE(s->isOpen());
  EXPECT_FALSE(s->write("late"));
}

TEST_F(HttpServerTest, StopEndsOpenStreams) {
  startServer();
  auto opened = stream_opened_.get_future();
  std::promise<Result<void>> done;
  auto ex = client_.stream(Req("GET", url("/stream")).body_idle_timeout(0ms),
                           {.on_head = {}, .on_data = {}, .on_done = [&](Result<void> r) { done.set_value(r); }});
  ASSERT_EQ(opened.wait_for(10s), std::future_status::ready);
  server_->stop();
  auto f = done.get_future();
  ASSERT_EQ(f.wait_for(10s), std::future_status::ready);
  EXPECT_FALSE(f.get());  // the body ended without its last chunk
  std::lock_guard lock(mu_);
  EXPECT_FALSE(streams_.at(0)->isOpen());
}

TEST_F(HttpServerTest, ManyConcurrentStreamsOnTwoThreads) {
  startServer();
  constexpr int kStreams = 50;
  std::vector<std::promise<void>> done(kStreams);
  std::vector<std::shared_ptr<Exchange>> exchanges;
  std::atomic<int> opened{0};
  std::promise<void> all_open;
  server_->stop();
  ServerOptions two;
  two.threads = 2;
  server_ = std::make_unique<HttpServer>(two);
  server_->route("GET", "/s", [&](Request, std::shared_ptr<Responder> r) {
    auto s = r->beginStream(200, {{"Content-Type", "text/event-stream"}});
    {
      std::lock_guard lock(mu_);
      streams_.push_back(s);
    }
    if (++opened == kStreams) all_open.set_value();
  });
  ASSERT_TRUE(server_->start());
  std::vector<std::string> bodies(kStreams);
  for (int i = 0; i < kStreams; ++i) {
    exchanges.push_back(client_.stream(
        Req("GET", url("/s")).body_idle_timeout(0ms),
        {.on_head = {}, .on_data = [&bodies, i](std::string_view d) { bodies[i].append(d); return true; },
         .on_done = [&done, i](Result<void>) { done[i].set_value(); }}));
  }
  ASSERT_EQ(all_open.get_future().wait_for(20s), std::future_status::ready);
  {
    std::lock_guard lock(mu_);
    for (auto& s : streams_) {
      ASSERT_TRUE(s->write("data: hi\n\n"));
      s->close();
    }
  }
  for (auto& d : done) ASSERT_EQ(d.get_future().wait_for(20s), std::future_status::ready);
  for (auto& b : bodies) EXPECT_EQ(b, "data: hi\n\n");
}

// Sends raw bytes over TCP and returns everything the server writes until it closes.
std::string rawExchange(std::uint16_t port, const std::string& bytes) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return "connect failed";
  }
  timeval tv{10, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  (void)!::write(fd, bytes.data(), bytes.size());
  std::string out;
  char buf[4096];
  for (;;) {
    auto n = ::read(fd, buf, sizeof buf);
    if (n <= 0) break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return out;
}

TEST_F(HttpServerTest, AcceptsChunkedRequestBodies) {
  startServer();
  auto out = rawExchange(server_->port(),
                         "POST /echo HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                         "Transfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n4\r\ndefg\r\n0\r\n\r\n");
  EXPECT_TRUE(out.starts_with("HTTP/1.1 200")) << out;
  EXPECT_NE(out.find("abcdefg"), std::string::npos) << out;
}

TEST_F(HttpServerTest, MalformedRequestGets400) {
  startServer();
  auto out = rawExchange(server_->port(), "THIS IS NOT HTTP\r\n\r\n");
  EXPECT_TRUE(out.starts_with("HTTP/1.1 400")) << out;
}

TEST_F(HttpServerTest, OversizedHeadGets431) {
  ServerOptions o;
  o.max_header_bytes = 1024;
  startServer(o);
  auto out = rawExchange(server_->port(), "GET /hello HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(4096, 'a') + "\r\n\r\n");
  EXPECT_TRUE(out.starts_with("HTTP/1.1 431")) << out;
}

TEST_F(HttpServerTest, KeepAliveServesSeveralRequestsOnOneConnection) {
  startServer();
  auto out = rawExchange(server_->port(),
                         "GET /hello?a HTTP/1.1\r\nHost: x\r\n\r\n"
                         "GET /hello?b HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_NE(out.find("hello a"), std::string::npos) << out;
  EXPECT_NE(out.find("hello b"), std::string::npos) << out;
}

TEST_F(HttpServerTest, BindsLoopbackByDefault) {
  startServer();
  EXPECT_EQ(server_->bindAddress(), "127.0.0.1");
}

}  // namespace
}  // namespace onemcp::http
