#include "onemcp/search/vector_index.h"

#include <cmath>
#include <random>
#include <set>

#include <gtest/gtest.h>

namespace onemcp::search {
namespace {

std::vector<float> randomUnitRows(std::size_t n, std::size_t dim, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> g;
  std::vector<float> rows(n * dim);
  for (std::size_t r = 0; r < n; ++r) {
    float norm = 0;
    for (std::size_t d = 0; d < dim; ++d) norm += (rows[r * dim + d] = g(rng)) * rows[r * dim + d];
    for (std::size_t d = 0; d < dim; ++d) rows[r * dim + d] /= std::sqrt(norm);
  }
  return rows;
}

TEST(Dot, MatchesScalarSumForOddLengths) {
  std::vector<float> a(37), b(37);
  double ref = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    a[i] = static_cast<float>(i) * 0.5F;
    b[i] = 1.0F - static_cast<float>(i) * 0.01F;
    ref += static_cast<double>(a[i]) * b[i];
  }
  EXPECT_NEAR(dot(a, b), ref, 1e-3);
}

TEST(ExactIndex, ReturnsRowsByDescendingInnerProduct) {
  std::vector<float> rows = {1, 0, 0, 1, 0.6F, 0.8F};
  auto index = makeExactIndex(rows, 2);
  const float q[] = {0.8F, 0.6F};
  const auto hits = index->search(q, 3);
  ASSERT_EQ(hits.size(), 3U);
  EXPECT_EQ(hits[0].doc, 2U);  // 0.96
  EXPECT_EQ(hits[1].doc, 0U);  // 0.80
  EXPECT_EQ(hits[2].doc, 1U);  // 0.60
  EXPECT_NEAR(hits[0].score, 0.96F, 1e-6);
}

TEST(ExactIndex, WrongDimensionOrEmptyIndexGivesNoHits) {
  auto index = makeExactIndex({}, 4);
  const float q[] = {1, 0, 0, 0};
  EXPECT_TRUE(index->search(q, 5).empty());
  auto two = makeExactIndex({1, 0}, 2);
  EXPECT_TRUE(two->search(q, 5).empty());
}

TEST(QuantisedIndex, GivesTheExactTopTenWithExactScores) {
  const std::size_t n = 3000;
  const std::size_t dim = 100;  // not a multiple of 16: exercises the padding
  const auto rows = randomUnitRows(n, dim, 5);
  auto exact = makeExactIndex(rows, dim);
  auto quantised = makeQuantisedIndex(rows, dim);
  EXPECT_EQ(quantised->size(), n);
  const auto queries = randomUnitRows(50, dim, 13);
  for (std::size_t q = 0; q < 50; ++q) {
    std::span<const float> qv(queries.data() + q * dim, dim);
    const auto want = exact->search(qv, 10);
    const auto got = quantised->search(qv, 10);
    ASSERT_EQ(got.size(), want.size());
    for (std::size_t i = 0; i < want.size(); ++i) {
      EXPECT_EQ(got[i].doc, want[i].doc) << "query " << q << " rank " << i;
      EXPECT_FLOAT_EQ(got[i].score, want[i].score);
    }
  }
}

TEST(QuantisedIndex, WrongDimensionOrEmptyIndexGivesNoHits) {
  const float q[] = {1, 0, 0, 0};
  EXPECT_TRUE(makeQuantisedIndex({}, 4)->search(q, 5).empty());
  EXPECT_TRUE(makeQuantisedIndex({1, 0}, 2)->search(q, 5).empty());
}

TEST(HnswIndex, FindsMostExactNeighbours) {
  const std::size_t n = 2000;
  const std::size_t dim = 32;
  const auto rows = randomUnitRows(n, dim, 7);
  auto exact = makeExactIndex(rows, dim);
  auto approx = makeHnswIndex(rows, dim);
  const auto queries = randomUnitRows(50, dim, 11);
  std::size_t found = 0;
  for (std::size_t q = 0; q < 50; ++q) {
    std::span<const float> qv(queries.data() + q * dim, dim);
    std::set<std::uint32_t> truth;
    for (const auto& h : exact->search(qv, 10)) truth.insert(h.doc);
    for (const auto& h : approx->search(qv, 10)) found += truth.count(h.doc);
  }
  EXPECT_GE(static_cast<double>(found) / 500.0, 0.9);
  EXPECT_EQ(approx->size(), n);
}

}  // namespace
}  // namespace onemcp::search
