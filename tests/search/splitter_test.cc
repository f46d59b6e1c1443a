#include "onemcp/search/splitter.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace onemcp::search {
namespace {

using ::testing::ElementsAre;

TEST(SplitTasks, SplitsNumberedSteps) {
  EXPECT_THAT(splitTasks("1. Find the weather in Paris\n2. Book a hotel near the Louvre"),
              ElementsAre("Find the weather in Paris", "Book a hotel near the Louvre"));
}

TEST(SplitTasks, SplitsAtAndThenAndSemicolons) {
  EXPECT_THAT(splitTasks("Download the sales report and then email it to my manager; "
                         "also create a chart of revenue"),
              ElementsAre("Download the sales report", "and then email it to my manager",
                          "also create a chart of revenue"));
}

TEST(SplitTasks, SplitsCoordinatedTaskVerbs) {
  EXPECT_THAT(splitTasks("Search arxiv for diffusion papers and summarize the top three"),
              ElementsAre("Search arxiv for diffusion papers", "and summarize the top three"));
}

TEST(SplitTasks, KeepsASingleNeedWhole) {
  EXPECT_THAT(splitTasks("What is the price of gold and silver today?"),
              ElementsAre("What is the price of gold and silver today?"));
}

TEST(SplitTasks, MergesFragmentsIntoNeighbours) {
  EXPECT_THAT(splitTasks("Hi! Please list my open GitHub issues."),
              ElementsAre("Hi! Please list my open GitHub issues."));
}

TEST(SplitTasks, EmptyPromptHasNoTasks) {
  EXPECT_TRUE(splitTasks("").empty());
  EXPECT_TRUE(splitTasks(" \n ").empty());
}

TEST(SplitTasks, CapsTheNumberOfTasks) {
  SplitOptions o;
  o.max_tasks = 2;
  const auto t = splitTasks("Find a b c. Get d e f. Make g h i.", o);
  EXPECT_EQ(t.size(), 2U);
}

}  // namespace
}  // namespace onemcp::search
