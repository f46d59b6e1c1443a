#include "onemcp/mcp/jsonrpc.h"

#include <gtest/gtest.h>

#include "onemcp/mcp/protocol.h"

namespace onemcp::mcp {
namespace {

const Message& only(const Result<ParsedText>& parsed) {
  EXPECT_TRUE(parsed) << parsed.error().toString();
  EXPECT_EQ(parsed->messages.size(), 1u);
  return parsed->messages.front();
}

TEST(JsonRpcTest, ParsesRequestKeepingIntegerId) {
  auto parsed = parse(R"({"jsonrpc":"2.0","id":7,"method":"tools/list","params":{}})");
  const auto& req = std::get<Request>(only(parsed));
  EXPECT_EQ(req.id, RequestId(7));
  EXPECT_FALSE(req.id.isString());
  EXPECT_EQ(req.method, "tools/list");
  EXPECT_TRUE(req.params->is_object());
  EXPECT_FALSE(parsed->is_batch);
}

TEST(JsonRpcTest, StringIdThatLooksNumericStaysString) {
  auto parsed = parse(R"({"jsonrpc":"2.0","id":"7","method":"ping"})");
  const auto& req = std::get<Request>(only(parsed));
  EXPECT_TRUE(req.id.isString());
  EXPECT_NE(req.id, RequestId(7));
  EXPECT_EQ(serialize(req), R"({"id":"7","jsonrpc":"2.0","method":"ping"})");
}

TEST(JsonRpcTest, ParsesNotificationResponseAndError) {
  EXPECT_TRUE(std::holds_alternative<Notification>(
      only(parse(R"({"jsonrpc":"2.0","method":"notifications/initialized"})"))));
  auto resp = parse(R"({"jsonrpc":"2.0","id":"a","result":{"x":1}})");
  EXPECT_EQ(std::get<Response>(only(resp)).result["x"], 1);
  auto err = parse(R"({"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"bad"}})");
  const auto& e = std::get<ErrorResponse>(only(err));
  EXPECT_FALSE(e.id.has_value());
  EXPECT_EQ(e.error.code, -32700);
}

TEST(JsonRpcTest, MalformedJsonIsParseError) {
  auto parsed = parse(R"({"jsonrpc":"2.0","id":1,"method":)");
  ASSERT_FALSE(parsed);
  EXPECT_EQ(parsed.error().code, ErrorCode::kParseError);
}

TEST(JsonRpcTest, WrongVersionIsRejectedWithItsId) {
  auto parsed = parse(R"({"jsonrpc":"1.0","id":5,"method":"ping"})");
  ASSERT_TRUE(parsed);
  ASSERT_EQ(parsed->rejected.size(), 1u);
  EXPECT_EQ(parsed->rejected[0].id, RequestId(5));
  EXPECT_EQ(parsed->rejected[0].error.code, static_cast<int>(ErrorCode::kInvalidRequest));
}

TEST(JsonRpcTest, RejectsInvalidShapes) {
  for (const char* text :
       {R"({"jsonrpc":"2.0","id":1.5,"method":"x"})", R"({"jsonrpc":"2.0","id":null,"method":"x"})",
        R"({"jsonrpc":"2.0","id":1,"method":3})",
        R"({"jsonrpc":"2.0","id":1,"method":"x","params":"s"})",
        R"({"jsonrpc":"2.0","id":1,"result":1,"error":{}})", R"({"jsonrpc":"2.0","id":1})",
        R"({"jsonrpc":"2.0","id":1,"error":{"code":"x","message":"m"}})"}) {
    auto parsed = parse(text);
    ASSERT_TRUE(parsed) << text;
    EXPECT_TRUE(parsed->messages.empty()) << text;
    EXPECT_EQ(parsed->rejected.size(), 1u) << text;
  }
  auto scalar = parse("42");
  ASSERT_FALSE(scalar);
  EXPECT_EQ(scalar.error().code, ErrorCode::kInvalidRequest);
}

TEST(JsonRpcTest, BatchSplitsValidAndInvalidEntries) {
  auto parsed = parse(R"([{"jsonrpc":"2.0","id":1,"method":"ping"},{"bad":true},
                         {"jsonrpc":"2.0","method":"n"}])");
  ASSERT_TRUE(parsed);
  EXPECT_TRUE(parsed->is_batch);
  EXPECT_EQ(parsed->messages.size(), 2u);
  EXPECT_EQ(parsed->rejected.size(), 1u);
  auto empty = parse("[]");
  ASSERT_FALSE(empty);
  EXPECT_EQ(empty.error().code, ErrorCode::kInvalidRequest);
}

TEST(JsonRpcTest, OversizedMessageIsTooLarge) {
  std::string big =
      R"({"jsonrpc":"2.0","method":"x","params":{"p":")" + std::string(2000, 'a') + R"("}})";
  auto parsed = parse(big, ParseLimits{.max_bytes = 1000, .max_depth = 16});
  ASSERT_FALSE(parsed);
  EXPECT_EQ(parsed.error().code, ErrorCode::kTooLarge);
}

TEST(JsonRpcTest, DeepNestingIsParseErrorButBracketsInStringsAreFine) {
  std::string deep(500, '[');
  auto parsed = parse(deep);
  ASSERT_FALSE(parsed);
  EXPECT_EQ(parsed.error().code, ErrorCode::kParseError);
  std::string in_string =
      R"({"jsonrpc":"2.0","method":"x","params":{"s":")" + std::string(500, '[') + R"(\""}})";
  EXPECT_TRUE(parse(in_string));
}

TEST(JsonRpcTest, SerializeRoundTripsEveryKind) {
  std::vector<Message> all = {
      makeRequest(RequestId("r1"), "tools/call", Json{{"name", "t"}}),
      makeNotification("notifications/progress", Json{{"progress", 1}}),
      makeResponse(RequestId(3), Json::object()),
      makeErrorResponse(RequestId(4), Error(ErrorCode::kMethodNotFound, "no", R"({"m":"x"})")),
      makeErrorResponse(std::nullopt, Error(ErrorCode::kParseError, "bad json"))};
  for (const auto& m : all) {
    // serialize() writes the envelope by hand: the same bytes as the document's own dump.
    EXPECT_EQ(serialize(m), toJson(m).dump());
    auto back = parse(serialize(m));
    ASSERT_TRUE(back);
    ASSERT_EQ(back->messages.size(), 1u);
    EXPECT_EQ(toJson(back->messages[0]), toJson(m));
  }
  auto batch = parse(serializeBatch(all));
  ASSERT_TRUE(batch);
  EXPECT_EQ(batch->messages.size(), all.size());
}

TEST(JsonRpcTest, MethodsAndIdsThatNeedEscapingSerializeAsTheDocumentDoes) {
  // Plain ASCII names are written as they are; these go through nlohmann's escaping.
  std::vector<Message> all = {
      makeRequest(RequestId(-7), "say \"hi\"", std::nullopt), makeNotification("back\\slash\ttab"),
      makeRequest(RequestId("\u00e9t\u00e9 \"q\""), "caf\u00e9", Json{{"x", 1}}),
      makeResponse(RequestId(std::int64_t{9007199254740993}), Json{{"ok", true}})};
  for (const auto& m : all) EXPECT_EQ(serialize(m), toJson(m).dump());
}

TEST(JsonRpcTest, RequestIdKeyIsItsJsonForm) {
  EXPECT_EQ(RequestId(42).key(), "42");
  EXPECT_EQ(RequestId(-1).key(), "-1");
  EXPECT_EQ(RequestId("42").key(), "\"42\"");
  EXPECT_EQ(RequestId("a\"b").key(), R"("a\"b")");
}

TEST(JsonRpcTest, ErrorObjectCarriesDataBothWays) {
  Error e(ErrorCode::kInvalidParams, "missing x", R"({"field":"x"})");
  auto obj = ErrorObject::fromError(e);
  EXPECT_EQ(obj.code, -32602);
  EXPECT_EQ((*obj.data)["field"], "x");
  EXPECT_EQ(obj.toError().code, ErrorCode::kInvalidParams);
}

TEST(ProtocolTest, NegotiatesSupportedVersionsAndFallsBackToLatest) {
  EXPECT_EQ(negotiateVersion("2025-03-26"), "2025-03-26");
  EXPECT_EQ(negotiateVersion("2025-06-18"), "2025-06-18");
  EXPECT_EQ(negotiateVersion("2024-11-05"), version::kLatest);
  EXPECT_TRUE(batchesAllowed("2025-03-26"));
  EXPECT_FALSE(batchesAllowed("2025-06-18"));
  EXPECT_FALSE(batchesAllowed("2025-11-25"));
}

}  // namespace
}  // namespace onemcp::mcp
