// Window tags: which sessions share an editor window; a bad window id is refused with a
// message naming the header; ended sessions are forgotten.
#include "onemcp/orchestrator/window_tags.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace onemcp::orchestrator {
namespace {

TEST(WindowTagsTest, AcceptsRandomIdsAndRefusesAnythingElse) {
  EXPECT_EQ(parseWindowId("3f2a9c1e-0b7d-4c55-9a2e-6d1f00aa42b7").value(),
            "3f2a9c1e-0b7d-4c55-9a2e-6d1f00aa42b7");
  EXPECT_EQ(parseWindowId("w.1_a:b").value(), "w.1_a:b");
  for (const std::string& bad : {std::string(), std::string("has space"), std::string("new\nline"),
                                 std::string("é"), std::string(129, 'a')}) {
    auto r = parseWindowId(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidInput);
    EXPECT_NE(r.error().message.find("X-OneMCP-Window"), std::string::npos);
  }
  EXPECT_TRUE(parseWindowId(std::string(128, 'a')));
}

TEST(WindowTagsTest, ListsTheSessionsOfOneWindowOnly) {
  WindowTags tags;
  tags.tag("s1", "A");
  tags.tag("s2", "B");
  tags.tag("s3", "A");
  EXPECT_EQ(tags.windowOf("s1"), "A");
  EXPECT_EQ(tags.windowOf("s2"), "B");
  EXPECT_EQ(tags.windowOf("untagged"), std::nullopt);
  const auto all = [](const std::string&) { return true; };
  EXPECT_EQ(tags.sessionsOf("A", all), (std::vector<std::string>{"s1", "s3"}));
  EXPECT_EQ(tags.sessionsOf("B", all), (std::vector<std::string>{"s2"}));
  EXPECT_TRUE(tags.sessionsOf("C", all).empty());
}

TEST(WindowTagsTest, ForgetsSessionsThatEnded) {
  WindowTags tags;
  tags.tag("s1", "A");
  tags.tag("s2", "A");
  tags.tag("s3", "B");
  std::set<std::string> open = {"s2", "s3"};
  const auto isOpen = [&](const std::string& id) { return open.contains(id); };
  EXPECT_EQ(tags.sessionsOf("A", isOpen), (std::vector<std::string>{"s2"}));
  EXPECT_EQ(tags.windowOf("s1"), std::nullopt);  // forgotten, whichever window was asked for
  open.erase("s3");
  (void)tags.sessionsOf("A", isOpen);
  EXPECT_EQ(tags.windowOf("s3"), std::nullopt);
}

}  // namespace
}  // namespace onemcp::orchestrator
