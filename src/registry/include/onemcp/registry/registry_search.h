// "Which servers fit this task": the hybrid search index (onemcp::search) built over
// the catalogue's servers and their known or verified tools, servers ranked from their
// own text and their tools' evidence, each answer listing the server's matching tools.
// Queries read an immutable snapshot; refresh() builds the next one aside and swaps it in.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

#include "onemcp/common/result.h"
#include "onemcp/registry/catalog_store.h"
#include "onemcp/search/encoder.h"
#include "onemcp/search/search_index.h"

namespace onemcp::registry {

// What the index needs of one server, as loaded from the store.
struct IndexedServer {
  ServerRecord server;
  std::vector<ToolRecord> tools;
  bool verified = false;     // the latest verification's outcome is "verified"
  std::string verification;  // that outcome's name; "" when never verified
};

struct SearchFilters {
  bool verified_only = false;
  bool include_flagged = false;      // servers the description scan flagged are left out
  bool with_tools_only = false;      // only servers whose tools are known
  std::vector<std::string> sources;  // any of these source labels; empty: all
};

struct RegistryQuery {
  std::string text;
  std::size_t k = 10;                // servers returned
  std::size_t tools_per_server = 5;  // matching tools listed per server
  SearchFilters filters;
};

struct ToolMatch {
  std::string name;
  std::string description;
  float score = 0.0F;
};

struct ServerMatch {
  std::string id;
  std::string name;
  std::string title;
  std::string description;
  std::string source;
  float score = 0.0F;
  bool verified = false;
  std::vector<std::string> flags;
  std::vector<ToolMatch> tools;  // best first; only tools with evidence for the query
};

struct RegistryAnswer {
  std::vector<ServerMatch> servers;  // best first
  std::int64_t catalog_version = 0;  // the store version the snapshot was built at
};

struct CatalogCounts {
  std::size_t servers = 0;
  std::size_t tools = 0;
  std::size_t verified = 0;
  std::int64_t version = 0;
};

// One immutable index over a set of servers. Thread-safe; never changes once built.
class CatalogSnapshot {
 public:
  // `encoder` may be null (lexical search only).
  static Result<std::shared_ptr<const CatalogSnapshot>> build(
      std::vector<IndexedServer> servers, std::int64_t version,
      std::shared_ptr<const search::Encoder> encoder, const search::IndexConfig& config = {});

  // Empty list (not an error) when nothing matches; kInvalidInput for an empty query.
  [[nodiscard]] Result<RegistryAnswer> search(const RegistryQuery& query) const;
  [[nodiscard]] const CatalogCounts& counts() const { return counts_; }

 private:
  struct Side {  // per server, parallel to the index's catalogue
    std::string name;
    std::string title;
    std::string source;
    bool verified = false;
    std::vector<std::string> flags;
    bool has_tools = false;
  };
  CatalogSnapshot() = default;
  [[nodiscard]] bool passes(std::uint32_t server, const SearchFilters& filters) const;
  [[nodiscard]] ServerMatch describe(std::uint32_t server, float score,
                                     const std::vector<float>& tool_scores,
                                     std::size_t max_tools) const;

  std::shared_ptr<const search::SearchIndex> index_;
  std::vector<Side> side_;
  CatalogCounts counts_;
};

struct RegistrySearchOptions {
  search::IndexConfig index;
  // A refresh that sees more changed servers than this reloads everything instead.
  std::size_t max_incremental = 5000;
  int page_size = 500;  // servers per store page on a full load
};

// Keeps the current snapshot of a store and refreshes it from the store's change version.
// Threads: any number of search() callers; refresh() from one thread at a time (a
// second caller waits for the first). Readers never take refresh_mu_: they load the
// current snapshot pointer (an atomic shared_ptr) and keep it alive while they use it.
class RegistrySearch {
 public:
  // The store must outlive this object; its calls are serialized by the store itself.
  RegistrySearch(CatalogStore& store, std::shared_ptr<const search::Encoder> encoder,
                 RegistrySearchOptions options = {});

  // Loads what changed since the last refresh (everything the first time) and publishes
  // a new snapshot when anything did. Returns whether a new snapshot was published.
  Result<bool> refresh();

  // kUnavailable before the first snapshot is published.
  [[nodiscard]] Result<RegistryAnswer> search(const RegistryQuery& query) const;
  [[nodiscard]] std::shared_ptr<const CatalogSnapshot> snapshot() const { return current_.load(); }
  // Swaps in a snapshot built elsewhere (benchmarks, tests).
  void publish(std::shared_ptr<const CatalogSnapshot> snapshot) {
    current_.store(std::move(snapshot));
  }

 private:
  Result<void> loadAll(std::int64_t version);
  Result<bool> loadChanges();
  Result<void> loadOne(const std::string& id);

  CatalogStore& store_;
  std::shared_ptr<const search::Encoder> encoder_;
  RegistrySearchOptions options_;
  std::mutex refresh_mu_;
  std::map<std::string, IndexedServer> loaded_;  // guarded by refresh_mu_
  std::int64_t loaded_version_ = -1;             // guarded by refresh_mu_; -1: nothing yet
  std::atomic<std::shared_ptr<const CatalogSnapshot>> current_;
};

// Calls refresh() every `interval` on its own thread until destroyed (a failed refresh
// is logged and the old snapshot stays). The first refresh is the caller's to make.
class SearchRefresher {
 public:
  SearchRefresher(RegistrySearch& search, std::chrono::milliseconds interval);
  ~SearchRefresher();  // stops and joins
  SearchRefresher(const SearchRefresher&) = delete;
  SearchRefresher& operator=(const SearchRefresher&) = delete;

 private:
  void run(const std::stop_token& stop);

  RegistrySearch& search_;
  std::chrono::milliseconds interval_;
  std::jthread thread_;  // last: starts after the members it reads are set
};

}  // namespace onemcp::registry
