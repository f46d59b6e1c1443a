// The hybrid tool/server index: BM25F over tool and server fields, dense vectors from
// an Encoder, fused per query; servers ranked from their own text and from the
// evidence of their tools; prompts split into sub-tasks and merged fairly.
// A SearchIndex is an immutable snapshot; SearchService swaps snapshots atomically so
// that readers never wait for an update.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "onemcp/common/result.h"
#include "onemcp/search/bm25.h"
#include "onemcp/search/catalog.h"
#include "onemcp/search/encoder.h"
#include "onemcp/search/splitter.h"
#include "onemcp/search/vector_index.h"

namespace onemcp::search {

struct FieldWeights {
  float tool_name = 2.0F;
  float tool_description = 1.0F;
  float tool_params = 1.0F;
  float tool_server = 1.0F;  // the owning server's name, on each tool document
  float server_name = 2.0F;
  float server_description = 1.0F;
  float server_keywords = 0.5F;
};

struct IndexConfig {
  FieldWeights fields;
  Bm25Params bm25;
  bool approximate = false;  // HNSW instead of the exact scan
  bool quantised = false;    // exact top k by an int8 first pass (large catalogues)
  HnswParams hnsw;
};

enum class Mode { kLexical, kDense, kHybrid };
enum class MergeMode { kNone, kRoundRobin, kMaxScore, kBlend };
// Where the lexical and dense channels meet: per tool and per server text, before the
// servers are ranked from their tools (kEarly), or after each channel has ranked the
// servers from its own evidence (kLate).
enum class Fusion { kEarly, kLate };
// How each channel's scores are put on one scale before the weighted sum. kMax: BM25 /
// its best, dense cosines spread over the candidates (best 1, weakest 0). kMinMax and
// kZScore: over the channel's top `scale_depth` (the floor of that list maps to 0, then
// / the best's distance from it, or / the list's standard deviation). kRank: k / (k + rank).
enum class ScoreScale { kMax, kMinMax, kZScore, kRank };

struct QueryOptions {
  std::size_t servers = 10;
  std::size_t tools = 10;
  Mode mode = Mode::kHybrid;
  // Sub-tasks are always split out and ranked (per-subtask lists); `merge` says how
  // they change the overall lists. kNone measured best on the dev data (docs/retrieval.md).
  bool split_tasks = true;
  MergeMode merge = MergeMode::kNone;
  float subtask_weight = 0.3F;       // kBlend: share of the best sub-task's (normalised) score
  float dense_weight = 0.4F;         // hybrid: share of the dense channel
  float server_own_weight = 0.7F;    // server text vs its best tool
  float second_tool_weight = 0.5F;   // bonus for a server's second-best tool
  float tool_server_weight = 0.0F;   // share of its server's score added to a tool
  float tool_count_damping = 0.05F;  // tool evidence / (1 + this * ln(tool count))
  std::size_t dense_candidates = 200;
  // Measured best on the dev data with the two-table model (docs/retrieval.md, session 5).
  Fusion fusion = Fusion::kLate;
  ScoreScale scale = ScoreScale::kMinMax;
  std::size_t scale_depth = 100;   // kMinMax, kZScore: the top N a channel's scale is read from
  float rank_k = 60.0F;            // kRank
  bool describe_artifacts = true;  // paths and URLs add file-type words (text.h)
  bool unique_terms = true;        // each distinct query term counts once (BM25)
  bool join_compounds = true;      // "mind map" also matches "mindmap"
  // A query word the index lacks adds up to `expansion_terms` catalogue words whose
  // vectors are at least `expansion_min_cosine` close, at expansion_weight * cosine.
  std::size_t expansion_terms = 3;
  float expansion_min_cosine = 0.6F;
  float expansion_weight = 0.5F;
  SplitOptions split;
};

struct Ranked {
  std::uint32_t index = 0;  // into Catalog::servers or Catalog::tools
  float score = 0.0F;
};

struct SearchResult {
  std::vector<Ranked> servers;
  std::vector<Ranked> tools;
  std::vector<std::string> subtasks;
  std::vector<std::vector<Ranked>> subtask_servers;
  std::vector<std::vector<Ranked>> subtask_tools;
};

class SearchIndex {
 public:
  // `encoder` may be null: the index is then lexical only.
  static Result<std::shared_ptr<const SearchIndex>> build(Catalog catalog,
                                                          std::shared_ptr<const Encoder> encoder,
                                                          const IndexConfig& config = {});

  // Empty lists (not an error) when nothing matches. Thread-safe.
  [[nodiscard]] Result<SearchResult> search(std::string_view query,
                                            const QueryOptions& options = {}) const;
  [[nodiscard]] const Catalog& catalog() const { return catalog_; }
  [[nodiscard]] bool hasDense() const { return encoder_ != nullptr; }

  // Scores of one text over all servers and tools (0 = no evidence); public for tests.
  struct Scores {
    std::vector<float> servers;
    std::vector<float> tools;
  };
  [[nodiscard]] Result<Scores> score(std::string_view text, const QueryOptions& options) const;

 private:
  SearchIndex() = default;
  Result<void> buildDense(const IndexConfig& config);
  struct LexicalQuery {
    std::vector<std::string> terms;
    std::vector<float> weights;
  };
  [[nodiscard]] Result<LexicalQuery> lexicalQuery(std::string_view text,
                                                  const QueryOptions& options) const;
  void lexical(const LexicalQuery& query, Scores& out) const;
  Result<void> buildVocabulary();
  Result<void> dense(std::string_view text, const QueryOptions& options, Scores& out) const;

  Catalog catalog_;
  std::shared_ptr<const Encoder> encoder_;
  Bm25Index tool_bm25_;
  Bm25Index server_bm25_;
  std::unique_ptr<VectorIndex> tool_vectors_;
  std::unique_ptr<VectorIndex> server_vectors_;
  // The catalogue's own words (surface form, stem) and their vectors, for expanding a
  // query word the index does not hold ("homestay") to its neighbours that it does.
  std::vector<std::string> vocabulary_stems_;
  std::unique_ptr<VectorIndex> vocabulary_vectors_;
};

// Holds the current snapshot; publish() swaps it in, readers keep theirs alive. The
// lock guards only the pointer copy (a new index is built before publish), so a reader
// never waits for a build. A mutex rather than std::atomic<std::shared_ptr>: libstdc++ 12
// implements that with an internal spin bit ThreadSanitizer cannot see, so every
// reader/publisher pair was reported as a race.
class SearchService {
 public:
  void publish(std::shared_ptr<const SearchIndex> index) {
    std::lock_guard lock(mu_);
    current_.swap(index);
  }  // the old snapshot, now in `index`, is released outside the lock
  [[nodiscard]] std::shared_ptr<const SearchIndex> snapshot() const {
    std::lock_guard lock(mu_);
    return current_;
  }

 private:
  mutable std::mutex mu_;
  std::shared_ptr<const SearchIndex> current_;  // guarded by mu_
};

}  // namespace onemcp::search
