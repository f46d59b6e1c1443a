#include "onemcp/search/search_index.h"

#include <algorithm>
#include <unordered_set>

#include "onemcp/search/text.h"

namespace onemcp::search {
namespace {

std::string toolDenseText(const Catalog& cat, const ToolEntry& t) {
  std::string text = t.name + " " + t.description;
  text += " " + cat.servers[t.server].name;
  return text;
}

std::string serverDenseText(const ServerEntry& s) {
  return s.name + " " + s.description + " " + s.keywords;
}

// Row-major vectors of all texts, encoded in batches.
Result<std::vector<float>> encodeAll(const Encoder& enc, const std::vector<std::string>& texts) {
  std::vector<float> rows(texts.size() * enc.dim());
  constexpr std::size_t kBatch = 64;
  std::vector<std::string_view> views;
  for (std::size_t i = 0; i < texts.size(); i += kBatch) {
    views.clear();
    for (std::size_t j = i; j < std::min(texts.size(), i + kBatch); ++j) views.push_back(texts[j]);
    ONEMCP_TRY(enc.encode(views, std::span<float>(rows).subspan(i * enc.dim())));
  }
  return rows;
}

void normaliseByMax(std::vector<float>& v) {
  float mx = 0.0F;
  for (float x : v) mx = std::max(mx, x);
  if (mx <= 0.0F) return;
  for (float& x : v) x /= mx;
}

// Dense hits to [0, 1]: the best maps to 1, the weakest candidate to 0.
void spreadDense(const std::vector<ScoredDoc>& hits, std::vector<float>& out) {
  if (hits.empty()) return;
  const float hi = hits.front().score;
  const float lo = hits.size() > 1 ? hits.back().score : hi - 1.0F;
  const float span = std::max(1e-6F, hi - lo);
  for (const auto& h : hits) out[h.doc] = std::max(0.0F, (h.score - lo) / span);
}

std::vector<Ranked> topOf(const std::vector<float>& scores, std::size_t k) {
  std::vector<Ranked> all;
  for (std::size_t i = 0; i < scores.size(); ++i) {
    if (scores[i] > 0.0F) all.push_back({static_cast<std::uint32_t>(i), scores[i]});
  }
  const auto better = [](const Ranked& a, const Ranked& b) {
    return a.score != b.score ? a.score > b.score : a.index < b.index;
  };
  const std::size_t n = std::min(k, all.size());
  std::partial_sort(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(n), all.end(), better);
  all.resize(n);
  return all;
}

// Takes each list's next unseen item in turn until k are chosen, so every list
// (the whole prompt first, then each sub-task) is represented near the top.
std::vector<Ranked> roundRobin(const std::vector<std::vector<Ranked>>& lists, std::size_t k) {
  std::vector<Ranked> out;
  std::unordered_set<std::uint32_t> seen;
  std::vector<std::size_t> pos(lists.size(), 0);
  bool progressed = true;
  while (out.size() < k && progressed) {
    progressed = false;
    for (std::size_t l = 0; l < lists.size() && out.size() < k; ++l) {
      while (pos[l] < lists[l].size() && seen.contains(lists[l][pos[l]].index)) ++pos[l];
      if (pos[l] >= lists[l].size()) continue;
      const Ranked r = lists[l][pos[l]++];
      seen.insert(r.index);
      out.push_back({r.index, static_cast<float>(k - out.size())});
      progressed = true;
    }
  }
  return out;
}

// Each item's best score relative to its list's top, over all lists.
std::vector<Ranked> maxScore(const std::vector<std::vector<Ranked>>& lists, std::size_t k,
                             std::size_t universe) {
  std::vector<float> best(universe, 0.0F);
  for (const auto& list : lists) {
    if (list.empty() || list.front().score <= 0.0F) continue;
    for (const auto& r : list) best[r.index] = std::max(best[r.index], r.score / list.front().score);
  }
  return topOf(best, k);
}

}  // namespace

Result<std::shared_ptr<const SearchIndex>> SearchIndex::build(Catalog catalog,
                                                              std::shared_ptr<const Encoder> encoder,
                                                              const IndexConfig& config) {
  std::shared_ptr<SearchIndex> index(new SearchIndex());
  index->catalog_ = std::move(catalog);
  index->encoder_ = std::move(encoder);
  const Catalog& cat = index->catalog_;
  const FieldWeights& w = config.fields;
  Stemmer stemmer;
  Bm25Builder tools(config.bm25);
  for (const auto& t : cat.tools) {
    const auto name = analyze(t.name, stemmer);
    const auto desc = analyze(t.description, stemmer);
    const auto params = analyze(t.params, stemmer);
    const auto server = analyze(cat.servers[t.server].name, stemmer);
    const Bm25Builder::Field fields[] = {{name, w.tool_name},
                                         {desc, w.tool_description},
                                         {params, w.tool_params},
                                         {server, w.tool_server}};
    tools.addDocument(fields);
  }
  Bm25Builder servers(config.bm25);
  for (const auto& s : cat.servers) {
    const auto name = analyze(s.name, stemmer);
    const auto desc = analyze(s.description, stemmer);
    const auto keys = analyze(s.keywords, stemmer);
    const Bm25Builder::Field fields[] = {
        {name, w.server_name}, {desc, w.server_description}, {keys, w.server_keywords}};
    servers.addDocument(fields);
  }
  index->tool_bm25_ = std::move(tools).build();
  index->server_bm25_ = std::move(servers).build();
  if (index->encoder_) ONEMCP_TRY(index->buildDense(config));
  return std::shared_ptr<const SearchIndex>(std::move(index));
}

Result<void> SearchIndex::buildDense(const IndexConfig& config) {
  std::vector<std::string> tool_texts;
  for (const auto& t : catalog_.tools) tool_texts.push_back(toolDenseText(catalog_, t));
  std::vector<std::string> server_texts;
  for (const auto& s : catalog_.servers) server_texts.push_back(serverDenseText(s));
  auto tool_rows = encodeAll(*encoder_, tool_texts);
  if (!tool_rows) return fail(std::move(tool_rows).error());
  auto server_rows = encodeAll(*encoder_, server_texts);
  if (!server_rows) return fail(std::move(server_rows).error());
  const std::size_t dim = encoder_->dim();
  if (config.approximate) {
    tool_vectors_ = makeHnswIndex(*tool_rows, dim, config.hnsw);
    server_vectors_ = makeHnswIndex(*server_rows, dim, config.hnsw);
  } else {
    tool_vectors_ = makeExactIndex(std::move(*tool_rows), dim);
    server_vectors_ = makeExactIndex(std::move(*server_rows), dim);
  }
  return {};
}

void SearchIndex::lexical(std::string_view text, Scores& out) const {
  Stemmer stemmer;  // per-call scratch: Snowball state is not shareable
  const auto terms = analyze(text, stemmer);
  for (const auto& d : tool_bm25_.search(terms)) out.tools[d.doc] = d.score;
  for (const auto& d : server_bm25_.search(terms)) out.servers[d.doc] = d.score;
  normaliseByMax(out.tools);
  normaliseByMax(out.servers);
}

Result<void> SearchIndex::dense(std::string_view text, const QueryOptions& options,
                                Scores& out) const {
  std::vector<float> q(encoder_->dim());
  const std::string_view texts[] = {text};
  ONEMCP_TRY(encoder_->encode(texts, q));
  if (std::all_of(q.begin(), q.end(), [](float x) { return x == 0.0F; })) return {};
  spreadDense(tool_vectors_->search(q, options.dense_candidates), out.tools);
  spreadDense(server_vectors_->search(q, options.dense_candidates), out.servers);
  return {};
}

Result<SearchIndex::Scores> SearchIndex::score(std::string_view query,
                                               const QueryOptions& options) const {
  std::string expanded(query);
  if (options.describe_artifacts) expanded += describeArtifacts(query);
  const std::string_view text = expanded;
  const std::size_t nt = catalog_.tools.size();
  const std::size_t ns = catalog_.servers.size();
  Scores lex{std::vector<float>(ns, 0.0F), std::vector<float>(nt, 0.0F)};
  Scores den = lex;
  const bool use_dense = encoder_ != nullptr && options.mode != Mode::kLexical;
  const bool use_lex = options.mode != Mode::kDense || encoder_ == nullptr;
  if (use_lex) lexical(text, lex);
  if (use_dense) ONEMCP_TRY(dense(text, options, den));
  const float a = use_dense ? (use_lex ? options.dense_weight : 1.0F) : 0.0F;
  Scores out{std::vector<float>(ns, 0.0F), std::vector<float>(nt, 0.0F)};
  for (std::size_t i = 0; i < nt; ++i) out.tools[i] = (1.0F - a) * lex.tools[i] + a * den.tools[i];
  // Server evidence: its own text, its best tool, and a little for a second tool.
  std::vector<float> best(ns, 0.0F);
  std::vector<float> second(ns, 0.0F);
  for (std::size_t i = 0; i < nt; ++i) {
    const auto s = catalog_.tools[i].server;
    const float v = out.tools[i];
    if (v > best[s]) {
      second[s] = best[s];
      best[s] = v;
    } else if (v > second[s]) {
      second[s] = v;
    }
  }
  std::vector<float> own(ns, 0.0F);
  for (std::size_t s = 0; s < ns; ++s) {
    own[s] = (1.0F - a) * lex.servers[s] + a * den.servers[s];
    out.servers[s] = std::max(options.server_own_weight * own[s], best[s]) +
                     options.second_tool_weight * second[s];
  }
  // A tool inherits a share of its server's evidence: the right server's tools rise.
  if (options.tool_server_weight > 0.0F) {
    for (std::size_t i = 0; i < nt; ++i) {
      if (out.tools[i] > 0.0F) out.tools[i] += options.tool_server_weight * out.servers[catalog_.tools[i].server];
    }
  }
  return out;
}

Result<SearchResult> SearchIndex::search(std::string_view query, const QueryOptions& options) const {
  SearchResult result;
  auto whole = score(query, options);
  if (!whole) return fail(std::move(whole).error());
  std::vector<std::vector<Ranked>> server_lists{topOf(whole->servers, options.servers)};
  std::vector<std::vector<Ranked>> tool_lists{topOf(whole->tools, options.tools)};
  if (options.split_tasks) result.subtasks = splitTasks(query, options.split);
  if (result.subtasks.size() > 1) {
    for (const auto& sub : result.subtasks) {
      auto s = score(sub, options);
      if (!s) return fail(std::move(s).error());
      result.subtask_servers.push_back(topOf(s->servers, options.servers));
      result.subtask_tools.push_back(topOf(s->tools, options.tools));
    }
    server_lists.insert(server_lists.end(), result.subtask_servers.begin(),
                        result.subtask_servers.end());
    tool_lists.insert(tool_lists.end(), result.subtask_tools.begin(), result.subtask_tools.end());
  }
  if (server_lists.size() == 1 || options.merge == MergeMode::kNone) {
    result.servers = std::move(server_lists.front());
    result.tools = std::move(tool_lists.front());
  } else if (options.merge == MergeMode::kMaxScore) {
    result.servers = maxScore(server_lists, options.servers, catalog_.servers.size());
    result.tools = maxScore(tool_lists, options.tools, catalog_.tools.size());
  } else {
    result.servers = roundRobin(server_lists, options.servers);
    result.tools = roundRobin(tool_lists, options.tools);
  }
  return result;
}

}  // namespace onemcp::search
