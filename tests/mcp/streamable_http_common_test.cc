#include "onemcp/mcp/streamable_http_common.h"

#include <set>

#include <gtest/gtest.h>

namespace onemcp::mcp::streamable_http {
namespace {

TEST(HostCheckTest, AcceptsLoopbackNamesOnAnyPortByDefault) {
  EXPECT_TRUE(isAllowedHost("localhost", {}));
  EXPECT_TRUE(isAllowedHost("localhost:3000", {}));
  EXPECT_TRUE(isAllowedHost("127.0.0.1:8080", {}));
  EXPECT_TRUE(isAllowedHost("[::1]:9", {}));
  EXPECT_TRUE(isAllowedHost("LOCALHOST:1", {}));
}

TEST(HostCheckTest, RejectsOtherNamesAndTricks) {
  EXPECT_FALSE(isAllowedHost("evil.example.com", {}));
  EXPECT_FALSE(isAllowedHost("localhost.evil.com", {}));
  EXPECT_FALSE(isAllowedHost("127.0.0.1.nip.io", {}));
  EXPECT_FALSE(isAllowedHost("localhost:abc", {}));
  EXPECT_FALSE(isAllowedHost("", {}));
  EXPECT_FALSE(isAllowedHost("[::1", {}));
}

TEST(HostCheckTest, UsesTheConfiguredListWhenGiven) {
  std::vector<std::string> allowed = {"myhost", "other:8080"};
  EXPECT_TRUE(isAllowedHost("myhost:1234", allowed));
  EXPECT_TRUE(isAllowedHost("other:8080", allowed));
  EXPECT_FALSE(isAllowedHost("other:8081", allowed));
  EXPECT_FALSE(isAllowedHost("localhost", allowed));
}

TEST(OriginCheckTest, AcceptsLoopbackWebOriginsByDefault) {
  EXPECT_TRUE(isAllowedOrigin("http://localhost:3000", {}));
  EXPECT_TRUE(isAllowedOrigin("https://127.0.0.1", {}));
  EXPECT_TRUE(isAllowedOrigin("http://[::1]:80", {}));
}

TEST(OriginCheckTest, RejectsForeignNullAndOddOrigins) {
  EXPECT_FALSE(isAllowedOrigin("http://evil.example.com", {}));
  EXPECT_FALSE(isAllowedOrigin("null", {}));
  EXPECT_FALSE(isAllowedOrigin("file://", {}));
  EXPECT_FALSE(isAllowedOrigin("http://localhost@evil.com", {}));
  EXPECT_FALSE(isAllowedOrigin("http://localhost.evil.com", {}));
}

TEST(BearerTokenTest, MatchesOnlyTheExactTokenUnderTheBearerScheme) {
  EXPECT_TRUE(bearerTokenMatches("Bearer abc123", "abc123"));
  EXPECT_TRUE(bearerTokenMatches("bearer abc123", "abc123"));
  EXPECT_FALSE(bearerTokenMatches("Bearer abc12", "abc123"));
  EXPECT_FALSE(bearerTokenMatches("Bearer abc1234", "abc123"));
  EXPECT_FALSE(bearerTokenMatches("Basic abc123", "abc123"));
  EXPECT_FALSE(bearerTokenMatches("abc123", "abc123"));
  EXPECT_FALSE(bearerTokenMatches("Bearer ", ""));
}

TEST(OriginCheckTest, ConfiguredOriginsAreExact) {
  std::vector<std::string> allowed = {"vscode-webview://abc", "http://localhost:3000"};
  EXPECT_TRUE(isAllowedOrigin("vscode-webview://abc", allowed));
  EXPECT_TRUE(isAllowedOrigin("http://localhost:3000/", allowed));
  EXPECT_FALSE(isAllowedOrigin("http://localhost:3001", allowed));
}

TEST(SessionIdTest, IsThirtyTwoHexDigitsAndFresh) {
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    auto id = newSessionId();
    ASSERT_EQ(id.size(), 32u);
    for (char c : id) EXPECT_TRUE((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'));
    seen.insert(id);
  }
  EXPECT_EQ(seen.size(), 100u);
}

TEST(EventIdTest, RoundTrips) {
  auto text = formatEventId({3, 42});
  EXPECT_EQ(text, "3-42");
  auto id = parseEventId(text);
  ASSERT_TRUE(id);
  EXPECT_EQ(id->stream, 3u);
  EXPECT_EQ(id->seq, 42u);
}

TEST(EventIdTest, RejectsMalformed) {
  for (const char* bad : {"", "3", "-1", "3-", "a-1", "1-b", "1-2-3", "event-1"}) {
    EXPECT_FALSE(parseEventId(bad)) << bad;
  }
}

TEST(ReplayBufferTest, ReturnsEventsAfterTheGivenSequence) {
  ReplayBuffer b(10);
  EXPECT_EQ(b.append("a"), 1u);
  EXPECT_EQ(b.append("b"), 2u);
  EXPECT_EQ(b.append("c"), 3u);
  auto r = b.after(1);
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, (std::vector<std::string>{"b", "c"}));
  auto none = b.after(3);
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->empty());
  auto all = b.after(0);
  ASSERT_TRUE(all);
  EXPECT_EQ(all->size(), 3u);
}

TEST(ReplayBufferTest, KeepsOnlyCapacityAndReportsAGap) {
  ReplayBuffer b(2);
  for (const char* e : {"a", "b", "c", "d"}) b.append(e);
  EXPECT_EQ(b.size(), 2u);
  auto ok = b.after(2);
  ASSERT_TRUE(ok);
  EXPECT_EQ(*ok, (std::vector<std::string>{"c", "d"}));
  auto gap = b.after(1);
  ASSERT_FALSE(gap);
  EXPECT_EQ(gap.error().code, ErrorCode::kNotFound);
}

TEST(SummarizeBodyTest, ClassifiesRequestsNotificationsAndResponses) {
  auto s = summarizeBody(R"([{"jsonrpc":"2.0","id":1,"method":"a"},{"jsonrpc":"2.0","method":"n"},)"
                         R"({"jsonrpc":"2.0","id":"x","result":{}},{"jsonrpc":"2.0","id":"q","method":"b"}])");
  ASSERT_TRUE(s) << s.error().toString();
  EXPECT_TRUE(s->batch);
  EXPECT_EQ(s->request_ids, (std::vector<std::string>{"1", "\"q\""}));
  EXPECT_EQ(s->notifications, 1u);
  EXPECT_EQ(s->responses, 1u);
  EXPECT_FALSE(s->has_initialize);
}

TEST(SummarizeBodyTest, FindsInitializeAndItsVersion) {
  auto s = summarizeBody(R"({"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-06-18"}})");
  ASSERT_TRUE(s);
  EXPECT_TRUE(s->has_initialize);
  EXPECT_EQ(s->initialize_version, "2025-06-18");
}

TEST(SummarizeBodyTest, RejectsBadBodies) {
  EXPECT_EQ(summarizeBody("{").error().code, ErrorCode::kParseError);
  EXPECT_EQ(summarizeBody("[]").error().code, ErrorCode::kInvalidRequest);
  EXPECT_EQ(summarizeBody("42").error().code, ErrorCode::kInvalidRequest);
  EXPECT_EQ(summarizeBody(R"({"jsonrpc":"2.0","id":1.5,"method":"a"})").error().code, ErrorCode::kInvalidRequest);
  EXPECT_EQ(summarizeBody(R"({"jsonrpc":"2.0","id":1})").error().code, ErrorCode::kInvalidRequest);
}

TEST(ResponseIdTest, FindsIdsOfResponsesOnly) {
  EXPECT_EQ(responseIdOf(R"({"jsonrpc":"2.0","id":7,"result":{}})"), "7");
  EXPECT_EQ(responseIdOf(R"({"jsonrpc":"2.0","id":"a","error":{"code":1,"message":"m"}})"), "\"a\"");
  EXPECT_EQ(responseIdOf(R"({"jsonrpc":"2.0","id":7,"method":"x"})"), "");
  EXPECT_EQ(responseIdOf(R"({"jsonrpc":"2.0","method":"x"})"), "");
  EXPECT_EQ(canonicalId(" 7 "), "7");
  EXPECT_EQ(canonicalId("\"a\""), "\"a\"");
  EXPECT_EQ(canonicalId("{}"), "");
}

}  // namespace
}  // namespace onemcp::mcp::streamable_http
