// HttpClient against a hand-written peer on a unix socket and on TCP, so that framing
// (chunked bodies, early close) and timeouts are under the test's control.
#include "onemcp/http/client.h"
#include "test_request.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <future>
#include <string>
#include <thread>

#include <gtest/gtest.h>

namespace onemcp::http {
namespace {

using namespace std::chrono_literals;

// Accepts one connection on a unix socket, reads the request head, writes `reply`, and
// then either closes or holds the connection until the test ends.
class UnixPeer {
 public:
  UnixPeer(std::string reply, bool hold_open = false) : reply_(std::move(reply)), hold_(hold_open) {
    path_ = (std::filesystem::temp_directory_path() /
             ("onemcp-http-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter_++) + ".sock"))
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
  UnixPeer peer(
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n", /*hold_open=*/true);
  HttpClient client;
  std::promise<std::string> first;
  bool set = false;
  auto ex = client.stream(Req("GET", "http://x/events").unix_socket(peer.path()).body_idle_timeout(0ms),
                          {.on_head = {}, .on_data = [&](std::string_view d) {
                             if (!set) { set = true; first.set_value(std::string(d)); }
                             return true;
                           }, .on_done = {}});
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
  auto ex = client.stream(Req("GET", "http://x/").unix_socket(peer.path()),
                          {.on_head = {}, .on_data = {}, .on_done = [&](Result<void> r) { done.set_value(r); }});
  (void)peer.request();
  ex->cancel();
  auto f = done.get_future();
  ASSERT_EQ(f.wait_for(10s), std::future_status::ready);
  auto r = f.get();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kClosed);
}

}  // namespace
}  // namespace onemcp::http
