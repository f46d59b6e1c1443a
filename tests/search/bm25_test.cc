#include "onemcp/search/bm25.h"

#include <cmath>

#include <gtest/gtest.h>

namespace onemcp::search {
namespace {

Bm25Index build(const std::vector<std::vector<std::string>>& docs, float name_weight = 1.0F) {
  Bm25Builder b;
  for (const auto& d : docs) {
    const std::vector<std::string> name{d.front()};
    const std::vector<std::string> body(d.begin() + 1, d.end());
    const Bm25Builder::Field fields[] = {{name, name_weight}, {body, 1.0F}};
    b.addDocument(fields);
  }
  return std::move(b).build();
}

TEST(Bm25, MatchesHandComputedScore) {
  // Three documents of lengths 2, 3, 1 (avg 2); "cat" in doc 0 once.
  const auto index = build({{"cat", "sat"}, {"dog", "ran", "far"}, {"bird"}});
  const std::vector<std::string> q{"cat"};
  const auto hits = index.search(q);
  ASSERT_EQ(hits.size(), 1U);
  const double idf = std::log(1.0 + (3.0 - 1.0 + 0.5) / (1.0 + 0.5));
  const double expected = idf * 1.0 * 2.2 / (1.0 + 1.2 * (1.0 - 0.75 + 0.75 * 2.0 / 2.0));
  EXPECT_NEAR(hits[0].score, expected, 1e-5);
}

TEST(Bm25, RareTermOutranksCommonTerm) {
  const auto index = build({{"a", "common"}, {"b", "common", "rare"}, {"c", "common"}});
  const std::vector<std::string> q{"common", "rare"};
  const auto hits = index.search(q);
  ASSERT_EQ(hits.size(), 3U);
  EXPECT_EQ(hits[0].doc, 1U);
}

TEST(Bm25, FieldWeightFavoursNameMatch) {
  const auto index = build({{"weather", "x", "y"}, {"other", "weather", "y"}}, 3.0F);
  const std::vector<std::string> q{"weather"};
  const auto hits = index.search(q);
  ASSERT_EQ(hits.size(), 2U);
  EXPECT_EQ(hits[0].doc, 0U);
}

TEST(Bm25, UnknownTermsMatchNothing) {
  const auto index = build({{"a", "b"}});
  const std::vector<std::string> q{"zzz"};
  EXPECT_TRUE(index.search(q).empty());
  EXPECT_EQ(index.idf("zzz"), 0.0F);
}

}  // namespace
}  // namespace onemcp::search
