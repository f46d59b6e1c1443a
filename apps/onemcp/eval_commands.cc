// `onemcp eval run` answers a queries file with the search index and writes a run
// file; `onemcp eval score` scores a run file against qrels. See docs/retrieval.md.
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <iostream>

#include "commands.h"
#include "onemcp/common/paths.h"
#include "onemcp/search/eval.h"
#include "onemcp/search/search_index.h"

namespace onemcp::app {
namespace {

struct RunArgs {
  std::string data;
  std::string corpus = "live";
  std::string queries;
  std::string out;
  std::string mode = "hybrid";
  std::string model;
  std::string merge = "none";
  std::size_t sample = 0;
  std::size_t k = 10;
  float dense_weight = search::QueryOptions{}.dense_weight;
  float server_own_weight = search::QueryOptions{}.server_own_weight;
  float second_tool_weight = search::QueryOptions{}.second_tool_weight;
  bool approximate = false;
  bool quantised = false;
  bool no_artifacts = false;
  bool repeat_terms = false;
  bool no_compounds = false;
  float subtask_weight = search::QueryOptions{}.subtask_weight;
  float tool_count_damping = search::QueryOptions{}.tool_count_damping;
  std::size_t expansion_terms = search::QueryOptions{}.expansion_terms;
  float tool_server_weight = search::QueryOptions{}.tool_server_weight;
  std::vector<std::string> fields;  // "tool_name=2" ...: BM25F field weights
  std::string fusion;               // empty: QueryOptions' default
  std::string scale;                // empty: QueryOptions' default
  std::size_t scale_depth = search::QueryOptions{}.scale_depth;
  float rank_k = search::QueryOptions{}.rank_k;
};

Result<void> applyFieldWeights(const std::vector<std::string>& settings, search::FieldWeights& w) {
  const std::pair<const char*, float*> known[] = {{"tool_name", &w.tool_name},
                                                  {"tool_description", &w.tool_description},
                                                  {"tool_params", &w.tool_params},
                                                  {"tool_server", &w.tool_server},
                                                  {"server_name", &w.server_name},
                                                  {"server_description", &w.server_description},
                                                  {"server_keywords", &w.server_keywords}};
  for (const auto& s : settings) {
    const auto eq = s.find('=');
    bool done = false;
    for (const auto& [name, ptr] : known) {
      if (eq != std::string::npos && s.substr(0, eq) == name) {
        *ptr = std::strtof(s.c_str() + eq + 1, nullptr);
        done = true;
      }
    }
    if (!done) return fail(ErrorCode::kInvalidInput, "unknown field weight '" + s + "'");
  }
  return {};
}

std::filesystem::path defaultModel() {
  return Paths::resolve(processEnv()).cache_dir / "models" / "default.omv";
}

Result<search::QueryOptions> queryOptions(const RunArgs& a) {
  search::QueryOptions o;
  o.servers = a.k;
  o.tools = a.k;
  o.dense_weight = a.dense_weight;
  o.server_own_weight = a.server_own_weight;
  o.second_tool_weight = a.second_tool_weight;
  o.describe_artifacts = !a.no_artifacts;
  o.unique_terms = !a.repeat_terms;
  o.join_compounds = !a.no_compounds;
  o.subtask_weight = a.subtask_weight;
  o.tool_count_damping = a.tool_count_damping;
  o.expansion_terms = a.expansion_terms;
  o.tool_server_weight = a.tool_server_weight;
  o.scale_depth = a.scale_depth;
  o.rank_k = a.rank_k;
  if (a.fusion == "early") {
    o.fusion = search::Fusion::kEarly;
  } else if (a.fusion == "late") {
    o.fusion = search::Fusion::kLate;
  } else if (!a.fusion.empty()) {
    return fail(ErrorCode::kInvalidInput, "--fusion must be early or late, not '" + a.fusion + "'");
  }
  if (a.scale == "max") {
    o.scale = search::ScoreScale::kMax;
  } else if (a.scale == "minmax") {
    o.scale = search::ScoreScale::kMinMax;
  } else if (a.scale == "z") {
    o.scale = search::ScoreScale::kZScore;
  } else if (a.scale == "rank") {
    o.scale = search::ScoreScale::kRank;
  } else if (!a.scale.empty()) {
    return fail(ErrorCode::kInvalidInput,
                "--scale must be max, minmax, z or rank, not '" + a.scale + "'");
  }
  if (a.mode == "lexical") {
    o.mode = search::Mode::kLexical;
  } else if (a.mode == "dense") {
    o.mode = search::Mode::kDense;
  } else if (a.mode == "hybrid") {
    o.mode = search::Mode::kHybrid;
  } else {
    return fail(ErrorCode::kInvalidInput, "--mode must be lexical, dense or hybrid");
  }
  if (a.merge == "none") {
    o.merge = search::MergeMode::kNone;
  } else if (a.merge == "rr") {
    o.merge = search::MergeMode::kRoundRobin;
  } else if (a.merge == "max") {
    o.merge = search::MergeMode::kMaxScore;
  } else if (a.merge == "blend") {
    o.merge = search::MergeMode::kBlend;
  } else {
    return fail(ErrorCode::kInvalidInput, "--merge must be none, rr, max or blend");
  }
  return o;
}

Result<void> runEval(const RunArgs& a) {
  auto kind = search::parseCorpusKind(a.corpus);
  if (!kind) return fail(std::move(kind).error());
  auto options = queryOptions(a);
  if (!options) return fail(std::move(options).error());
  auto catalog = search::loadCatalog(a.data, *kind);
  if (!catalog) return fail(std::move(catalog).error());
  std::shared_ptr<const search::Encoder> encoder;
  if (options->mode != search::Mode::kLexical) {
    const std::filesystem::path model =
        a.model.empty() ? defaultModel() : std::filesystem::path(a.model);
    auto loaded = search::loadEncoder(model);
    if (!loaded) return fail(std::move(loaded).error());
    encoder = std::move(*loaded);
  }
  search::IndexConfig config;
  config.approximate = a.approximate;
  config.quantised = a.quantised;
  ONEMCP_TRY(applyFieldWeights(a.fields, config.fields));
  const auto t0 = std::chrono::steady_clock::now();
  auto index = search::SearchIndex::build(std::move(*catalog), encoder, config);
  if (!index) return fail(std::move(index).error());
  const auto t1 = std::chrono::steady_clock::now();
  auto queries = search::readQueries(a.queries, a.sample);
  if (!queries) return fail(std::move(queries).error());
  std::ofstream out(a.out);
  if (!out) return fail(ErrorCode::kIo, "cannot write " + a.out);
  ONEMCP_TRY(search::runQueries(**index, *queries, *options, out));
  const auto t2 = std::chrono::steady_clock::now();
  using ms = std::chrono::duration<double, std::milli>;
  std::cerr << "eval run: " << (*index)->catalog().servers.size() << " servers, "
            << (*index)->catalog().tools.size() << " tools, " << queries->size()
            << " queries; encoder " << (encoder ? encoder->name() : "none") << "; build "
            << ms(t1 - t0).count() << " ms, queries " << ms(t2 - t1).count() << " ms\n";
  return {};
}

void addRun(CLI::App& eval, CommandRegistry& registry) {
  auto args = std::make_shared<RunArgs>();
  auto* run = eval.add_subcommand("run", "Answer a queries file and write a run file (JSONL)");
  run->add_option("--data", args->data, "Data directory (layout of shared/data)")->required();
  run->add_option("--corpus", args->corpus, "live | all | mcpbench | metatool");
  run->add_option("--queries", args->queries, "Queries JSONL (reads qid and query only)")
      ->required();
  run->add_option("--out", args->out, "Run file to write")->required();
  run->add_option("--mode", args->mode, "lexical | dense | hybrid");
  run->add_option("--model", args->model,
                  "Encoder model file (.omv); default: " + defaultModel().string());
  run->add_option("--merge", args->merge, "Sub-task merge: none | rr | max | blend");
  run->add_option("--subtask-weight", args->subtask_weight, "blend: share of the best sub-task");
  run->add_option("--tool-count-damping", args->tool_count_damping,
                  "Damp a server's tool evidence by ln(tool count) (0: off)");
  run->add_option("--expansion-terms", args->expansion_terms,
                  "Catalogue words added per query word the index lacks (0: off)");
  run->add_flag("--repeat-terms", args->repeat_terms, "Count a repeated query word each time");
  run->add_flag("--no-compounds", args->no_compounds, "Do not join adjacent words (mind map)");
  run->add_option("--sample", args->sample, "Use this many queries, evenly spaced (0: all)");
  run->add_option("--k", args->k, "Ranked ids per list");
  run->add_option("--dense-weight", args->dense_weight, "Hybrid: share of the dense channel");
  run->add_option("--fusion", args->fusion,
                  "Hybrid: where the channels meet: early (per tool and server text) | late "
                  "(after each channel ranks the servers; default)");
  run->add_option("--scale", args->scale,
                  "Hybrid: each channel's scale before the sum: max | minmax (default) | z | rank");
  run->add_option("--scale-depth", args->scale_depth, "minmax, z: top N each scale is read from");
  run->add_option("--rank-k", args->rank_k, "rank: k of k / (k + rank)");
  run->add_option("--server-own-weight", args->server_own_weight, "Server text vs best tool");
  run->add_option("--second-tool-weight", args->second_tool_weight, "Bonus for a second tool");
  run->add_flag("--no-artifacts", args->no_artifacts, "Do not add file-type words for paths/URLs");
  run->add_option("--tool-server-weight", args->tool_server_weight,
                  "Share of server score a tool inherits");
  run->add_option("--field", args->fields, "BM25F field weight, e.g. tool_name=2 (repeatable)");
  run->add_flag("--approximate", args->approximate, "HNSW instead of the exact scan");
  run->add_flag("--quantised", args->quantised, "Exact top k by an int8 first pass");
  run->callback([args, &registry] {
    if (auto r = runEval(*args); !r) {
      std::cerr << "eval run: " << r.error().toString() << '\n';
      registry.setExitCode(1);
    }
  });
}

void addScore(CLI::App& eval, CommandRegistry& registry) {
  struct ScoreArgs {
    std::string run, qrels, level = "servers", ns, slots, label;
  };
  auto args = std::make_shared<ScoreArgs>();
  auto* score = eval.add_subcommand("score", "Score a run file against TREC qrels");
  score->add_option("--run", args->run, "Run file (JSONL)")->required();
  score->add_option("--qrels", args->qrels, "qrels TSV (qid, doc_id, relevance)")->required();
  score->add_option("--level", args->level, "servers | tools");
  score->add_option("--namespace", args->ns, "Prefix of the gold ids (default: from the run)");
  score->add_option("--slots", args->slots, "Queries file with gold_slots (Slot-R@5)");
  score->add_option("--label", args->label, "Row label");
  score->callback([args, &registry] {
    search::ScoreOptions o{args->level, args->ns, args->slots};
    auto m = search::scoreRun(args->run, args->qrels, o);
    if (!m) {
      std::cerr << "eval score: " << m.error().toString() << '\n';
      registry.setExitCode(1);
      return;
    }
    std::cout << search::formatMetrics(*m, args->label.empty() ? args->level : args->label) << '\n';
  });
}

}  // namespace

void addEvalCommands(CLI::App& app, CommandRegistry& registry) {
  auto* eval = app.add_subcommand("eval", "Retrieval benchmark: run and score");
  eval->require_subcommand(1);
  addRun(*eval, registry);
  addScore(*eval, registry);
}

}  // namespace onemcp::app
