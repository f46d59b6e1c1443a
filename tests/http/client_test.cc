// HttpClient against a hand-written peer on a unix socket and on TCP, so that framing
// (chunked bodies, early close) and timeouts are under the test's control.
#include "onemcp/http/client.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <filesystem>
#include <future>
#include <string>
#include <thread>

#include "test_request.h"

namespace onemcp::http {
namespace {

using namespace std::chrono_literals;

// Accepts one connection on a unix socket, reads the request head, writes `reply`, and
// then either closes or holds the connection until the test ends.
class UnixPeer {
 public:
  UnixPeer(std::string reply, bool hold_open = false) : reply_(std::move(reply)), hold_(hold_open) {
    path_ = (std::filesystem::temp_directory_path() /
             ("onemcp-http-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter_++) +
              ".sock"))
                .string();
    std::filesystem::remove(path_);
    fd_ = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, path_.c_str(), sizeof(addr.sun_path) - 1);
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    EXPECT_EQ(::listen(fd_, 1), 0);
    thread_ = std::jthread([this] { serve(); });
  }
  ~UnixPeer() {
    release_.set_value();
    ::shutdown(fd_, SHUT_RDWR);
    thread_.join();
    ::close(fd_);
    std::filesystem::remove(path_);
  }
  const std::string& path() const { return path_; }
  std::string request() { return request_.get_future().get(); }

 private:
  void serve() {
    int c = ::accept(fd_, nullptr, nullptr);
    if (c < 0) return;
    std::string got;
    char buf[4096];
    while (got.find("\r\n\r\n") == std::string::npos) {
      auto n = ::read(c, buf, sizeof buf);
      if (n <= 0) break;
      got.append(buf, static_cast<std::size_t>(n));
    }
    request_.set_value(got);
    (void)!::write(c, reply_.data(), reply_.size());
    if (hold_) release_.get_future().wait();
    ::close(c);
  }
  static inline int counter_ = 0;
  std::string reply_;
  bool hold_;
  std::string path_;
  int fd_ = -1;
  std::promise<std::string> request_;
  std::promise<void> release_;
  std::jthread thread_;
};

// A TCP peer on 127.0.0.1 that answers every request on a connection with "ok"
// (Content-Length, no Connection header: kept alive) and counts the connections it
// accepts. With `close_after_one` it closes each connection after one answer, as a
// server does with an idle kept-alive connection.
class TcpPeer {
 public:
  explicit TcpPeer(bool close_after_one = false) : close_after_one_(close_after_one) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    socklen_t len = sizeof addr;
    EXPECT_EQ(::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len), 0);
    port_ = ntohs(addr.sin_port);
    EXPECT_EQ(::listen(fd_, 8), 0);
    thread_ = std::jthread([this] { serve(); });
  }
  ~TcpPeer() {
    ::shutdown(fd_, SHUT_RDWR);
    ::close(fd_);
    int c = current_.exchange(-1);
    if (c >= 0) ::shutdown(c, SHUT_RDWR);
    thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/"; }
  int connections() const { return connections_.load(); }

 private:
  void serve() {
    for (;;) {
      int c = ::accept(fd_, nullptr, nullptr);
      if (c < 0) return;
      ++connections_;
      current_ = c;
      std::string got;
      char buf[4096];
      for (;;) {
        auto end = got.find("\r\n\r\n");
        if (end == std::string::npos) {
          auto n = ::read(c, buf, sizeof buf);
          if (n <= 0) break;
          got.append(buf, static_cast<std::size_t>(n));
          continue;
        }
        got.erase(0, end + 4);  // the tests send no bodies
        static constexpr std::string_view kReply = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
        (void)!::write(c, kReply.data(), kReply.size());
        if (close_after_one_) break;
      }
      current_ = -1;
      ::close(c);
    }
  }
  bool close_after_one_;
  int fd_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<int> connections_{0};
  std::atomic<int> current_{-1};
  std::jthread thread_;
};

TEST(ParseUrlTest, SplitsHttpUrl) {
  auto u = parseUrl("http://127.0.0.1:8080/mcp?x=1");
  ASSERT_TRUE(u);
  EXPECT_FALSE(u->unix_socket);
  EXPECT_EQ(u->host, "127.0.0.1");
  EXPECT_EQ(u->port, "8080");
  EXPECT_EQ(u->target, "/mcp?x=1");
  EXPECT_EQ(u->host_header, "127.0.0.1:8080");
}

TEST(ParseUrlTest, DefaultsPortAndPath) {
  auto u = parseUrl("http://localhost");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->port, "80");
  EXPECT_EQ(u->target, "/");
}

TEST(ParseUrlTest, DecodesUnixSocketPath) {
  auto u = parseUrl("http+unix://%2Fvar%2Frun%2Fdocker.sock/v1.43/info");
  ASSERT_TRUE(u);
  EXPECT_TRUE(u->unix_socket);
  EXPECT_EQ(u->host, "/var/run/docker.sock");
  EXPECT_EQ(u->target, "/v1.43/info");
}

TEST(ParseUrlTest, RejectsOtherSchemesAndGarbage) {
  EXPECT_FALSE(parseUrl("https://example.com/"));
  EXPECT_FALSE(parseUrl("not a url"));
}

TEST(HttpClientTest, DecodesChunkedBodyOverUnixSocket) {
  UnixPeer peer(
      "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
      "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n");
  HttpClient client;
  auto url = "http+unix://" + std::string(peer.path()) + "/info";
  // Percent-encode the path's slashes for the URL form.
  std::string encoded;
  for (char c : peer.path()) encoded += (c == '/') ? std::string("%2F") : std::string(1, c);
  auto r = client.send(Req("GET", "http+unix://" + encoded + "/v1/info"));
  ASSERT_TRUE(r) << r.error().toString();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "hello world");
  EXPECT_EQ(r->headers.get("content-type"), "application/json");
  EXPECT_NE(peer.request().find("GET /v1/info HTTP/1.1"), std::string::npos);
}

TEST(HttpClientTest, UnixSocketOptionOverridesUrlHost) {
  UnixPeer peer("HTTP/1.1 204 No Content\r\n\r\n");
  HttpClient client;
  auto r = client.send(Req("GET", "http://docker/_ping").unix_socket(peer.path()));
  ASSERT_TRUE(r) << r.error().toString();
  EXPECT_EQ(r->status, 204);
  EXPECT_NE(peer.request().find("Host: docker"), std::string::npos);
}

TEST(HttpClientTest, StreamsBodyPiecesAsTheyArrive) {
  UnixPeer peer("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n",
                /*hold_open=*/true);
  HttpClient client;
  std::promise<std::string> first;
  bool set = false;
  auto ex =
      client.stream(Req("GET", "http://x/events").unix_socket(peer.path()).body_idle_timeout(0ms),
                    {.on_head = {},
                     .on_data =
                         [&](std::string_view d) {
                           if (!set) {
                             set = true;
                             first.set_value(std::string(d));
                           }
                           return true;
                         },
                     .on_done = {}});
  auto f = first.get_future();
  ASSERT_EQ(f.wait_for(10s), std::future_status::ready);
  EXPECT_EQ(f.get(), "abc");
  ex->cancel();
}

TEST(HttpClientTest, ReportsTruncatedBodyAsClosed) {
  UnixPeer peer("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nshort");
  HttpClient client;
  auto r = client.send(Req("GET", "http://x/").unix_socket(peer.path()));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kClosed);
}

TEST(HttpClientTest, TimesOutWhenNoResponseHeadArrives) {
  UnixPeer peer("", /*hold_open=*/true);
  HttpClient client;
  auto r = client.send(Req("GET", "http://x/").unix_socket(peer.path()).timeout(200ms));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kTimeout);
}

TEST(HttpClientTest, ConnectFailureIsUnavailable) {
  HttpClient client;
  auto r = client.send(Req("GET", "http://x/").unix_socket("/nonexistent/onemcp.sock"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kUnavailable);
}

TEST(HttpClientTest, BadUrlFailsThroughOnDone) {
  HttpClient client;
  auto r = client.send(Req("GET", "ftp://x/"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidInput);
}

TEST(HttpClientTest, CancelEndsExchangeWithClosed) {
  UnixPeer peer("", /*hold_open=*/true);
  HttpClient client;
  std::promise<Result<void>> done;
  auto ex = client.stream(
      Req("GET", "http://x/").unix_socket(peer.path()),
      {.on_head = {}, .on_data = {}, .on_done = [&](Result<void> r) { done.set_value(r); }});
  (void)peer.request();
  ex->cancel();
  auto f = done.get_future();
  ASSERT_EQ(f.wait_for(10s), std::future_status::ready);
  auto r = f.get();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kClosed);
}

ClientOptions keepAlive() {
  ClientOptions o;
  o.keep_alive = true;
  return o;
}

TEST(HttpClientTest, ClosesEachConnectionWhenKeepAliveIsOff) {
  TcpPeer peer;
  ClientOptions o;
  o.keep_alive = false;
  HttpClient client(o);
  for (int i = 0; i < 2; ++i) {
    auto r = client.send(Req("GET", peer.url()).timeout(5s));
    ASSERT_TRUE(r) << r.error().toString();
  }
  EXPECT_EQ(peer.connections(), 2);
}

TEST(HttpClientTest, KeepsATcpConnectionAliveAcrossRequests) {
  TcpPeer peer;
  HttpClient client;  // keep-alive is the default
  for (int i = 0; i < 3; ++i) {
    auto r = client.send(Req("GET", peer.url()).timeout(5s));
    ASSERT_TRUE(r) << r.error().toString();
    EXPECT_EQ(r->body, "ok");
  }
  EXPECT_EQ(peer.connections(), 1);
}

TEST(HttpClientTest, ReplacesAKeptConnectionTheServerClosedMeanwhile) {
  TcpPeer peer(/*close_after_one=*/true);
  HttpClient client(keepAlive());
  for (int i = 0; i < 3; ++i) {
    auto r = client.send(Req("POST", peer.url()).timeout(5s));
    ASSERT_TRUE(r) << r.error().toString();
    EXPECT_EQ(r->body, "ok");
  }
  EXPECT_EQ(peer.connections(), 3);
}

}  // namespace
}  // namespace onemcp::http
