#include "onemcp/search/search_index.h"

#include <algorithm>
#include <cmath>
#include <unordered_map>
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

// Best first; ties by index, so that every ranking is deterministic.
bool better(const Ranked& a, const Ranked& b) {
  return a.score != b.score ? a.score > b.score : a.index < b.index;
}

std::vector<Ranked> topOf(const std::vector<float>& scores, std::size_t k) {
  std::vector<Ranked> all;
  for (std::size_t i = 0; i < scores.size(); ++i) {
    if (scores[i] > 0.0F) all.push_back({static_cast<std::uint32_t>(i), scores[i]});
  }
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
    for (const auto& r : list)
      best[r.index] = std::max(best[r.index], r.score / list.front().score);
  }
  return topOf(best, k);
}

// (1 - w) * the whole prompt's score + w * the best sub-task score, each relative to its
// list's top: the whole prompt leads, and an item that serves one need strongly rises.
std::vector<Ranked> blend(const std::vector<float>& whole,
                          const std::vector<std::vector<float>>& subs, float w, std::size_t k) {
  const auto top = [](const std::vector<float>& v) {
    float m = 0.0F;
    for (float x : v) m = std::max(m, x);
    return m;
  };
  std::vector<float> out(whole.size(), 0.0F);
  const float wt = top(whole);
  if (wt > 0.0F) {
    for (std::size_t i = 0; i < whole.size(); ++i) out[i] = (1.0F - w) * whole[i] / wt;
  }
  std::vector<float> best(whole.size(), 0.0F);
  for (const auto& sub : subs) {
    const float st = top(sub);
    if (st <= 0.0F) continue;
    for (std::size_t i = 0; i < sub.size(); ++i) best[i] = std::max(best[i], sub[i] / st);
  }
  for (std::size_t i = 0; i < out.size(); ++i) out[i] += w * best[i];
  return topOf(out, k);
}

// Puts one channel's scores on the scale options.scale names (see ScoreScale); a 0 (no
// evidence from this channel) stays 0. kMax is the channels' own scale, already applied.
void rescale(std::vector<float>& v, const QueryOptions& o) {
  if (o.scale == ScoreScale::kMax) return;
  std::vector<Ranked> hits;
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (v[i] > 0.0F) hits.push_back({static_cast<std::uint32_t>(i), v[i]});
  }
  if (hits.empty()) return;
  if (o.scale == ScoreScale::kRank) {
    std::sort(hits.begin(), hits.end(), better);
    for (std::size_t r = 0; r < hits.size(); ++r) {
      v[hits[r].index] = o.rank_k / (o.rank_k + static_cast<float>(r + 1));
    }
    return;
  }
  // Only the first n are read (the best, the floor, the spread): no need to sort the rest
  // on every query.
  const std::size_t n = std::min(std::max<std::size_t>(o.scale_depth, 2), hits.size());
  std::partial_sort(hits.begin(), hits.begin() + static_cast<std::ptrdiff_t>(n), hits.end(),
                    better);
  const float best = hits.front().score;
  const float floor = hits[n - 1].score;
  float spread = best - floor;
  if (o.scale == ScoreScale::kZScore && n > 1) {
    double mean = 0.0;
    for (std::size_t r = 0; r < n; ++r) mean += hits[r].score;
    mean /= static_cast<double>(n);
    double var = 0.0;
    for (std::size_t r = 0; r < n; ++r) var += (hits[r].score - mean) * (hits[r].score - mean);
    spread = static_cast<float>(std::sqrt(var / static_cast<double>(n)));
  }
  // A list of ties has no spread to read: each counts fully. A hit at or below the floor
  // keeps a trace (kFloorShare), so that it still ranks after the rest, and is not dropped
  // as if it had no evidence (a small catalogue's weakest match is still a match).
  constexpr float kFloorShare = 1e-4F;
  for (const auto& h : hits) {
    v[h.index] = spread > 1e-6F ? std::max(kFloorShare, (h.score - floor) / spread) : 1.0F;
  }
}

// A channel's server ranking on the same scale as its tools' (kMax: / the best).
void rescaleServers(std::vector<float>& v, const QueryOptions& o) {
  if (o.scale == ScoreScale::kMax) {
    normaliseByMax(v);
  } else {
    rescale(v, o);
  }
}

// Server evidence: its own text, its best tool, and a little for a second tool.
std::vector<float> serverEvidence(const Catalog& cat, const std::vector<float>& own,
                                  const std::vector<float>& tools, const QueryOptions& options) {
  const std::size_t ns = cat.servers.size();
  std::vector<float> best(ns, 0.0F);
  std::vector<float> second(ns, 0.0F);
  for (std::size_t i = 0; i < tools.size(); ++i) {
    const auto s = cat.tools[i].server;
    const float v = tools[i];
    if (v > best[s]) {
      second[s] = best[s];
      best[s] = v;
    } else if (v > second[s]) {
      second[s] = v;
    }
  }
  // The best of many tools is high by chance alone (a catalogue server with a hundred
  // tools always has one that half-matches): damp tool evidence by the log of the count.
  if (options.tool_count_damping > 0.0F) {
    for (std::size_t s = 0; s < ns; ++s) {
      const auto n = static_cast<float>(cat.servers[s].tools.size());
      if (n <= 1.0F) continue;
      const float f = 1.0F / (1.0F + options.tool_count_damping * std::log(n));
      best[s] *= f;
      second[s] *= f;
    }
  }
  std::vector<float> out(ns, 0.0F);
  for (std::size_t s = 0; s < ns; ++s) {
    out[s] = std::max(options.server_own_weight * own[s], best[s]) +
             options.second_tool_weight * second[s];
  }
  return out;
}
}  // namespace

Result<std::shared_ptr<const SearchIndex>> SearchIndex::build(
    Catalog catalog, std::shared_ptr<const Encoder> encoder, const IndexConfig& config) {
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
  if (index->encoder_) {
    ONEMCP_TRY(index->buildDense(config));
    ONEMCP_TRY(index->buildVocabulary());
  }
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
  } else if (config.quantised) {
    tool_vectors_ = makeQuantisedIndex(std::move(*tool_rows), dim);
    server_vectors_ = makeQuantisedIndex(std::move(*server_rows), dim);
  } else {
    tool_vectors_ = makeExactIndex(std::move(*tool_rows), dim);
    server_vectors_ = makeExactIndex(std::move(*server_rows), dim);
  }
  return {};
}

Result<void> SearchIndex::buildVocabulary() {
  Stemmer stemmer;
  std::unordered_set<std::string> seen;
  std::vector<std::string> words;
  const auto collect = [&](std::string_view text) {
    for (auto& w : splitWords(text)) {
      const bool plain = w.size() >= 3 && std::all_of(w.begin(), w.end(),
                                                      [](char c) { return c >= 'a' && c <= 'z'; });
      if (plain && !isStopword(w) && seen.insert(w).second) words.push_back(std::move(w));
    }
  };
  for (const auto& t : catalog_.tools) {
    collect(t.name);
    collect(t.description);
  }
  for (const auto& s : catalog_.servers) {
    collect(s.name);
    collect(s.description);
  }
  auto rows = encodeAll(*encoder_, words);
  if (!rows) return fail(std::move(rows).error());
  for (const auto& w : words) vocabulary_stems_.push_back(stemmer.stem(w));
  vocabulary_vectors_ = makeExactIndex(std::move(*rows), encoder_->dim());
  return {};
}

// The lexical query: each distinct term of the text once (a long prompt that repeats a
// word, or names it again in a path, is not more about it); adjacent words joined where
// the index knows the compound ("mind map" -> "mindmap"); a word the index lacks
// expanded to its nearest catalogue words by the encoder's vectors.
Result<SearchIndex::LexicalQuery> SearchIndex::lexicalQuery(std::string_view text,
                                                            const QueryOptions& options) const {
  Stemmer stemmer;  // per-call scratch: Snowball state is not shareable
  LexicalQuery q;
  std::unordered_map<std::string, std::size_t> at;
  const auto add = [&](std::string term, float w) {
    if (!options.unique_terms) {
      q.terms.push_back(std::move(term));
      q.weights.push_back(w);
      return;
    }
    auto [it, fresh] = at.try_emplace(term, q.terms.size());
    if (fresh) {
      q.terms.push_back(std::move(term));
      q.weights.push_back(w);
    } else {
      q.weights[it->second] = std::max(q.weights[it->second], w);
    }
  };
  const auto known = [&](const std::string& stem) {
    return tool_bm25_.contains(stem) || server_bm25_.contains(stem);
  };
  const bool expand = vocabulary_vectors_ && options.expansion_terms > 0;
  std::vector<float> v(expand ? encoder_->dim() : 0);
  const auto words = splitWords(text);
  for (std::size_t i = 0; i < words.size(); ++i) {
    if (!isStopword(words[i])) {
      auto stem = stemmer.stem(words[i]);
      if (expand && !known(stem)) {
        const std::string_view one[] = {words[i]};
        ONEMCP_TRY(encoder_->encode(one, v));
        for (const auto& h : vocabulary_vectors_->search(v, options.expansion_terms)) {
          if (h.score >= options.expansion_min_cosine) {
            add(vocabulary_stems_[h.doc], options.expansion_weight * h.score);
          }
        }
      }
      add(std::move(stem), 1.0F);
    }
    if (options.join_compounds && i + 1 < words.size()) {
      auto joined = stemmer.stem(words[i] + words[i + 1]);
      if (known(joined)) add(std::move(joined), 1.0F);
    }
  }
  return q;
}

void SearchIndex::lexical(const LexicalQuery& query, Scores& out) const {
  for (const auto& d : tool_bm25_.search(query.terms, query.weights)) out.tools[d.doc] = d.score;
  for (const auto& d : server_bm25_.search(query.terms, query.weights))
    out.servers[d.doc] = d.score;
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
  if (use_lex) {
    auto q = lexicalQuery(text, options);
    if (!q) return fail(std::move(q).error());
    lexical(*q, lex);
  }
  if (use_dense) ONEMCP_TRY(dense(text, options, den));
  const float a = use_dense ? (use_lex ? options.dense_weight : 1.0F) : 0.0F;
  const bool both = use_dense && use_lex;
  const auto fuse = [a](const std::vector<float>& l, const std::vector<float>& d) {
    std::vector<float> f(l.size());
    for (std::size_t i = 0; i < f.size(); ++i) f[i] = (1.0F - a) * l[i] + a * d[i];
    return f;
  };
  if (both) {
    rescale(lex.tools, options);
    rescale(den.tools, options);
    rescale(lex.servers, options);
    rescale(den.servers, options);
  }
  Scores out;
  out.tools = fuse(lex.tools, den.tools);
  if (options.fusion == Fusion::kLate && both) {
    // Each channel ranks the servers from its own evidence; the rankings meet after.
    auto lex_servers = serverEvidence(catalog_, lex.servers, lex.tools, options);
    auto den_servers = serverEvidence(catalog_, den.servers, den.tools, options);
    rescaleServers(lex_servers, options);
    rescaleServers(den_servers, options);
    out.servers = fuse(lex_servers, den_servers);
  } else {
    out.servers = serverEvidence(catalog_, fuse(lex.servers, den.servers), out.tools, options);
  }
  // A tool inherits a share of its server's evidence: the right server's tools rise.
  if (options.tool_server_weight > 0.0F) {
    for (std::size_t i = 0; i < nt; ++i) {
      if (out.tools[i] > 0.0F)
        out.tools[i] += options.tool_server_weight * out.servers[catalog_.tools[i].server];
    }
  }
  return out;
}

Result<SearchResult> SearchIndex::search(std::string_view query,
                                         const QueryOptions& options) const {
  SearchResult result;
  auto whole = score(query, options);
  if (!whole) return fail(std::move(whole).error());
  std::vector<std::vector<Ranked>> server_lists{topOf(whole->servers, options.servers)};
  std::vector<std::vector<Ranked>> tool_lists{topOf(whole->tools, options.tools)};
  if (options.split_tasks) result.subtasks = splitTasks(query, options.split);
  std::vector<std::vector<float>> sub_servers;
  std::vector<std::vector<float>> sub_tools;
  if (result.subtasks.size() > 1) {
    for (const auto& sub : result.subtasks) {
      auto s = score(sub, options);
      if (!s) return fail(std::move(s).error());
      result.subtask_servers.push_back(topOf(s->servers, options.servers));
      result.subtask_tools.push_back(topOf(s->tools, options.tools));
      sub_servers.push_back(std::move(s->servers));
      sub_tools.push_back(std::move(s->tools));
    }
    server_lists.insert(server_lists.end(), result.subtask_servers.begin(),
                        result.subtask_servers.end());
    tool_lists.insert(tool_lists.end(), result.subtask_tools.begin(), result.subtask_tools.end());
  }
  if (server_lists.size() == 1 || options.merge == MergeMode::kNone) {
    result.servers = std::move(server_lists.front());
    result.tools = std::move(tool_lists.front());
  } else if (options.merge == MergeMode::kBlend) {
    result.servers = blend(whole->servers, sub_servers, options.subtask_weight, options.servers);
    result.tools = blend(whole->tools, sub_tools, options.subtask_weight, options.tools);
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
