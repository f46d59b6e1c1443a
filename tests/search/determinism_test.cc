// One index answers the same query the same way whatever was asked before it and on
// whichever thread: no state survives between queries. Run on the real union catalogue
// with the default model, as the registry serves it.
#include <gtest/gtest.h>

#include <algorithm>
#include <thread>

#include "model_path.h"
#include "onemcp/search/eval.h"
#include "onemcp/search/search_index.h"

namespace onemcp::search {
namespace {

struct Answer {
  std::vector<float> servers;
  std::vector<float> tools;
  std::vector<std::uint32_t> top_servers;
  std::vector<std::uint32_t> top_tools;
  bool operator==(const Answer&) const = default;
};

Answer answer(const SearchIndex& index, const std::string& query) {
  const QueryOptions options;
  auto scores = index.score(query, options);
  EXPECT_TRUE(scores) << scores.error().toString();
  auto result = index.search(query, options);
  EXPECT_TRUE(result) << result.error().toString();
  Answer a;
  if (!scores || !result) return a;
  a.servers = std::move(scores->servers);
  a.tools = std::move(scores->tools);
  for (const auto& r : result->servers) a.top_servers.push_back(r.index);
  for (const auto& r : result->tools) a.top_tools.push_back(r.index);
  return a;
}

class Determinism : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto cat = loadCatalog(testing::dataDir(), CorpusKind::kAll);
    ASSERT_TRUE(cat) << cat.error().toString();
    auto enc = loadEncoder(testing::modelDir() / "default.omv");
    ASSERT_TRUE(enc) << enc.error().toString();
    auto index =
        SearchIndex::build(std::move(*cat), std::shared_ptr<const Encoder>(std::move(*enc)));
    ASSERT_TRUE(index) << index.error().toString();
    index_ = std::move(*index);
    auto q = readQueries(testing::dataDir() / "livemcpbench" / "queries_dev.jsonl");
    ASSERT_TRUE(q) << q.error().toString();
    for (auto& e : *q) queries_.push_back(std::move(e.query));
    // Words no catalogue holds (expanded through the encoder), a rare name, a path.
    queries_.push_back("find a homestay in Kyoto and then book a flight");
    queries_.push_back(
        "Remember that Alice works at Acme, and later recall what you know about Alice");
    queries_.push_back("query a PostgreSQL database");
    queries_.push_back("read ~/notes/todo.md and save a summary to ./out/report.pdf");
  }
  static void TearDownTestSuite() { index_.reset(); }
  static std::shared_ptr<const SearchIndex> index_;
  static std::vector<std::string> queries_;
};
std::shared_ptr<const SearchIndex> Determinism::index_;
std::vector<std::string> Determinism::queries_;

TEST_F(Determinism, TheSameQueryTwiceInARowGivesTheSameAnswer) {
  for (const auto& q : queries_) {
    const Answer first = answer(*index_, q);
    EXPECT_FALSE(first.top_servers.empty()) << q;
    EXPECT_TRUE(first == answer(*index_, q)) << q;
  }
}

TEST_F(Determinism, AnAnswerDoesNotDependOnTheQueriesBeforeIt) {
  std::vector<Answer> forward;
  for (const auto& q : queries_) forward.push_back(answer(*index_, q));
  for (std::size_t i = queries_.size(); i-- > 0;) {
    EXPECT_TRUE(forward[i] == answer(*index_, queries_[i])) << queries_[i];
  }
}

TEST_F(Determinism, AnotherThreadGetsTheSameAnswer) {
  std::vector<Answer> here;
  for (const auto& q : queries_) here.push_back(answer(*index_, q));
  std::vector<Answer> there;
  std::jthread([&] {
    for (const auto& q : queries_) there.push_back(answer(*index_, q));
  }).join();
  ASSERT_EQ(there.size(), here.size());
  for (std::size_t i = 0; i < here.size(); ++i) EXPECT_TRUE(here[i] == there[i]) << queries_[i];
}

TEST_F(Determinism, TwoBuildsOfOneCatalogueAnswerAlike) {
  auto cat = loadCatalog(testing::dataDir(), CorpusKind::kAll);
  ASSERT_TRUE(cat);
  auto enc = loadEncoder(testing::modelDir() / "default.omv");
  ASSERT_TRUE(enc);
  auto again = SearchIndex::build(std::move(*cat), std::shared_ptr<const Encoder>(std::move(*enc)));
  ASSERT_TRUE(again);
  for (const auto& q : queries_) EXPECT_TRUE(answer(*index_, q) == answer(**again, q)) << q;
}

}  // namespace
}  // namespace onemcp::search
