#include "onemcp/registry/registry_search.h"

#include <algorithm>
#include <condition_variable>
#include <nlohmann/json.hpp>
#include <set>
#include <utility>

#include "onemcp/common/log.h"
#include "onemcp/search/catalog.h"

namespace onemcp::registry {
namespace {

using Json = nlohmann::json;

void appendWord(std::string& out, std::string_view word) {
  if (word.empty()) return;
  if (!out.empty()) out += ' ';
  out += word;
}

// Category, tags and package identifiers: words a task may name that the description
// does not ("sqlite", "@modelcontextprotocol/server-filesystem").
std::string keywordsOf(const ServerRecord& s) {
  std::string out;
  const Json meta = Json::parse(s.meta_json, nullptr, false);
  if (meta.is_object()) {
    for (const char* key : {"category", "config_key"}) {
      if (meta.contains(key) && meta[key].is_string())
        appendWord(out, meta[key].get<std::string>());
    }
    if (meta.contains("tags") && meta["tags"].is_array()) {
      for (const auto& t : meta["tags"]) {
        if (t.is_string()) appendWord(out, t.get<std::string>());
      }
    }
  }
  const Json packages = Json::parse(s.packages_json, nullptr, false);
  if (packages.is_array()) {
    for (const auto& p : packages) {
      if (p.is_object() && p.contains("identifier") && p["identifier"].is_string()) {
        appendWord(out, p["identifier"].get<std::string>());
      }
    }
  }
  return out;
}

std::string paramsOf(const ToolRecord& t) {
  const Json def = Json::parse(t.definition_json, nullptr, false);
  if (!def.is_object() || !def.contains("inputSchema")) return "";
  return search::schemaText(def["inputSchema"].dump());
}

search::ServerEntry serverEntry(const ServerRecord& s) {
  search::ServerEntry e;
  e.id = s.id;
  e.name = s.name;
  if (!s.title.empty() && s.title != s.name) e.name += " " + s.title;
  e.description = s.description;
  e.keywords = keywordsOf(s);
  return e;
}

bool hasWord(std::string_view text) {
  return std::any_of(text.begin(), text.end(),
                     [](char c) { return c != ' ' && c != '\t' && c != '\n' && c != '\r'; });
}

}  // namespace

Result<std::shared_ptr<const CatalogSnapshot>> CatalogSnapshot::build(
    std::vector<IndexedServer> servers, std::int64_t version,
    std::shared_ptr<const search::Encoder> encoder, const search::IndexConfig& config) {
  std::shared_ptr<CatalogSnapshot> snap(new CatalogSnapshot());
  search::Catalog catalog;
  catalog.servers.reserve(servers.size());
  snap->side_.reserve(servers.size());
  for (auto& s : servers) {
    const auto index = catalog.addServer(serverEntry(s.server));
    for (const auto& t : s.tools) {
      catalog.addTool({s.server.id + "::" + t.name, index, t.name, t.description, paramsOf(t)});
    }
    snap->counts_.tools += s.tools.size();
    if (s.verified) ++snap->counts_.verified;
    snap->side_.push_back({std::move(s.server.name), std::move(s.server.title),
                           std::move(s.server.source), s.verified, std::move(s.server.flags),
                           !s.tools.empty()});
  }
  snap->counts_.servers = servers.size();
  snap->counts_.version = version;
  auto index = search::SearchIndex::build(std::move(catalog), std::move(encoder), config);
  if (!index) return fail(std::move(index).error().wrap("building the search index"));
  snap->index_ = std::move(*index);
  return std::shared_ptr<const CatalogSnapshot>(std::move(snap));
}

bool CatalogSnapshot::passes(std::uint32_t server, const SearchFilters& filters) const {
  const Side& s = side_[server];
  if (filters.verified_only && !s.verified) return false;
  if (!filters.include_flagged && !s.flags.empty()) return false;
  if (filters.with_tools_only && !s.has_tools) return false;
  if (!filters.sources.empty() && std::find(filters.sources.begin(), filters.sources.end(),
                                            s.source) == filters.sources.end()) {
    return false;
  }
  return true;
}

ServerMatch CatalogSnapshot::describe(std::uint32_t server, float score,
                                      const std::vector<float>& tool_scores,
                                      std::size_t max_tools) const {
  const auto& cat = index_->catalog();
  const auto& entry = cat.servers[server];
  const Side& side = side_[server];
  ServerMatch m;
  m.id = entry.id;
  m.name = side.name;
  m.title = side.title;
  m.description = entry.description;
  m.source = side.source;
  m.score = score;
  m.verified = side.verified;
  m.flags = side.flags;
  std::vector<std::uint32_t> tools;
  for (const auto t : entry.tools) {
    if (tool_scores[t] > 0.0F) tools.push_back(t);
  }
  const auto n = std::min(max_tools, tools.size());
  std::partial_sort(tools.begin(), tools.begin() + static_cast<std::ptrdiff_t>(n), tools.end(),
                    [&](std::uint32_t a, std::uint32_t b) {
                      return tool_scores[a] != tool_scores[b] ? tool_scores[a] > tool_scores[b]
                                                              : a < b;
                    });
  for (std::size_t i = 0; i < n; ++i) {
    const auto& t = cat.tools[tools[i]];
    m.tools.push_back({t.name, t.description, tool_scores[tools[i]]});
  }
  return m;
}

Result<RegistryAnswer> CatalogSnapshot::search(const RegistryQuery& query) const {
  if (!hasWord(query.text)) return fail(ErrorCode::kInvalidInput, "the query is empty");
  // One scoring pass gives both rankings: servers (lifted by their tools' evidence, as
  // SearchIndex::search ranks them) and the tools listed under each server.
  search::QueryOptions options;
  auto scores = index_->score(query.text, options);
  if (!scores) return fail(std::move(scores).error());
  std::vector<std::uint32_t> candidates;
  for (std::uint32_t s = 0; s < scores->servers.size(); ++s) {
    if (scores->servers[s] > 0.0F && passes(s, query.filters)) candidates.push_back(s);
  }
  const auto n = std::min(query.k, candidates.size());
  const auto& ss = scores->servers;
  std::partial_sort(
      candidates.begin(), candidates.begin() + static_cast<std::ptrdiff_t>(n), candidates.end(),
      [&](std::uint32_t a, std::uint32_t b) { return ss[a] != ss[b] ? ss[a] > ss[b] : a < b; });
  RegistryAnswer answer;
  answer.catalog_version = counts_.version;
  for (std::size_t i = 0; i < n; ++i) {
    answer.servers.push_back(
        describe(candidates[i], ss[candidates[i]], scores->tools, query.tools_per_server));
  }
  return answer;
}

RegistrySearch::RegistrySearch(CatalogStore& store, std::shared_ptr<const search::Encoder> encoder,
                               RegistrySearchOptions options)
    : store_(store), encoder_(std::move(encoder)), options_(std::move(options)) {}

Result<void> RegistrySearch::loadOne(const std::string& id) {
  auto server = store_.getServer(id);
  if (!server) {
    if (server.error().code != ErrorCode::kNotFound) return fail(std::move(server).error());
    loaded_.erase(id);
    return {};
  }
  IndexedServer entry;
  entry.server = std::move(*server);
  auto tools = store_.listTools(id);
  if (!tools) return fail(std::move(tools).error());
  entry.tools = std::move(*tools);
  auto verification = store_.latestVerification(id);
  if (verification) {
    entry.verified = verification->outcome == VerifyOutcome::kVerified;
    entry.verification = std::string(verifyOutcomeName(verification->outcome));
  } else if (verification.error().code != ErrorCode::kNotFound) {
    return fail(std::move(verification).error());
  }
  loaded_[id] = std::move(entry);
  return {};
}

Result<void> RegistrySearch::loadAll(std::int64_t version) {
  loaded_.clear();
  PageRequest page{options_.page_size, ""};
  do {
    auto servers = store_.listServers(page);
    if (!servers) return fail(std::move(servers).error());
    for (const auto& s : servers->servers) ONEMCP_TRY(loadOne(s.id));
    page.cursor = servers->next_cursor;
  } while (!page.cursor.empty());
  loaded_version_ = version;
  return {};
}

// Reads the change log since loaded_version_; reloads the servers it names.
Result<bool> RegistrySearch::loadChanges() {
  std::set<std::string> ids;
  std::int64_t version = loaded_version_;
  for (;;) {
    auto batch = store_.changesSince(version, 1000);
    if (!batch) return fail(std::move(batch).error());
    for (const auto& c : batch->changes) {
      if (c.kind != ChangeKind::kEmbedding) ids.insert(c.entity_id);
      version = c.version;
    }
    if (batch->changes.empty() || version >= batch->current_version) {
      version = std::max(version, batch->current_version);
      break;
    }
  }
  if (version == loaded_version_) return false;
  if (ids.size() > options_.max_incremental) {
    ONEMCP_TRY(loadAll(version));
    return true;
  }
  for (const auto& id : ids) ONEMCP_TRY(loadOne(id));
  loaded_version_ = version;
  return true;
}

Result<bool> RegistrySearch::refresh() {
  std::lock_guard lock(refresh_mu_);
  if (loaded_version_ < 0) {
    // The version is read first: changes that land during the load are read again by
    // the next refresh (reloading a server is idempotent), never missed.
    auto version = store_.currentVersion();
    if (!version) return fail(std::move(version).error());
    ONEMCP_TRY(loadAll(*version));
  } else {
    auto changed = loadChanges();
    if (!changed) return fail(std::move(changed).error());
    if (!*changed && current_.load() != nullptr) return false;
  }
  std::vector<IndexedServer> servers;
  servers.reserve(loaded_.size());
  for (const auto& [id, s] : loaded_) servers.push_back(s);
  auto snap = CatalogSnapshot::build(std::move(servers), loaded_version_, encoder_, options_.index);
  if (!snap) return fail(std::move(snap).error());
  current_.store(std::move(*snap));
  return true;
}

Result<RegistryAnswer> RegistrySearch::search(const RegistryQuery& query) const {
  const auto snap = current_.load();
  if (!snap) return fail(ErrorCode::kUnavailable, "the search index is not built yet");
  return snap->search(query);
}

SearchRefresher::SearchRefresher(RegistrySearch& search, std::chrono::milliseconds interval)
    : search_(search), interval_(interval), thread_([this](std::stop_token st) { run(st); }) {}

SearchRefresher::~SearchRefresher() {
  thread_.request_stop();
  thread_.join();
}

void SearchRefresher::run(const std::stop_token& stop) {
  std::mutex mu;
  std::condition_variable_any wake;
  std::unique_lock lock(mu);
  while (!stop.stop_requested()) {
    // Waits out the interval, or returns at once when stop is requested.
    if (wake.wait_for(lock, stop, interval_, [] { return false; })) break;
    if (stop.stop_requested()) break;
    auto refreshed = search_.refresh();
    if (!refreshed) log::warn("search refresh failed: {}", refreshed.error().toString());
  }
}

}  // namespace onemcp::registry
