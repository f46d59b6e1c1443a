#include "onemcp/sandbox/stream_frames.h"

#include <gtest/gtest.h>

namespace onemcp::sandbox {
namespace {

TEST(FrameDemuxerTest, SplitsInterleavedFramesFedByteByByte) {
  const std::string wire = encodeFrame(StreamKind::kStdout, "{\"a\":1}\n") +
                           encodeFrame(StreamKind::kStderr, "warn\n") +
                           encodeFrame(StreamKind::kStdout, "");
  FrameDemuxer d;
  std::vector<std::pair<StreamKind, std::string>> got;
  for (char c : wire) {
    ASSERT_TRUE(d.feed(std::string_view(&c, 1), [&](StreamKind k, std::string_view s) {
      got.emplace_back(k, std::string(s));
    }));
  }
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0].first, StreamKind::kStdout);
  EXPECT_EQ(got[0].second, "{\"a\":1}\n");
  EXPECT_EQ(got[1].first, StreamKind::kStderr);
  EXPECT_EQ(got[1].second, "warn\n");
  EXPECT_FALSE(d.midFrame());
}

TEST(FrameDemuxerTest, KeepsAPartialFrameUntilComplete) {
  const std::string wire = encodeFrame(StreamKind::kStdout, "hello");
  FrameDemuxer d;
  int frames = 0;
  ASSERT_TRUE(d.feed(wire.substr(0, 10), [&](StreamKind, std::string_view) { ++frames; }));
  EXPECT_EQ(frames, 0);
  EXPECT_TRUE(d.midFrame());
  ASSERT_TRUE(d.feed(wire.substr(10), [&](StreamKind, std::string_view s) {
    ++frames;
    EXPECT_EQ(s, "hello");
  }));
  EXPECT_EQ(frames, 1);
}

TEST(FrameDemuxerTest, RejectsAStreamThatIsNotMultiplexed) {
  FrameDemuxer d;
  auto r = d.feed("plain text output\n", [](StreamKind, std::string_view) {});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kDocker);
}

TEST(LineSplitterTest, SplitsLinesAndDropsCarriageReturns) {
  LineSplitter s(100);
  std::vector<std::string> lines;
  s.feed("one\r\ntw", [&](std::string l, bool) { lines.push_back(l); });
  s.feed("o\nthree", [&](std::string l, bool) { lines.push_back(l); });
  EXPECT_EQ(lines, (std::vector<std::string>{"one", "two"}));
  EXPECT_EQ(s.takeRest(), "three");
}

TEST(LineSplitterTest, CutsAndFlagsOverlongLines) {
  LineSplitter s(4);
  std::vector<std::pair<std::string, bool>> lines;
  s.feed("abcdefgh\nok\n", [&](std::string l, bool o) { lines.emplace_back(l, o); });
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0], std::make_pair(std::string("abcd"), true));
  EXPECT_EQ(lines[1], std::make_pair(std::string("ok"), false));
}

}  // namespace
}  // namespace onemcp::sandbox
