// A lexical index: BM25F over documents with weighted fields (name, description,
// parameters, ...). Built once, then immutable and safe to query from many threads.
// In-process and in-memory (not SQLite FTS5) because per-field weights, query-time
// term weights and a lock-free snapshot matter more here than persistence.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace onemcp::search {

struct Bm25Params {
  float k1 = 1.2F;
  float b = 0.75F;
};

struct ScoredDoc {
  std::uint32_t doc = 0;
  float score = 0.0F;
};

// Builds the index field by field: one call to addDocument per document, each a list
// of (already analysed) term lists with their field weight.
class Bm25Builder {
 public:
  struct Field {
    std::span<const std::string> terms;
    float weight = 1.0F;
  };
  explicit Bm25Builder(Bm25Params params = {}) : params_(params) {}
  // Returns the document's number (0, 1, 2, ...).
  std::uint32_t addDocument(std::span<const Field> fields);

  class Bm25Index build() &&;

 private:
  friend class Bm25Index;
  Bm25Params params_;
  // Per term: postings (doc, weighted term frequency).
  std::unordered_map<std::string, std::vector<std::pair<std::uint32_t, float>>> postings_;
  std::vector<float> doc_len_;  // weighted length
};

class Bm25Index {
 public:
  Bm25Index() = default;
  // Scores of every document matching at least one query term, best first; ties by
  // document number. Repeated query terms count once per occurrence.
  [[nodiscard]] std::vector<ScoredDoc> search(std::span<const std::string> query_terms) const;
  // The same with a weight per query term (a missing weight counts 1).
  [[nodiscard]] std::vector<ScoredDoc> search(std::span<const std::string> query_terms,
                                              std::span<const float> weights) const;
  // True when some document holds `term`.
  [[nodiscard]] bool contains(std::string_view term) const {
    return terms_.contains(std::string(term));
  }
  // Inverse document frequency of a term (0 for an unknown term).
  [[nodiscard]] float idf(std::string_view term) const;
  [[nodiscard]] std::size_t size() const { return doc_len_.size(); }

 private:
  friend class Bm25Builder;
  struct Term {
    float idf = 0.0F;
    std::vector<std::pair<std::uint32_t, float>> postings;
  };
  Bm25Params params_;
  std::unordered_map<std::string, Term> terms_;
  std::vector<float> doc_len_;
  float avg_len_ = 1.0F;
};

}  // namespace onemcp::search
