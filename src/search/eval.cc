#include "onemcp/search/eval.h"

#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <unordered_map>

#include <nlohmann/json.hpp>

namespace onemcp::search {
namespace {

using nlohmann::json;

json serverIds(const SearchIndex& index, const std::vector<Ranked>& list) {
  json a = json::array();
  for (const auto& r : list) a.push_back(index.catalog().servers[r.index].id);
  return a;
}

json toolIds(const SearchIndex& index, const std::vector<Ranked>& list) {
  json a = json::array();
  for (const auto& r : list) a.push_back(index.catalog().tools[r.index].id);
  return a;
}

Result<std::vector<json>> readJsonLines(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) return fail(ErrorCode::kNotFound, "cannot open " + file.string());
  std::vector<json> out;
  std::string line;
  std::size_t n = 0;
  while (std::getline(in, line)) {
    ++n;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    json j = json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.is_object()) {
      return fail(ErrorCode::kParseError, file.string() + ":" + std::to_string(n) + ": bad JSON");
    }
    out.push_back(std::move(j));
  }
  return out;
}

// qid -> gold doc ids, from a TSV with a header row: qid, doc_id, relevance.
Result<std::unordered_map<std::string, std::set<std::string>>> readQrels(
    const std::filesystem::path& file, const std::string& prefix) {
  std::ifstream in(file);
  if (!in) return fail(ErrorCode::kNotFound, "cannot open " + file.string());
  std::unordered_map<std::string, std::set<std::string>> gold;
  std::string line;
  bool header = true;
  while (std::getline(in, line)) {
    if (header) {
      header = false;
      continue;
    }
    std::istringstream fields(line);
    std::string qid, doc, rel;
    if (!std::getline(fields, qid, '\t') || !std::getline(fields, doc, '\t')) continue;
    std::getline(fields, rel, '\t');
    if (!rel.empty() && std::atof(rel.c_str()) <= 0.0) continue;
    gold[qid].insert(prefix + doc);
  }
  return gold;
}

std::string prefixOf(const std::string& id) {
  const auto colon = id.find(':');
  return colon == std::string::npos ? std::string() : id.substr(0, colon + 1);
}

// The namespace of the gold ids: of the prefixes in the run ("live:", "docker:", ...),
// the one under which the most gold ids were ranked. A union run mixes namespaces, so
// the first id of the first line is not enough.
std::string inferPrefix(const std::unordered_map<std::string, std::vector<std::string>>& ranked,
                        const std::unordered_map<std::string, std::set<std::string>>& gold) {
  std::map<std::string, std::size_t> hits;
  for (const auto& [qid, ids] : ranked) {
    const auto g = gold.find(qid);
    for (const auto& id : ids) {
      const std::string p = prefixOf(id);
      auto& n = hits[p];
      if (g != gold.end() && g->second.contains(id.substr(p.size()))) ++n;
    }
  }
  std::string best;
  std::size_t most = 0;
  for (const auto& [p, n] : hits) {
    if (best.empty() || n > most) {
      best = p;
      most = n;
    }
  }
  return best;
}

std::vector<std::string> strings(const json& j) {
  std::vector<std::string> out;
  if (!j.is_array()) return out;
  for (const auto& e : j) {
    if (e.is_string()) out.push_back(e.get<std::string>());
  }
  return out;
}

// Slots per qid: each slot a set of candidate tool ids.
Result<std::unordered_map<std::string, std::vector<std::set<std::string>>>> readSlots(
    const std::filesystem::path& file, const std::string& prefix) {
  auto lines = readJsonLines(file);
  if (!lines) return fail(std::move(lines).error());
  std::unordered_map<std::string, std::vector<std::set<std::string>>> out;
  for (const auto& j : *lines) {
    if (!j.contains("qid") || !j.contains("gold_slots")) continue;
    auto& slots = out[j["qid"].get<std::string>()];
    for (const auto& s : j["gold_slots"]) {
      std::set<std::string> c;
      for (const auto& id : strings(s.value("candidates", json::array()))) c.insert(prefix + id);
      if (!c.empty()) slots.push_back(std::move(c));
    }
  }
  return out;
}

double recallAt(const std::vector<std::string>& ranked, const std::set<std::string>& gold,
                std::size_t k) {
  std::size_t hit = 0;
  for (std::size_t i = 0; i < std::min(k, ranked.size()); ++i) hit += gold.count(ranked[i]);
  return static_cast<double>(hit) / static_cast<double>(gold.size());
}

double ndcgAt(const std::vector<std::string>& ranked, const std::set<std::string>& gold,
              std::size_t k) {
  double dcg = 0.0;
  double ideal = 0.0;
  for (std::size_t i = 0; i < k; ++i) {
    const double disc = 1.0 / std::log2(static_cast<double>(i) + 2.0);
    if (i < ranked.size() && gold.count(ranked[i]) > 0) dcg += disc;
    if (i < gold.size()) ideal += disc;
  }
  return ideal > 0.0 ? dcg / ideal : 0.0;
}

}  // namespace

Result<std::vector<EvalQuery>> readQueries(const std::filesystem::path& file, std::size_t sample) {
  auto lines = readJsonLines(file);
  if (!lines) return fail(std::move(lines).error());
  std::vector<EvalQuery> all;
  for (const auto& j : *lines) {
    auto qid = j.find("qid");
    auto query = j.find("query");
    if (qid == j.end() || query == j.end() || !query->is_string()) {
      return fail(ErrorCode::kInvalidInput, file.string() + ": a line lacks qid or query");
    }
    all.push_back({qid->is_string() ? qid->get<std::string>() : qid->dump(), query->get<std::string>()});
  }
  if (sample == 0 || sample >= all.size()) return all;
  std::vector<EvalQuery> picked;
  for (std::size_t i = 0; i < sample; ++i) picked.push_back(all[i * all.size() / sample]);
  return picked;
}

std::string runLine(const SearchIndex& index, const std::string& qid, const SearchResult& r) {
  json j;
  j["qid"] = qid;
  j["servers"] = serverIds(index, r.servers);
  j["tools"] = toolIds(index, r.tools);
  j["per_subtask"] = json::array();
  j["per_subtask_tools"] = json::array();
  if (r.subtask_servers.empty()) {
    j["per_subtask"].push_back(j["servers"]);
    j["per_subtask_tools"].push_back(j["tools"]);
  }
  for (const auto& l : r.subtask_servers) j["per_subtask"].push_back(serverIds(index, l));
  for (const auto& l : r.subtask_tools) j["per_subtask_tools"].push_back(toolIds(index, l));
  return j.dump();
}

Result<void> runQueries(const SearchIndex& index, const std::vector<EvalQuery>& queries,
                        const QueryOptions& options, std::ostream& out) {
  for (const auto& q : queries) {
    auto r = index.search(q.query, options);
    if (!r) return fail(std::move(r).error().wrap("query " + q.qid));
    out << runLine(index, q.qid, *r) << '\n';
  }
  if (!out) return fail(ErrorCode::kIo, "writing the run file failed");
  return {};
}

Result<Metrics> scoreRun(const std::filesystem::path& run, const std::filesystem::path& qrels,
                         const ScoreOptions& options) {
  auto lines = readJsonLines(run);
  if (!lines) return fail(std::move(lines).error());
  const std::string key = options.level == "tools" ? "tools" : "servers";
  std::unordered_map<std::string, std::vector<std::string>> ranked;
  for (const auto& j : *lines) {
    ranked[j.value("qid", std::string())] = strings(j.value(key, json::array()));
  }
  std::string prefix = options.ns.empty() ? std::string() : options.ns + ":";
  if (prefix.empty()) {
    auto bare = readQrels(qrels, "");
    if (!bare) return fail(std::move(bare).error());
    prefix = inferPrefix(ranked, *bare);
  }
  auto gold = readQrels(qrels, prefix);
  if (!gold) return fail(std::move(gold).error());
  std::unordered_map<std::string, std::vector<std::set<std::string>>> slots;
  if (!options.slots.empty()) {
    auto s = readSlots(options.slots, prefix);
    if (!s) return fail(std::move(s).error());
    slots = std::move(*s);
  }
  Metrics m;
  double slot_sum = 0.0;
  std::size_t slot_queries = 0;
  for (const auto& [qid, g] : *gold) {
    auto it = ranked.find(qid);
    if (it == ranked.end()) {
      ++m.missing;
      continue;
    }
    ++m.queries;
    const auto& r = it->second;
    m.values["R@1"] += recallAt(r, g, 1);
    m.values["R@5"] += recallAt(r, g, 5);
    m.values["R@10"] += recallAt(r, g, 10);
    m.values["nDCG@5"] += ndcgAt(r, g, 5);
    m.values["Hit@1"] += (!r.empty() && g.count(r.front()) > 0) ? 1.0 : 0.0;
    if (auto s = slots.find(qid); s != slots.end() && !s->second.empty()) {
      std::size_t hit = 0;
      for (const auto& cands : s->second) {
        for (std::size_t i = 0; i < std::min<std::size_t>(5, r.size()); ++i) {
          if (cands.count(r[i]) > 0) {
            ++hit;
            break;
          }
        }
      }
      slot_sum += static_cast<double>(hit) / static_cast<double>(s->second.size());
      ++slot_queries;
    }
  }
  for (auto& [name, v] : m.values) v /= static_cast<double>(std::max<std::size_t>(1, m.queries));
  if (slot_queries > 0) m.values["Slot-R@5"] = slot_sum / static_cast<double>(slot_queries);
  return m;
}

std::string formatMetrics(const Metrics& m, const std::string& label) {
  std::string out = label + "  n=" + std::to_string(m.queries);
  for (const char* k : {"R@1", "R@5", "R@10", "nDCG@5", "Hit@1", "Slot-R@5"}) {
    auto it = m.values.find(k);
    if (it == m.values.end()) continue;
    char buf[48];
    std::snprintf(buf, sizeof buf, "  %s %.3f", k, it->second);
    out += buf;
  }
  if (m.missing > 0) out += "  (missing from run: " + std::to_string(m.missing) + ")";
  return out;
}

}  // namespace onemcp::search
