#include "onemcp/search/eval.h"

#include <unistd.h>

#include <cmath>
#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace onemcp::search {
namespace {

class EvalTest : public ::testing::Test {
 protected:
  std::filesystem::path dir_ = std::filesystem::temp_directory_path() /
                               ("onemcp_eval_test_" + std::to_string(::getpid()));
  void SetUp() override { std::filesystem::create_directories(dir_); }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::filesystem::path write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ / name) << text;
    return dir_ / name;
  }
};

TEST_F(EvalTest, ReadQueriesKeepsOnlyQidAndQuery) {
  const auto f = write("q.jsonl",
                       R"({"qid":"a","query":"x","gold_server_ids":["s"]})" "\n"
                       R"({"qid":"b","query":"y"})" "\n");
  auto q = readQueries(f);
  ASSERT_TRUE(q);
  ASSERT_EQ(q->size(), 2U);
  EXPECT_EQ((*q)[1].qid, "b");
  EXPECT_EQ((*q)[1].query, "y");
}

TEST_F(EvalTest, SampleTakesEvenlySpacedQueries) {
  std::string text;
  for (int i = 0; i < 10; ++i) text += R"({"qid":")" + std::to_string(i) + R"(","query":"q"})" "\n";
  auto q = readQueries(write("q.jsonl", text), 5);
  ASSERT_TRUE(q);
  ASSERT_EQ(q->size(), 5U);
  EXPECT_EQ((*q)[1].qid, "2");
}

TEST_F(EvalTest, LineWithoutQueryIsAnError) {
  EXPECT_FALSE(readQueries(write("q.jsonl", R"({"qid":"a"})" "\n")));
}

TEST_F(EvalTest, ScoresRecallNdcgHitAndSlots) {
  const auto run = write("run.jsonl",
                         R"({"qid":"q1","servers":["live:a","live:x","live:b"],"tools":["live:a::t"]})" "\n"
                         R"({"qid":"q2","servers":["live:y"],"tools":[]})" "\n");
  const auto qrels = write("qrels.tsv", "qid\tdoc_id\trelevance\nq1\ta\t1\nq1\tb\t1\nq2\tc\t1\nq3\td\t1\n");
  auto m = scoreRun(run, qrels, {});
  ASSERT_TRUE(m) << m.error().toString();
  EXPECT_EQ(m->queries, 2U);
  EXPECT_EQ(m->missing, 1U);
  EXPECT_DOUBLE_EQ(m->values["R@1"], 0.25);  // q1: 1/2, q2: 0
  EXPECT_DOUBLE_EQ(m->values["R@5"], 0.5);
  EXPECT_DOUBLE_EQ(m->values["Hit@1"], 0.5);
  const double ndcg_q1 = (1.0 + 1.0 / 2.0) / (1.0 + 1.0 / std::log2(3.0));
  EXPECT_NEAR(m->values["nDCG@5"], ndcg_q1 / 2.0, 1e-12);

  const auto slots = write("slots.jsonl",
                           R"({"qid":"q1","query":"","gold_slots":[{"candidates":["a::t","b::t"]},)"
                           R"({"candidates":["c::u"]}]})" "\n");
  const auto tq = write("tq.tsv", "qid\tdoc_id\trelevance\nq1\ta::t\t1\n");
  auto t = scoreRun(run, tq, {"tools", "", slots});
  ASSERT_TRUE(t);
  EXPECT_DOUBLE_EQ(t->values["Slot-R@5"], 0.5);
}

TEST_F(EvalTest, UnionRunIsScoredInTheNamespaceOfItsGoldIds) {
  // The first id ranked is a distractor of another namespace; the gold ids are "live:".
  const auto run = write("run.jsonl",
                         R"({"qid":"q1","servers":["docker:z","live:a","reg:y"]})" "\n"
                         R"({"qid":"q2","servers":["live:b","docker:a"]})" "\n");
  const auto qrels = write("qrels.tsv", "qid\tdoc_id\trelevance\nq1\ta\t1\nq2\tb\t1\n");
  auto m = scoreRun(run, qrels, {});
  ASSERT_TRUE(m) << m.error().toString();
  EXPECT_DOUBLE_EQ(m->values["R@5"], 1.0);
  EXPECT_DOUBLE_EQ(m->values["Hit@1"], 0.5);
}

TEST_F(EvalTest, RunLineFollowsTheContract) {
  Catalog c;
  const auto s = c.addServer({"live:s", "S", "weather", "", {}});
  c.addTool({"live:s::t", s, "t", "forecast", ""});
  auto index = SearchIndex::build(std::move(c), nullptr);
  ASSERT_TRUE(index);
  auto r = (*index)->search("weather forecast");
  ASSERT_TRUE(r);
  const auto j = nlohmann::json::parse(runLine(**index, "q", *r));
  EXPECT_EQ(j["qid"], "q");
  EXPECT_EQ(j["servers"], nlohmann::json::array({"live:s"}));
  EXPECT_EQ(j["tools"], nlohmann::json::array({"live:s::t"}));
  EXPECT_EQ(j["per_subtask"].size(), 1U);
  EXPECT_EQ(j["per_subtask_tools"].size(), 1U);
}

}  // namespace
}  // namespace onemcp::search
