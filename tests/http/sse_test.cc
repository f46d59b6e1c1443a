#include "onemcp/http/sse.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace onemcp::http {
namespace {

std::vector<SseEvent> parseAll(SseParser& parser, const std::vector<std::string>& chunks) {
  std::vector<SseEvent> out;
  for (const auto& c : chunks) parser.feed(c, [&](SseEvent e) { out.push_back(std::move(e)); });
  return out;
}

std::vector<SseEvent> parseBytewise(std::string_view text) {
  SseParser parser;
  std::vector<SseEvent> out;
  for (char c : text) parser.feed(std::string_view(&c, 1), [&](SseEvent e) { out.push_back(std::move(e)); });
  return out;
}

TEST(SseParserTest, ParsesIdEventAndData) {
  SseParser p;
  auto events = parseAll(p, {"id: 7\nevent: message\ndata: {\"a\":1}\n\n"});
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].id, "7");
  EXPECT_EQ(events[0].event, "message");
  EXPECT_EQ(events[0].data, "{\"a\":1}");
  EXPECT_EQ(p.lastEventId(), "7");
}

TEST(SseParserTest, JoinsMultiLineDataWithNewlines) {
  SseParser p;
  auto events = parseAll(p, {"data: one\ndata:two\ndata:  three\n\n"});
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].data, "one\ntwo\n three");
}

TEST(SseParserTest, AcceptsCrLfAndLoneCrLineEndings) {
  SseParser p;
  auto events = parseAll(p, {"data: a\r\n\r\ndata: b\r\rdata: c\n\n"});
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0].data, "a");
  EXPECT_EQ(events[1].data, "b");
  EXPECT_EQ(events[2].data, "c");
}

TEST(SseParserTest, HandlesCrLfSplitAcrossChunks) {
  SseParser p;
  auto events = parseAll(p, {"data: x\r", "\n\r", "\ndata: y\n", "\n"});
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].data, "x");
  EXPECT_EQ(events[1].data, "y");
}

TEST(SseParserTest, SameEventsWhateverTheChunking) {
  std::string text = "\xEF\xBB\xBFid: 1\r\nretry: 250\r\ndata: a\r\n: comment\r\ndata: b\r\n\r\nevent: e\ndata:\n\n";
  SseParser whole;
  auto expected = parseAll(whole, {text});
  auto bytewise = parseBytewise(text);
  ASSERT_EQ(expected.size(), 2u);
  ASSERT_EQ(bytewise.size(), expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(bytewise[i].data, expected[i].data);
    EXPECT_EQ(bytewise[i].id, expected[i].id);
    EXPECT_EQ(bytewise[i].event, expected[i].event);
    EXPECT_EQ(bytewise[i].retry_ms, expected[i].retry_ms);
  }
  EXPECT_EQ(expected[0].data, "a\nb");
  EXPECT_EQ(expected[0].retry_ms, 250);
  EXPECT_EQ(expected[1].event, "e");
  EXPECT_EQ(expected[1].data, "");
  EXPECT_EQ(expected[1].id, "1");  // the last event id persists
}

TEST(SseParserTest, IgnoresCommentsAndUnknownFields) {
  SseParser p;
  auto events = parseAll(p, {": keep-alive\n\nfoo: bar\ndata: d\n\n"});
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].data, "d");
}

TEST(SseParserTest, DispatchesPrimingEventWithEmptyData) {
  SseParser p;
  auto events = parseAll(p, {"id: s1-0\nretry: 500\ndata: \n\n"});
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].data, "");
  EXPECT_EQ(events[0].id, "s1-0");
  EXPECT_EQ(p.retryMs(), 500);
}

TEST(SseParserTest, BlockWithoutDataIsNotAnEventButSetsIdAndRetry) {
  SseParser p;
  auto events = parseAll(p, {"id: 9\nretry: 1500\n\n"});
  EXPECT_TRUE(events.empty());
  EXPECT_EQ(p.lastEventId(), "9");
  EXPECT_EQ(p.retryMs(), 1500);
}

TEST(SseParserTest, RejectsNonNumericRetry) {
  SseParser p;
  (void)parseAll(p, {"retry: 12a\ndata: x\n\n", "retry: -5\ndata: y\n\n"});
  EXPECT_FALSE(p.retryMs().has_value());
}

TEST(SseParserTest, DropsOversizedEventAndRecovers) {
  SseParser p(16);
  auto events = parseAll(p, {"data: 0123456789abcdefXYZ\n", "data: more\n\n", "data: ok\n\n"});
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].data, "ok");
  EXPECT_TRUE(p.overflowed());
}

TEST(SseParserTest, IncompleteEventIsNotDispatched) {
  SseParser p;
  auto events = parseAll(p, {"data: partial\n"});
  EXPECT_TRUE(events.empty());
}

TEST(SseWriterTest, FormatsFieldsAndSplitsDataLines) {
  EXPECT_EQ(formatSseEvent("a\nb\r\nc", "1", "message", 300),
            "id: 1\nevent: message\nretry: 300\ndata: a\ndata: b\ndata: c\n\n");
  EXPECT_EQ(formatSseEvent(""), "data: \n\n");
  EXPECT_EQ(formatSseComment("ping"), ": ping\n\n");
}

TEST(SseWriterTest, StripsNewlinesFromIdAndEvent) {
  EXPECT_EQ(formatSseEvent("x", "a\nb", "e\r"), "id: ab\nevent: e\ndata: x\n\n");
}

TEST(SseRoundTripTest, ParserReadsWhatWriterWrites) {
  std::string payload = "{\"jsonrpc\":\"2.0\",\n\"id\":1}";
  SseParser p;
  auto events = parseAll(p, {formatSseEvent(payload, "s-3", "message")});
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].data, payload);
  EXPECT_EQ(events[0].id, "s-3");
}

}  // namespace
}  // namespace onemcp::http
