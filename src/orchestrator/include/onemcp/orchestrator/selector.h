// The selector: for each task, first the local index (the tools of the servers the
// daemon installed or runs); an installed server is used when the ToolSource's own
// ranking (catalogue or registry, where every server competes) puts it among its first
// `confirm_top` offers for the task, not far behind the best, and otherwise the source's
// offers are. When the
// source cannot answer, or confirm_top is 0, an absolute local match at or above a
// threshold decides instead. The local index uses the catalogue's search code
// (same encoder, same hybrid ranking) over an immutable snapshot that is rebuilt and
// swapped in when the set of installed servers changes; readers never wait for a build.
// The threshold is on an absolute match (the hybrid scores are normalised per index, so
// the best local server would always score 1); bench/orchestrator measures it.
#pragma once

#include <cstddef>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "onemcp/common/result.h"
#include "onemcp/orchestrator/state_store.h"
#include "onemcp/orchestrator/tool_source.h"
#include "onemcp/sandbox/proxy.h"
#include "onemcp/search/encoder.h"
#include "onemcp/search/search_index.h"

namespace onemcp::orchestrator {

// An installed or running server, as the local index sees it.
struct LocalServer {
  Offer offer;  // how it was found: id, name, description, consent
  std::vector<ToolInfo> tools;
};

struct Candidate {
  Offer offer;
  float relevance = 0;  // the ranking's own score (hybrid, best about 1)
  float usage = 0;      // the usage prior's bonus
  float score = 0;      // relevance + usage: the order
  float match = -1;     // local only: the absolute match the threshold reads, made of
  float lexical = 0;    //   the share of the task's terms the server's text holds and
  float dense = 0;      //   the best cosine of the task with the server's or a tool's text
};

// Measured on the dev data (bench/orchestrator/local_threshold_eval; the README gives the
// figures); defined in selector.cc, so a new measurement recompiles one file.
extern const float kMeasuredLocalThreshold;
extern const float kMeasuredLexicalShare;
extern const std::size_t kMeasuredConfirmTop;
extern const float kMeasuredConfirmRatio;

struct SelectorOptions {
  // An installed server answers a task when the source ranks it among this many offers
  // (0: never ask the source first; the threshold alone decides). Measured with
  // bench/orchestrator/local_threshold_eval (the README gives the figures).
  std::size_t confirm_top = kMeasuredConfirmTop;
  // ... with a score of at least this share of the best offer's.
  float confirm_ratio = kMeasuredConfirmRatio;
  float local_threshold = kMeasuredLocalThreshold;
  // The match: lexical_share * (share of the task's terms the server's text holds) +
  // (1 - lexical_share) * (best cosine of the task with the server's or a tool's text).
  // Without an encoder the match is lexical alone.
  float lexical_share = kMeasuredLexicalShare;
};

// One immutable snapshot of the local index.
class LocalIndex {
 public:
  // `encoder` may be null (lexical only).
  static Result<std::shared_ptr<const LocalIndex>> build(
      std::vector<LocalServer> servers, std::shared_ptr<const search::Encoder> encoder,
      float lexical_share);
  // At most k local servers with any evidence for `task`, in the hybrid ranking's order,
  // each with its absolute match. Thread-safe.
  [[nodiscard]] Result<std::vector<Candidate>> rank(const std::string& task, std::size_t k) const;
  [[nodiscard]] std::size_t size() const { return servers_.size(); }

 private:
  LocalIndex() = default;
  void matchOf(std::size_t server, const std::vector<std::string>& task_terms,
               const std::vector<float>& task_vector, Candidate& out) const;

  std::vector<LocalServer> servers_;
  std::shared_ptr<const search::SearchIndex> index_;
  std::shared_ptr<const search::Encoder> encoder_;
  float lexical_share_ = 0.5F;
  std::vector<std::vector<std::string>> terms_;  // per server: its distinct stems, sorted
  std::vector<std::vector<float>> vectors_;      // per server: its text's and each tool's vector
};

// Where a task's candidates came from, and why.
struct Selection {
  std::string source;                 // "local", or the ToolSource's kind() ("catalog", "registry")
  std::vector<Candidate> candidates;  // best first, after the usage prior
  float best_local = -1;              // the best local match (-1: no local candidate)
  float threshold = 0;
  // "local": the source ranked the candidates among its first confirm_top offers, or
  // (confirmed false) their match reached the threshold when it could not be asked.
  bool confirmed = false;
  std::string note;  // the source's error, if it failed
};

class Selector {
 public:
  Selector(SelectorOptions options, ToolSource& source,
           std::shared_ptr<const search::Encoder> encoder);

  // Rebuilds the local index from these servers and swaps it in.
  Result<void> setServers(std::vector<LocalServer> servers);
  // Local candidates that the source confirms (or, when it cannot answer, that match at
  // least the threshold); otherwise the source's offers (at most k). `usage`: bonus per
  // server id (usage_prior.h).
  Selection select(const std::string& task, std::size_t k,
                   const std::map<std::string, float>& usage);
  // The source's offers alone (when no local candidate could be used).
  Selection fromSource(const std::string& task, std::size_t k,
                       const std::map<std::string, float>& usage);
  [[nodiscard]] std::shared_ptr<const LocalIndex> snapshot() const;
  [[nodiscard]] const SelectorOptions& options() const { return options_; }

 private:
  [[nodiscard]] Selection offered(std::vector<Offer> offers, std::size_t k,
                                  const std::map<std::string, float>& usage) const;

  const SelectorOptions options_;
  ToolSource& source_;
  std::shared_ptr<const search::Encoder> encoder_;
  mutable std::mutex mu_;
  std::shared_ptr<const LocalIndex> local_;  // guarded by mu_ (the pointer only)
};

// find_tools' report of a selection: source, best local match, threshold, and per
// candidate its id, score, relevance, usage bonus (and, local, its match).
nlohmann::json selectionJson(const Selection& selection);

// The tools the proxy serves from `backend`, as the local index and the state keep them.
std::vector<ToolInfo> toolInfosOf(const std::vector<sandbox::ExposedTool>& tools,
                                  const std::string& backend);

// Adds each candidate's usage bonus (by server id) and sorts by the sum, stably.
void applyUsage(std::vector<Candidate>& candidates, const std::map<std::string, float>& usage);

}  // namespace onemcp::orchestrator
