// Dense nearest-neighbour search by inner product over normalised vectors. Exact
// (SIMD scan; what OneMCP's ≤100k tool vectors need) and approximate (hnswlib HNSW,
// for larger catalogues) share one interface. Built once, then immutable: search() is
// const and thread-safe.
#pragma once

#include <cstddef>
#include <memory>
#include <span>
#include <vector>

#include "onemcp/search/bm25.h"

namespace onemcp::search {

class VectorIndex {
 public:
  virtual ~VectorIndex() = default;
  [[nodiscard]] virtual std::size_t size() const = 0;
  [[nodiscard]] virtual std::size_t dim() const = 0;
  // The k rows with the largest inner product with `query`, best first.
  [[nodiscard]] virtual std::vector<ScoredDoc> search(std::span<const float> query,
                                                      std::size_t k) const = 0;
  // Bytes held by the index (vectors and graph).
  [[nodiscard]] virtual std::size_t memoryBytes() const = 0;
};

// Exact scan; `rows` is row-major, rows.size() / dim vectors.
std::unique_ptr<VectorIndex> makeExactIndex(std::vector<float> rows, std::size_t dim);

// Top-k in two passes: an int8 scan picks max(4k, 64) candidates, re-scored in float.
// The same top k as makeExactIndex unless int8 rounding drops a true neighbour below
// that many candidates (bench/search measures recall@10 = 1.0 at 100k); a quarter of
// the memory traffic, for large catalogues.
std::unique_ptr<VectorIndex> makeQuantisedIndex(std::vector<float> rows, std::size_t dim);

struct HnswParams {
  std::size_t m = 16;
  std::size_t ef_construction = 200;
  std::size_t ef_search = 64;
};
// Approximate (HNSW, inner-product space).
std::unique_ptr<VectorIndex> makeHnswIndex(std::span<const float> rows, std::size_t dim,
                                           HnswParams params = {});

// Inner product of two equal-length vectors (SIMD where the CPU has it).
float dot(std::span<const float> a, std::span<const float> b);

}  // namespace onemcp::search
