#include "onemcp/orchestrator/selector.h"

#include <algorithm>
#include <cmath>
#include <set>
#include <span>
#include <string_view>

#include "onemcp/search/catalog.h"
#include "onemcp/search/text.h"
#include "onemcp/search/vector_index.h"

namespace onemcp::orchestrator {

const float kMeasuredLocalThreshold = 0.215F;
const float kMeasuredLexicalShare = 0.5F;
const std::size_t kMeasuredConfirmTop = 8;
const float kMeasuredConfirmRatio = 0.3F;

namespace {

std::string serverText(const LocalServer& s) { return s.offer.name + " " + s.offer.description; }
std::string toolText(const ToolInfo& t) { return t.name + " " + t.description; }

std::vector<std::string> distinctTerms(std::string_view text, search::Stemmer& stemmer) {
  auto terms = search::analyze(text, stemmer);
  std::sort(terms.begin(), terms.end());
  terms.erase(std::unique(terms.begin(), terms.end()), terms.end());
  return terms;
}

search::Catalog toCatalog(const std::vector<LocalServer>& servers) {
  search::Catalog cat;
  for (const auto& s : servers) {
    search::ServerEntry e;
    e.id = s.offer.server_id;
    e.name = s.offer.name;
    e.description = s.offer.description;
    const auto index = cat.addServer(std::move(e));
    for (const auto& t : s.tools) {
      search::ToolEntry te;
      te.server = index;
      te.id = s.offer.server_id + "::" + t.name;
      te.name = t.name;
      te.description = t.description;
      if (!t.input_schema.empty()) te.params = search::schemaText(t.input_schema);
      cat.addTool(std::move(te));
    }
  }
  return cat;
}

}  // namespace

Result<std::shared_ptr<const LocalIndex>> LocalIndex::build(
    std::vector<LocalServer> servers, std::shared_ptr<const search::Encoder> encoder,
    float lexical_share) {
  std::shared_ptr<LocalIndex> out(new LocalIndex());
  auto index = search::SearchIndex::build(toCatalog(servers), encoder);
  if (!index) return fail(index.error().wrap("indexing the installed servers"));
  out->index_ = std::move(*index);
  out->encoder_ = encoder;
  out->lexical_share_ = encoder ? lexical_share : 1.0F;
  search::Stemmer stemmer;
  for (const auto& s : servers) {
    std::vector<std::string> texts{serverText(s)};
    std::string all = texts.front();
    for (const auto& t : s.tools) {
      all += " " + toolText(t);
      texts.push_back(toolText(t));
    }
    out->terms_.push_back(distinctTerms(all, stemmer));
    std::vector<float> rows;
    if (encoder) {
      rows.resize(texts.size() * encoder->dim());
      std::vector<std::string_view> views(texts.begin(), texts.end());
      ONEMCP_TRY(encoder->encode(views, rows));
    }
    out->vectors_.push_back(std::move(rows));
  }
  out->servers_ = std::move(servers);
  return std::shared_ptr<const LocalIndex>(std::move(out));
}

void LocalIndex::matchOf(std::size_t server, const std::vector<std::string>& task_terms,
                         const std::vector<float>& task_vector, Candidate& out) const {
  float lexical = 0;
  if (!task_terms.empty()) {
    const auto& have = terms_[server];
    std::size_t hits = 0;
    for (const auto& t : task_terms)
      hits += std::binary_search(have.begin(), have.end(), t) ? 1 : 0;
    lexical = static_cast<float>(hits) / static_cast<float>(task_terms.size());
  }
  float dense = 0;
  if (encoder_ && !task_vector.empty()) {
    const std::size_t dim = encoder_->dim();
    const auto& rows = vectors_[server];
    for (std::size_t r = 0; r + dim <= rows.size(); r += dim) {
      dense =
          std::max(dense, search::dot(task_vector, std::span<const float>(rows).subspan(r, dim)));
    }
  }
  out.lexical = lexical;
  out.dense = dense;
  out.match = lexical_share_ * lexical + (1.0F - lexical_share_) * dense;
}

Result<std::vector<Candidate>> LocalIndex::rank(const std::string& task, std::size_t k) const {
  std::vector<Candidate> out;
  if (servers_.empty() || k == 0) return out;
  search::QueryOptions q;
  q.servers = k;
  q.tools = 0;
  q.split_tasks = false;  // the planner split the prompt already
  auto ranked = index_->search(task, q);
  if (!ranked) return fail(ranked.error());
  search::Stemmer stemmer;
  const auto task_terms = distinctTerms(task, stemmer);
  std::vector<float> task_vector;
  if (encoder_) {
    task_vector.resize(encoder_->dim());
    const std::string_view one[] = {task};
    ONEMCP_TRY(encoder_->encode(one, task_vector));
  }
  for (const auto& r : ranked->servers) {
    Candidate c;
    c.offer = servers_.at(r.index).offer;
    c.relevance = r.score;
    c.score = r.score;
    matchOf(r.index, task_terms, task_vector, c);
    c.offer.score = c.match;
    out.push_back(std::move(c));
  }
  return out;
}

void applyUsage(std::vector<Candidate>& candidates, const std::map<std::string, float>& usage) {
  for (auto& c : candidates) {
    auto it = usage.find(c.offer.server_id);
    c.usage = it == usage.end() ? 0.0F : it->second;
    c.score = c.relevance + c.usage;
  }
  std::stable_sort(candidates.begin(), candidates.end(),
                   [](const Candidate& a, const Candidate& b) { return a.score > b.score; });
}

Selector::Selector(SelectorOptions options, ToolSource& source,
                   std::shared_ptr<const search::Encoder> encoder)
    : options_(options), source_(source), encoder_(std::move(encoder)) {}

Result<void> Selector::setServers(std::vector<LocalServer> servers) {
  auto built = LocalIndex::build(std::move(servers), encoder_, options_.lexical_share);
  if (!built) return fail(built.error());
  std::shared_ptr<const LocalIndex> next = std::move(*built);
  {
    std::lock_guard lock(mu_);
    local_.swap(next);
  }  // the old snapshot, now in `next`, is released outside the lock
  return {};
}

std::shared_ptr<const LocalIndex> Selector::snapshot() const {
  std::lock_guard lock(mu_);
  return local_;
}

Selection Selector::select(const std::string& task, std::size_t k,
                           const std::map<std::string, float>& usage) {
  std::vector<Candidate> local;
  float best_local = -1;
  std::string note;
  if (auto index = snapshot(); index) {
    auto ranked = index->rank(task, k);
    if (ranked && !ranked->empty()) {
      applyUsage(*ranked, usage);
      best_local = ranked->front().match;
      local = std::move(*ranked);
    } else if (!ranked) {
      note = "the local index failed: " + ranked.error().message + "; ";
    }
  }
  const bool confirm = options_.confirm_top > 0 && !local.empty();
  const bool above = !local.empty() && best_local >= options_.local_threshold;
  const auto answerLocally = [&](std::vector<Candidate> candidates, bool confirmed) {
    Selection out;
    out.source = "local";
    out.candidates = std::move(candidates);
    out.confirmed = confirmed;
    out.threshold = options_.local_threshold;
    out.best_local = best_local;
    out.note = note;
    return out;
  };
  if (options_.confirm_top == 0 && above) return answerLocally(std::move(local), false);
  auto offers = source_.find(task, confirm ? std::max(k, options_.confirm_top) : k);
  if (!offers) note += "searching the " + source_.kind() + " failed: " + offers.error().message;
  if (confirm && offers && !offers->empty()) {
    // Every server competes in the source's ranking (and its scores know which words are
    // common): an installed server it ranks among its first offers, not far behind the
    // best, is as good as what it would offer. In a small catalogue every server is
    // "among the first", even one with a trace of evidence: hence the ratio.
    std::set<std::string> top;
    const float best = offers->front().score;
    for (std::size_t i = 0; i < std::min(options_.confirm_top, offers->size()); ++i) {
      if (best <= 0 || (*offers)[i].score >= options_.confirm_ratio * best)
        top.insert((*offers)[i].server_id);
    }
    std::vector<Candidate> confirmed;
    for (auto& c : local) {
      if (top.contains(c.offer.server_id)) confirmed.push_back(std::move(c));
    }
    if (!confirmed.empty()) return answerLocally(std::move(confirmed), true);
  } else if (above) {
    // The source cannot answer, or has no opinion: the local match alone decides.
    return answerLocally(std::move(local), false);
  }
  Selection out = offered(offers ? std::move(*offers) : std::vector<Offer>{}, k, usage);
  out.best_local = best_local;
  out.note = note;
  return out;
}

Selection Selector::fromSource(const std::string& task, std::size_t k,
                               const std::map<std::string, float>& usage) {
  auto offers = source_.find(task, k);
  if (!offers) {
    Selection out;
    out.threshold = options_.local_threshold;
    out.source = source_.kind();
    out.note += "searching the " + out.source + " failed: " + offers.error().message;
    return out;
  }
  return offered(std::move(*offers), k, usage);
}

Selection Selector::offered(std::vector<Offer> offers, std::size_t k,
                            const std::map<std::string, float>& usage) const {
  Selection out;
  out.threshold = options_.local_threshold;
  out.source = source_.kind();
  if (offers.size() > k) offers.resize(k);
  for (auto& o : offers) {
    Candidate c;
    c.relevance = o.score;
    c.score = o.score;
    c.offer = std::move(o);
    out.candidates.push_back(std::move(c));
  }
  applyUsage(out.candidates, usage);
  return out;
}

std::vector<ToolInfo> toolInfosOf(const std::vector<sandbox::ExposedTool>& tools,
                                  const std::string& backend) {
  std::vector<ToolInfo> out;
  for (const auto& t : tools) {
    if (t.backend != backend) continue;
    ToolInfo info;
    info.name = t.original;
    info.description = t.definition.value("description", "");
    if (auto schema = t.definition.find("inputSchema"); schema != t.definition.end())
      info.input_schema = schema->dump();
    out.push_back(std::move(info));
  }
  return out;
}

nlohmann::json selectionJson(const Selection& selection) {
  const auto rounded = [](float x) { return std::round(x * 1000.0F) / 1000.0F; };
  nlohmann::json candidates = nlohmann::json::array();
  for (const auto& c : selection.candidates) {
    nlohmann::json j = {{"server_id", c.offer.server_id},
                        {"score", rounded(c.score)},
                        {"relevance", rounded(c.relevance)},
                        {"usage", rounded(c.usage)}};
    if (c.match >= 0) j["match"] = rounded(c.match);
    candidates.push_back(std::move(j));
  }
  nlohmann::json out = {{"threshold", rounded(selection.threshold)},
                        {"candidates", std::move(candidates)}};
  if (selection.best_local >= 0) out["best_local"] = rounded(selection.best_local);
  if (selection.source == "local") out["confirmed_by_source"] = selection.confirmed;
  return out;
}

}  // namespace onemcp::orchestrator
