// The retrieval benchmark as a library: answer a queries file with a SearchIndex and
// write the run file (the contract other tools score), and score a run file against
// TREC qrels. runQueries reads only "qid" and "query" of each line: label files carry
// gold answers, and a run must never see them.
#pragma once

#include <filesystem>
#include <map>
#include <ostream>
#include <string>
#include <vector>

#include "onemcp/common/result.h"
#include "onemcp/search/search_index.h"

namespace onemcp::search {

struct EvalQuery {
  std::string qid;
  std::string query;
};

// Reads qid and query of each line; `sample` > 0 keeps that many, evenly spaced.
Result<std::vector<EvalQuery>> readQueries(const std::filesystem::path& file, std::size_t sample = 0);

// One run-file line: {"qid", "servers", "tools", "per_subtask", "per_subtask_tools"}.
std::string runLine(const SearchIndex& index, const std::string& qid, const SearchResult& result);

// Answers every query and writes the run file.
Result<void> runQueries(const SearchIndex& index, const std::vector<EvalQuery>& queries,
                        const QueryOptions& options, std::ostream& out);

struct Metrics {
  std::size_t queries = 0;   // queries with gold labels that the run answered
  std::size_t missing = 0;   // queries with gold labels absent from the run
  std::map<std::string, double> values;  // "R@1", "R@5", "R@10", "nDCG@5", "Hit@1", "Slot-R@5"
};

struct ScoreOptions {
  std::string level = "servers";  // "servers" or "tools": which run list to score
  std::string ns;                 // id prefix added to qrels ids ("live"); empty: from the run
  std::filesystem::path slots;    // queries file with gold_slots (tool level), optional
};

Result<Metrics> scoreRun(const std::filesystem::path& run, const std::filesystem::path& qrels,
                         const ScoreOptions& options);

// A one-row table: "level  n  R@1  R@5  R@10  nDCG@5  Hit@1  [Slot-R@5]".
std::string formatMetrics(const Metrics& m, const std::string& label);

}  // namespace onemcp::search
