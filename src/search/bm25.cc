#include "onemcp/search/bm25.h"

#include <algorithm>
#include <cmath>

namespace onemcp::search {

std::uint32_t Bm25Builder::addDocument(std::span<const Field> fields) {
  const auto doc = static_cast<std::uint32_t>(doc_len_.size());
  std::unordered_map<std::string_view, float> tf;
  float len = 0.0F;
  for (const auto& f : fields) {
    for (const auto& t : f.terms) tf[t] += f.weight;
    len += f.weight * static_cast<float>(f.terms.size());
  }
  for (const auto& [term, freq] : tf) postings_[std::string(term)].emplace_back(doc, freq);
  doc_len_.push_back(len);
  return doc;
}

Bm25Index Bm25Builder::build() && {
  Bm25Index index;
  index.params_ = params_;
  index.doc_len_ = std::move(doc_len_);
  const auto n = static_cast<float>(index.doc_len_.size());
  double total = 0.0;
  for (float l : index.doc_len_) total += l;
  index.avg_len_ = n > 0 ? std::max(1e-3F, static_cast<float>(total / n)) : 1.0F;
  index.terms_.reserve(postings_.size());
  for (auto& [term, list] : postings_) {
    const auto df = static_cast<float>(list.size());
    // The BM25+ style idf that never goes negative for very common terms.
    const float idf = std::log(1.0F + (n - df + 0.5F) / (df + 0.5F));
    index.terms_.emplace(term, Bm25Index::Term{idf, std::move(list)});
  }
  return index;
}

float Bm25Index::idf(std::string_view term) const {
  auto it = terms_.find(std::string(term));
  return it == terms_.end() ? 0.0F : it->second.idf;
}

std::vector<ScoredDoc> Bm25Index::search(std::span<const std::string> query_terms) const {
  return search(query_terms, {});
}

std::vector<ScoredDoc> Bm25Index::search(std::span<const std::string> query_terms,
                                         std::span<const float> weights) const {
  std::unordered_map<std::uint32_t, float> acc;
  for (std::size_t i = 0; i < query_terms.size(); ++i) {
    const auto& q = query_terms[i];
    const float qw = i < weights.size() ? weights[i] : 1.0F;
    auto it = terms_.find(q);
    if (it == terms_.end()) continue;
    const Term& term = it->second;
    for (const auto& [doc, tf] : term.postings) {
      const float norm = params_.k1 * (1.0F - params_.b + params_.b * doc_len_[doc] / avg_len_);
      acc[doc] += qw * term.idf * tf * (params_.k1 + 1.0F) / (tf + norm);
    }
  }
  std::vector<ScoredDoc> out;
  out.reserve(acc.size());
  for (const auto& [doc, score] : acc) out.push_back({doc, score});
  std::sort(out.begin(), out.end(), [](const ScoredDoc& a, const ScoredDoc& b) {
    return a.score != b.score ? a.score > b.score : a.doc < b.doc;
  });
  return out;
}

}  // namespace onemcp::search
