#include "onemcp/mcp/messages.h"

#include <gtest/gtest.h>

namespace onemcp::mcp {
namespace {

TEST(MessagesTest, InitializeResultOmitsAbsentCapabilities) {
  InitializeResult r{"2025-11-25", {}, {"demo", "1.0", std::nullopt}, std::nullopt};
  r.capabilities.tools = Json{{"listChanged", true}};
  Json j = r;
  EXPECT_TRUE(j["capabilities"].contains("tools"));
  EXPECT_FALSE(j["capabilities"].contains("prompts"));
  EXPECT_FALSE(j.contains("instructions"));
  auto back = decode<InitializeResult>(j);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->serverInfo.name, "demo");
  EXPECT_FALSE(back->capabilities.resources.has_value());
}

TEST(MessagesTest, DecodeReportsMissingFieldAsInvalidParams) {
  auto bad = decode<CallToolParams>(Json{{"arguments", Json::object()}});
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, ErrorCode::kInvalidParams);
  auto wrong_type = decode<ReadResourceParams>(Json{{"uri", 5}});
  EXPECT_FALSE(wrong_type);
}

TEST(MessagesTest, CallToolResultKeepsStructuredContentAndErrorFlag) {
  CallToolResult r = textResult("boom", true);
  r.structuredContent = Json{{"n", 1}};
  Json j = r;
  EXPECT_EQ(j["isError"], true);
  EXPECT_EQ(j["content"][0]["type"], "text");
  auto back = decode<CallToolResult>(j);
  ASSERT_TRUE(back);
  EXPECT_TRUE(back->isError);
  EXPECT_EQ((*back->structuredContent)["n"], 1);
  Json ok = textResult("fine");
  EXPECT_FALSE(ok.contains("isError"));
}

TEST(MessagesTest, ToolListPaginationCursorRoundTrips) {
  ListToolsResult page{{Tool{.name = "a", .title = {}, .description = "d", .inputSchema = Json{{"type", "object"}}, .outputSchema = {}, .annotations = {}}},
                       "next-1"};
  auto back = decode<ListToolsResult>(Json(page));
  ASSERT_TRUE(back);
  EXPECT_EQ(back->nextCursor, "next-1");
  EXPECT_EQ(back->tools.at(0).description, "d");
}

TEST(MessagesTest, CompletionUsesNestedCompletionObject) {
  CompleteResult r{{"paris", "park"}, 2, false};
  Json j = r;
  EXPECT_EQ(j["completion"]["values"].size(), 2u);
  auto params = decode<CompleteParams>(
      Json::parse(R"({"ref":{"type":"ref/prompt","name":"p"},"argument":{"name":"a","value":"pa"}})"));
  ASSERT_TRUE(params);
  EXPECT_EQ(params->argumentValue, "pa");
}

TEST(MessagesTest, LoggingLevelsParseInSeverityOrder) {
  EXPECT_EQ(parseLoggingLevel("warning"), LoggingLevel::kWarning);
  EXPECT_FALSE(parseLoggingLevel("verbose"));
  EXPECT_LT(LoggingLevel::kDebug, LoggingLevel::kEmergency);
  EXPECT_FALSE(decode<LoggingMessageParams>(Json{{"level", "loud"}, {"data", 1}}));
}

TEST(MessagesTest, ProgressAndCancelKeepTokenType) {
  auto p = decode<ProgressParams>(Json{{"progressToken", "tok"}, {"progress", 50}, {"total", 100}});
  ASSERT_TRUE(p);
  EXPECT_TRUE(p->progressToken.is_string());
  auto c = decode<CancelledParams>(Json{{"requestId", 9}, {"reason", "user"}});
  ASSERT_TRUE(c);
  EXPECT_TRUE(c->requestId.is_number_integer());
}

TEST(MessagesTest, ElicitAndSamplingRoundTrip) {
  ElicitResult e{"accept", Json{{"name", "x"}}};
  EXPECT_EQ(decode<ElicitResult>(Json(e))->action, "accept");
  CreateMessageParams s{{{"user", textContent("hi")}}, 100, std::nullopt, std::nullopt};
  auto back = decode<CreateMessageParams>(Json(s));
  ASSERT_TRUE(back);
  EXPECT_EQ(back->maxTokens, 100);
  EXPECT_EQ(back->messages[0].content["text"], "hi");
}

}  // namespace
}  // namespace onemcp::mcp
