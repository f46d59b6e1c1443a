#include "onemcp/search/text.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace onemcp::search {
namespace {

using ::testing::ElementsAre;

TEST(SplitWords, SplitsCamelSnakeKebabAndDigits) {
  EXPECT_THAT(splitWords("getWeatherForecast"), ElementsAre("get", "weather", "forecast"));
  EXPECT_THAT(splitWords("list_open-issues"), ElementsAre("list", "open", "issues"));
  EXPECT_THAT(splitWords("HTTPServer v2api"), ElementsAre("http", "server", "v", "2", "api"));
}

TEST(SplitWords, YieldsCjkBigrams) {
  EXPECT_THAT(splitWords("必应搜索"), ElementsAre("必应", "应搜", "搜索"));
  EXPECT_THAT(splitWords("a 中 b"), ElementsAre("a", "中", "b"));
}

TEST(SplitWords, TreatsPunctuationAsSeparator) {
  EXPECT_THAT(splitWords("it’s “quoted”—fine"), ElementsAre("it", "s", "quoted", "fine"));
  EXPECT_TRUE(splitWords("  ,;  ").empty());
}

TEST(Analyze, DropsStopwordsAndStems) {
  Stemmer stemmer;
  EXPECT_THAT(analyze("Searching the repositories for issues", stemmer),
              ElementsAre("search", "repositori", "issu"));
}

TEST(Stemmer, LeavesUnknownShapesAlone) {
  Stemmer stemmer;
  EXPECT_EQ(stemmer.stem("12306"), "12306");
  EXPECT_EQ(stemmer.stem(""), "");
}

}  // namespace
}  // namespace onemcp::search
