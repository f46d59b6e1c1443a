// The proxy's session-id codec: round trips, and the three ways an id is refused
// (garbled, forged, from an earlier proxy), then the same on the real path: the proxy's
// streamable HTTP front answering raw HTTP requests.
#include "onemcp/sandbox/proxy_session_id.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "http_mcp_client.h"
#include "onemcp/mcp/streamable_http_server.h"
#include "onemcp/sandbox/proxy.h"

namespace onemcp::sandbox {
namespace {

SessionIdCodec::Key keyOf(unsigned char fill) {
  SessionIdCodec::Key key;
  key.fill(fill);
  return key;
}

TEST(SessionIdCodecTest, EncodesVisibleAsciiAndDecodesItsOwnIds) {
  const SessionIdCodec codec(keyOf(1), 0x0123456789abcdefULL);
  for (std::uint64_t serial : {0ULL, 1ULL, 42ULL, ~0ULL}) {
    const std::string id = codec.encode(serial);
    EXPECT_EQ(id.size(), SessionIdCodec::kEncodedSize);
    for (char c : id) EXPECT_TRUE(c >= 0x21 && c <= 0x7e) << id;
    auto decoded = codec.decode(id);
    ASSERT_TRUE(decoded) << decoded.error().toString();
    EXPECT_EQ(*decoded, (ProxySessionId{0x0123456789abcdefULL, serial}));
  }
  EXPECT_NE(codec.encode(1), codec.encode(2));
}

TEST(SessionIdCodecTest, TheTagIsTheTruncatedHmacSha256OfPrefixInstanceAndSerial) {
  const SessionIdCodec::Key key = keyOf(7);
  const SessionIdCodec codec(key, 0x0123456789abcdefULL);
  for (std::uint64_t serial : {1ULL, 99ULL}) {
    const std::string id = codec.encode(serial);
    const std::string message = id.substr(0, 3 + 32);  // "m1." + instance + serial
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
         reinterpret_cast<const unsigned char*>(message.data()), message.size(), mac, &len);
    std::string hex;
    for (unsigned i = 0; i < 16; ++i) {
      hex.push_back("0123456789abcdef"[mac[i] >> 4]);
      hex.push_back("0123456789abcdef"[mac[i] & 0xF]);
    }
    EXPECT_EQ(id.substr(35), hex);
  }
}

TEST(SessionIdCodecTest, RefusesGarbledIdsAsInvalidInput) {
  const SessionIdCodec codec(keyOf(1), 7);
  const std::string good = codec.encode(3);
  std::string upper = good;
  for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  for (const std::string& bad :
       {std::string(), std::string("m1."), good.substr(0, good.size() - 1), good + "0",
        "x1" + good.substr(2), upper, std::string(good).replace(10, 1, "g")}) {
    auto r = codec.decode(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidInput) << bad;
  }
}

TEST(SessionIdCodecTest, RefusesAForgedTagOrSerial) {
  const SessionIdCodec codec(keyOf(1), 7);
  std::string id = codec.encode(3);
  std::string tag_flipped = id;
  tag_flipped.back() = tag_flipped.back() == '0' ? '1' : '0';
  // A serial never issued, with the tag of another: the tag covers the serial.
  std::string serial_changed = codec.encode(4).substr(0, 35) + id.substr(35);
  // The same instance and serial under another key (someone guessing the format).
  const SessionIdCodec other_key(keyOf(2), 7);
  for (const std::string& forged : {tag_flipped, serial_changed, other_key.encode(3)}) {
    auto r = codec.decode(forged);
    ASSERT_FALSE(r) << forged;
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidInput) << forged;
  }
}

TEST(SessionIdCodecTest, AnIdFromAnotherInstanceIsNotFound) {
  const SessionIdCodec before(keyOf(1), 7);
  const SessionIdCodec now(keyOf(9), 8);
  auto r = now.decode(before.encode(3));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kNotFound);
  auto a = SessionIdCodec::random();
  auto b = SessionIdCodec::random();
  ASSERT_TRUE(a && b);
  EXPECT_NE(a->instance(), b->instance());
}

// The real path: an McpProxy served by the streamable HTTP server with the codec's
// policy, as `onemcp proxy --http` does.
class ProxyHttpSessionIdTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto codec = SessionIdCodec::random();
    ASSERT_TRUE(codec);
    codec_ = std::make_shared<const SessionIdCodec>(*codec);
    mcp::Tool tool;
    tool.name = "ping_tool";
    tool.description = "answers with no content";
    ASSERT_TRUE(proxy_.addLocalTool(tool, [](ProxySession&, const Json&, mcp::RequestScope&) {
      return Result<Json>(Json{{"content", Json::array()}});
    }));
    mcp::StreamableHttpServerOptions options;
    options.session_ids = sessionIdPolicy(codec_);
    auto server = mcp::StreamableHttpServer::start(
        options, [this](std::shared_ptr<mcp::Transport> t) { (void)proxy_.serve(std::move(t)); });
    ASSERT_TRUE(server) << server.error().toString();
    server_ = std::move(*server);
  }

  static Json initialize() {
    return Json{{"jsonrpc", "2.0"},
                {"id", 1},
                {"method", "initialize"},
                {"params",
                 {{"protocolVersion", "2025-06-18"},
                  {"capabilities", Json::object()},
                  {"clientInfo", {{"name", "t"}, {"version", "1"}}}}}};
  }
  static Json toolsList() { return Json{{"jsonrpc", "2.0"}, {"id", 2}, {"method", "tools/list"}}; }

  SystemClock clock_;
  McpProxy proxy_{ProxyOptions{}, clock_};
  std::shared_ptr<const SessionIdCodec> codec_;
  std::unique_ptr<mcp::StreamableHttpServer> server_;
};

TEST_F(ProxyHttpSessionIdTest, IssuesCodecIdsAndAcceptsThem) {
  testing::HttpMcpClient client(server_->url());
  auto init = client.post(initialize());
  ASSERT_TRUE(init.contains("result")) << init.dump();
  auto decoded = codec_->decode(client.session());
  ASSERT_TRUE(decoded) << client.session();
  EXPECT_EQ(decoded->instance, codec_->instance());
  auto tools = client.post(toolsList());
  ASSERT_TRUE(tools.contains("result")) << tools.dump();
  EXPECT_EQ(tools["result"]["tools"][0]["name"], "ping_tool");
}

TEST_F(ProxyHttpSessionIdTest, AForgedIdIsRefusedWith400) {
  testing::HttpMcpClient client(server_->url());
  ASSERT_TRUE(client.post(initialize()).contains("result"));
  std::string forged = client.session();
  forged.back() = forged.back() == '0' ? '1' : '0';
  client.setSession(forged);
  (void)client.post(toolsList());
  EXPECT_EQ(client.status(), 400);
}

TEST_F(ProxyHttpSessionIdTest, AnIdFromAnEarlierProxyGets404AndTheClientCanStartAgain) {
  auto earlier = SessionIdCodec::random();
  ASSERT_TRUE(earlier);
  testing::HttpMcpClient client(server_->url());
  client.setSession(earlier->encode(1));
  (void)client.post(toolsList());
  EXPECT_EQ(client.status(), 404);
  client.setSession("");
  ASSERT_TRUE(client.post(initialize()).contains("result"));
  auto tools = client.post(toolsList());
  EXPECT_EQ(client.status(), 200);
  ASSERT_TRUE(tools.contains("result")) << tools.dump();
}

}  // namespace
}  // namespace onemcp::sandbox
