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

TEST(DescribeArtifacts, NamesTheFileTypeOfAPath) {
  EXPECT_EQ(describeArtifacts("Read the data under /root/excel/people.xlsx"),
            " file excel spreadsheet");
  EXPECT_EQ(describeArtifacts("list /root/notes/"), " file directory folder");
}

TEST(DescribeArtifacts, AsksForAFileWriterWhenTheClauseSavesThere) {
  EXPECT_EQ(describeArtifacts("Summarise the trial and save it as Markdown to /root/md/a.md."),
            " file write save markdown text");
  // A later sentence's verb does not reach back to an earlier path.
  EXPECT_EQ(describeArtifacts("Create a plan. Read /root/in/a.txt"), " file text");
}

TEST(DescribeArtifacts, NamesUrlsAndRelativeDates) {
  EXPECT_EQ(describeArtifacts("summarise https://example.org/a"), " url web page link");
  EXPECT_EQ(describeArtifacts("trains next Wednesday"), " current date time");
  EXPECT_EQ(describeArtifacts("plain words only"), "");
}

TEST(Stemmer, LeavesUnknownShapesAlone) {
  Stemmer stemmer;
  EXPECT_EQ(stemmer.stem("12306"), "12306");
  EXPECT_EQ(stemmer.stem(""), "");
}

}  // namespace
}  // namespace onemcp::search
