// Measures the selector's local threshold on the dev data: for each task of LiveMCPBench
// (dev) and MCP-Bench, local indexes of "installed" servers are built the way the daemon
// builds them (LocalIndex over the servers' name, description and tools, the default
// encoder), each prompt split into tasks as the daemon's splitter does: one with a gold server of
// the task among `others` random non-gold servers (label: local has a gold server), one with
// `others` non-gold servers only (label: it has not). The feature is the best local candidate's
// match; for each lexical share the threshold that best separates the labels (accuracy) is printed
// with its precision, recall and AUC. Then the rule the daemon uses first: "local" when the
// catalogue's own ranking of the task (every server competing) puts the best local server
// among its first K; the catalogue is the 1,506-server union (MCP-Bench's servers, which it
// lacks, are added to it). Deterministic (fixed seed), so the figures reproduce.
//   local_threshold_eval --data DIR [--model FILE] [--sample N] [--trials T] [--seed S]
//                        [--confirm-top K] [--confirm-ratio R]
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "onemcp/orchestrator/selector.h"
#include "onemcp/search/catalog.h"
#include "onemcp/search/encoder.h"
#include "onemcp/search/search_index.h"
#include "onemcp/search/splitter.h"

namespace {

using namespace onemcp;  // NOLINT(google-build-using-namespace)
using orchestrator::Candidate;
using orchestrator::LocalIndex;
using orchestrator::LocalServer;

struct Args {
  std::filesystem::path data;
  std::filesystem::path model;
  std::size_t sample = 0;  // tasks per corpus (0: all)
  int trials = 3;          // random draws per task and size
  unsigned seed = 20261207;
  std::vector<std::size_t> others = {0, 3, 8};
  std::size_t confirm_top = orchestrator::kMeasuredConfirmTop;
  float confirm_ratio = orchestrator::kMeasuredConfirmRatio;
};

struct Task {
  std::string query;
  std::vector<std::string> gold;  // ids as in the catalogue ("live:x")
};

struct Case {
  std::string corpus;
  std::size_t others = 0;
  bool has_gold = false;
  bool empty = true;  // no local candidate at all
  std::vector<std::pair<float, float>> parts;  // per task: the best candidate's lexical, dense
  float gap = 1;  // relevance of the best minus the second (1: one candidate)
  bool top_is_gold = false;
  // The best share of the catalogue's best score that a task's best local server has
  // among the catalogue's first K (-1: none of them is there).
  float confirmed_ratio = -1;
};

std::vector<LocalServer> localServers(const search::Catalog& cat) {
  std::vector<LocalServer> out;
  for (const auto& s : cat.servers) {
    LocalServer l;
    l.offer.server_id = s.id;
    l.offer.name = s.name;
    l.offer.description = s.description;
    for (auto t : s.tools) l.tools.push_back({cat.tools[t].name, cat.tools[t].description, ""});
    out.push_back(std::move(l));
  }
  return out;
}

std::vector<Task> readTasks(const std::filesystem::path& file, const std::string& ns,
                            std::size_t sample) {
  std::vector<Task> all;
  std::ifstream in(file);
  for (std::string line; std::getline(in, line);) {
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded()) continue;
    Task t;
    t.query = j.value("query", "");
    for (const auto& g : j.value("gold_server_ids", nlohmann::json::array()))
      t.gold.push_back(ns + g.get<std::string>());
    if (!t.query.empty() && !t.gold.empty()) all.push_back(std::move(t));
  }
  if (sample == 0 || sample >= all.size()) return all;
  std::vector<Task> out;
  for (std::size_t i = 0; i < sample; ++i) out.push_back(all[i * all.size() / sample]);
  return out;
}

// `n` distinct indices of [0, size) not in `exclude`, drawn with `rng` (raw mt19937
// output, so the draw is the same with every standard library).
std::vector<std::size_t> draw(std::mt19937& rng, std::size_t size, std::size_t n,
                              const std::set<std::size_t>& exclude) {
  std::vector<std::size_t> pool;
  for (std::size_t i = 0; i < size; ++i) {
    if (!exclude.contains(i)) pool.push_back(i);
  }
  std::vector<std::size_t> out;
  while (out.size() < n && !pool.empty()) {
    const std::size_t k = rng() % pool.size();
    out.push_back(pool[k]);
    pool.erase(pool.begin() + static_cast<std::ptrdiff_t>(k));
  }
  return out;
}

// The catalogue's ranking of the tasks of a prompt, each cut to its first K server ids.
struct CatalogueRanks {
  // Per task of splitTasks(query): the first K server ids, each with its score's share of
  // the best score.
  std::vector<std::map<std::string, float>> top;
};

Result<CatalogueRanks> catalogueRanks(const search::SearchIndex& catalogue, const Task& task,
                                      std::size_t k) {
  CatalogueRanks out;
  search::QueryOptions q;
  q.servers = k;
  q.tools = 0;
  q.split_tasks = false;
  for (const auto& part : search::splitTasks(task.query)) {
    auto ranked = catalogue.search(part, q);
    if (!ranked) return fail(ranked.error());
    std::map<std::string, float> ids;
    const float best = ranked->servers.empty() ? 1.0F : ranked->servers.front().score;
    for (const auto& r : ranked->servers)
      ids[catalogue.catalog().servers[r.index].id] = best > 0 ? r.score / best : 0.0F;
    out.top.push_back(std::move(ids));
  }
  return out;
}

Result<Case> evaluate(const std::vector<LocalServer>& servers,
                      const std::vector<std::size_t>& installed, const Task& task,
                      std::shared_ptr<const search::Encoder> encoder,
                      const CatalogueRanks& catalogue) {
  std::vector<LocalServer> local;
  for (auto i : installed) local.push_back(servers[i]);
  auto index = LocalIndex::build(std::move(local), std::move(encoder), 0.5F);
  if (!index) return fail(index.error());
  // As the daemon does: the prompt split into tasks (the splitter), each ranked; the
  // feature is the best over the tasks (feature()), the rest is of the first task's ranking.
  Case c;
  const auto parts = search::splitTasks(task.query);
  for (std::size_t p = 0; p < parts.size(); ++p) {
    auto ranked = (*index)->rank(parts[p], 5);
    if (!ranked) return fail(ranked.error());
    if (ranked->empty()) continue;
    c.parts.emplace_back(ranked->front().lexical, ranked->front().dense);
    if (p < catalogue.top.size()) {
      const auto it = catalogue.top[p].find(ranked->front().offer.server_id);
      if (it != catalogue.top[p].end()) c.confirmed_ratio = std::max(c.confirmed_ratio, it->second);
    }
    if (!c.empty) continue;
    c.empty = false;
    if (ranked->size() > 1) c.gap = (*ranked)[0].relevance - (*ranked)[1].relevance;
    c.top_is_gold = std::find(task.gold.begin(), task.gold.end(),
                              ranked->front().offer.server_id) != task.gold.end();
  }
  return c;
}

Result<std::vector<Case>> runCorpus(const Args& a, const std::string& name, search::CorpusKind kind,
                                    const std::filesystem::path& queries, const std::string& ns,
                                    std::shared_ptr<const search::Encoder> encoder) {
  auto cat = search::loadCatalog(a.data, kind);
  if (!cat) return fail(cat.error());
  // The competition: the union catalogue, plus this corpus's own servers when the union
  // lacks them (MCP-Bench's).
  auto whole = search::loadCatalog(a.data, search::CorpusKind::kAll);
  if (!whole) return fail(whole.error());
  if (kind != search::CorpusKind::kAll && kind != search::CorpusKind::kLive) {
    for (const auto& server : cat->servers) {
      search::ServerEntry copy = server;
      copy.tools.clear();
      const auto at = whole->addServer(std::move(copy));
      for (auto t : server.tools) {
        search::ToolEntry tool = cat->tools[t];
        tool.server = at;
        whole->addTool(std::move(tool));
      }
    }
  }
  auto catalogue = search::SearchIndex::build(std::move(*whole), encoder);
  if (!catalogue) return fail(catalogue.error());
  const auto servers = localServers(*cat);
  std::map<std::string, std::size_t> by_id;
  for (std::size_t i = 0; i < servers.size(); ++i) by_id[servers[i].offer.server_id] = i;
  const auto tasks = readTasks(queries, ns, a.sample);
  if (tasks.empty())
    return fail(ErrorCode::kInvalidInput, "no tasks with gold servers in " + queries.string());
  std::mt19937 rng(a.seed);
  std::vector<Case> out;
  for (const auto& task : tasks) {
    std::set<std::size_t> gold;
    for (const auto& g : task.gold) {
      if (auto it = by_id.find(g); it != by_id.end()) gold.insert(it->second);
    }
    if (gold.empty()) continue;
    const std::vector<std::size_t> gold_list(gold.begin(), gold.end());
    auto ranks = catalogueRanks(**catalogue, task, a.confirm_top);
    if (!ranks) return fail(ranks.error());
    for (int t = 0; t < a.trials; ++t) {
      for (auto n : a.others) {
        // With a gold server: one of the task's gold servers, chosen at random.
        auto with = draw(rng, servers.size(), n, gold);
        with.push_back(gold_list[rng() % gold_list.size()]);
        auto pos = evaluate(servers, with, task, encoder, *ranks);
        if (!pos) return fail(pos.error());
        pos->has_gold = true;
        // Without: at least one server, none of them gold.
        auto without = draw(rng, servers.size(), std::max<std::size_t>(n, 1), gold);
        auto neg = evaluate(servers, without, task, encoder, *ranks);
        if (!neg) return fail(neg.error());
        for (Case* c : {&*pos, &*neg}) {
          c->corpus = name;
          c->others = n;
        }
        out.push_back(*pos);
        out.push_back(*neg);
      }
    }
  }
  return out;
}

struct Split {
  float threshold = 0;
  double accuracy = 0, precision = 0, recall = 0, auc = 0;
};

float feature(const Case& c, float share) {
  float best = -1.0F;
  for (const auto& [lexical, dense] : c.parts)
    best = std::max(best, share * lexical + (1.0F - share) * dense);
  return best;
}

// The threshold with the best accuracy (midway between neighbouring values), and the AUC.
Split bestSplit(const std::vector<Case>& cases, float share) {
  std::vector<std::pair<float, bool>> v;
  for (const auto& c : cases) v.emplace_back(feature(c, share), c.has_gold);
  std::sort(v.begin(), v.end());
  const double pos =
      static_cast<double>(std::count_if(v.begin(), v.end(), [](auto& p) { return p.second; }));
  const double neg = static_cast<double>(v.size()) - pos;
  // AUC by ranks (ties count half).
  double rank_sum = 0;
  for (std::size_t i = 0; i < v.size();) {
    std::size_t j = i;
    while (j < v.size() && v[j].first == v[i].first) ++j;
    const double mid = (static_cast<double>(i + j) + 1.0) / 2.0;
    for (std::size_t k = i; k < j; ++k) rank_sum += v[k].second ? mid : 0.0;
    i = j;
  }
  Split best;
  best.auc = pos > 0 && neg > 0 ? (rank_sum - pos * (pos + 1) / 2) / (pos * neg) : 0;
  // Predict "local" for value >= threshold; sweep thresholds between distinct values.
  double tp = pos, fp = neg;  // threshold below everything
  for (std::size_t i = 0; i <= v.size();) {
    const double acc = (tp + (neg - fp)) / static_cast<double>(v.size());
    if (acc > best.accuracy) {
      best.accuracy = acc;
      best.threshold =
          i == 0 ? v.front().first - 0.01F
                 : (i == v.size() ? v.back().first + 0.01F : (v[i - 1].first + v[i].first) / 2);
      best.precision = tp + fp > 0 ? tp / (tp + fp) : 0;
      best.recall = pos > 0 ? tp / pos : 0;
    }
    if (i == v.size()) break;
    std::size_t j = i;
    while (j < v.size() && v[j].first == v[i].first) {
      (v[j].second ? tp : fp) -= 1;
      ++j;
    }
    i = j;
  }
  return best;
}

// Accuracy, precision and recall of the daemon's rule: local when the catalogue confirms
// the best local server, or when its match reaches `threshold` (none: > 1).
Split confirmedRule(const std::vector<Case>& cases, float share, float threshold, float ratio) {
  double tp = 0, fp = 0, tn = 0, fn = 0;
  for (const auto& c : cases) {
    const bool local = c.confirmed_ratio >= ratio || feature(c, share) >= threshold;
    (local ? (c.has_gold ? tp : fp) : (c.has_gold ? fn : tn)) += 1;
  }
  Split s;
  s.threshold = threshold;
  s.accuracy = (tp + tn) / std::max(1.0, tp + tn + fp + fn);
  s.precision = tp + fp > 0 ? tp / (tp + fp) : 0;
  s.recall = tp + fn > 0 ? tp / (tp + fn) : 0;
  return s;
}

// Accuracy, precision and recall of a given threshold (the catalogue never confirms).
Split at(const std::vector<Case>& cases, float share, float threshold) {
  return confirmedRule(cases, share, threshold, std::numeric_limits<float>::infinity());
}

int usage(const char* why) {
  std::fprintf(stderr,
               "local_threshold_eval: %s\nusage: local_threshold_eval --data DIR [--model FILE] "
               "[--sample N] [--trials T] [--seed S] [--confirm-top K] [--confirm-ratio R]\n",
               why);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (i + 1 >= argc) return usage(("missing the value of " + flag).c_str());
    const std::string value = argv[++i];
    if (flag == "--data")
      a.data = value;
    else if (flag == "--model")
      a.model = value;
    else if (flag == "--sample")
      a.sample = std::stoul(value);
    else if (flag == "--trials")
      a.trials = std::stoi(value);
    else if (flag == "--seed")
      a.seed = static_cast<unsigned>(std::stoul(value));
    else if (flag == "--confirm-top")
      a.confirm_top = std::stoul(value);
    else if (flag == "--confirm-ratio")
      a.confirm_ratio = std::stof(value);
    else
      return usage(("unknown flag " + flag).c_str());
  }
  if (a.data.empty()) return usage("--data is required");
  if (a.model.empty()) {
    const char* cache = std::getenv("XDG_CACHE_HOME");
    const char* home = std::getenv("HOME");
    a.model = (cache != nullptr && *cache != '\0'
                   ? std::filesystem::path(cache)
                   : std::filesystem::path(home != nullptr ? home : "") / ".cache") /
              "onemcp" / "models" / "default.omv";
  }
  auto loaded = search::loadEncoder(a.model);
  if (!loaded) return usage(loaded.error().toString().c_str());
  std::shared_ptr<const search::Encoder> encoder = std::move(*loaded);
  std::vector<Case> cases;
  auto live = runCorpus(a, "livemcpbench-dev", search::CorpusKind::kLive,
                        a.data / "livemcpbench" / "queries_dev.jsonl", "live:", encoder);
  if (!live) return usage(live.error().toString().c_str());
  auto bench = runCorpus(a, "mcp-bench", search::CorpusKind::kMcpBench,
                         a.data / "mcp-bench" / "queries.jsonl", "mcpb:", encoder);
  if (!bench) return usage(bench.error().toString().c_str());
  cases = *live;
  cases.insert(cases.end(), bench->begin(), bench->end());
  std::printf(
      "encoder %s; %zu cases (%zu LiveMCPBench dev, %zu MCP-Bench), half with a gold server "
      "installed\n",
      encoder->name().c_str(), cases.size(), live->size(), bench->size());
  std::printf(
      "\n| lexical share | threshold | accuracy | precision | recall | AUC "
      "|\n|---|---:|---:|---:|---:|---:|\n");
  Split chosen;
  float chosen_share = 0;
  for (int s = 0; s <= 10; ++s) {
    const float share = static_cast<float>(s) / 10.0F;
    const Split b = bestSplit(cases, share);
    std::printf("| %.1f | %.3f | %.3f | %.3f | %.3f | %.3f |\n", share, b.threshold, b.accuracy,
                b.precision, b.recall, b.auc);
    if (b.accuracy > chosen.accuracy) {
      chosen = b;
      chosen_share = share;
    }
  }
  std::printf("\nchosen: lexical share %.1f, threshold %.3f (accuracy %.3f)\n", chosen_share,
              chosen.threshold, chosen.accuracy);
  // The daemon's rule: confirmed by the catalogue's top K, or a match of at least T.
  const float ratio = a.confirm_ratio;
  Split rule = confirmedRule(cases, chosen_share, 2.0F, ratio);
  for (int t = 0; t <= 100; ++t) {
    const Split r = confirmedRule(cases, chosen_share, static_cast<float>(t) / 100.0F, ratio);
    if (r.accuracy > rule.accuracy) rule = r;
  }
  std::printf(
      "\ncatalogue top %zu with at least %.2f of the best score, or a match of at least T: best "
      "T %.2f (accuracy %.3f; the catalogue alone: %.3f)\n",
      a.confirm_top, ratio, rule.threshold > 1.0F ? -1.0 : rule.threshold, rule.accuracy,
      confirmedRule(cases, chosen_share, 2.0F, ratio).accuracy);
  std::printf(
      "\n| subset | cases | threshold: accuracy | precision | recall | top %zu or T: accuracy | "
      "precision | recall |\n|---|---:|---:|---:|---:|---:|---:|---:|\n",
      a.confirm_top);
  std::map<std::string, std::vector<Case>> subsets;
  for (const auto& c : cases) {
    subsets[c.corpus].push_back(c);
    subsets[c.corpus + ", " + std::to_string(c.others) + " others"].push_back(c);
  }
  for (const auto& [name, sub] : subsets) {
    const Split s = at(sub, chosen_share, chosen.threshold);
    const Split r = confirmedRule(sub, chosen_share, rule.threshold, ratio);
    std::printf("| %s | %zu | %.3f | %.3f | %.3f | %.3f | %.3f | %.3f |\n", name.c_str(),
                sub.size(), s.accuracy, s.precision, s.recall, r.accuracy, r.precision, r.recall);
  }
  // How often the local answer above the threshold is a gold server (not just "some
  // gold server is installed"), and how close the two best local servers are (what the
  // usage prior's weight may reorder).
  std::size_t above = 0, gold_top = 0, ties = 0, pairs = 0;
  for (const auto& c : cases) {
    if (c.has_gold && feature(c, chosen_share) >= chosen.threshold) {
      ++above;
      gold_top += c.top_is_gold ? 1 : 0;
    }
    if (!c.empty && c.gap < 1) {
      ++pairs;
      ties += c.gap < 0.05F ? 1 : 0;
    }
  }
  std::printf(
      "\nabove the threshold with a gold server installed: %zu, of which the top local server is "
      "gold: %zu (%.3f)\n",
      above, gold_top,
      above > 0 ? static_cast<double>(gold_top) / static_cast<double>(above) : 0.0);
  std::printf("local rankings with two or more candidates: %zu; best two within 0.05: %zu (%.3f)\n",
              pairs, ties,
              pairs > 0 ? static_cast<double>(ties) / static_cast<double>(pairs) : 0.0);
  return 0;
}
