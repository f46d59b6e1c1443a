// The registry's catalogue store: servers, run specs, verification records, tools,
// embeddings, the crawl job queue and a change version readers poll. One interface,
// two implementations (SQLite, the embedded default; PostgreSQL, shared by replicas),
// one schema applied by versioned migrations when a store is opened.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "onemcp/common/clock.h"
#include "onemcp/common/result.h"
#include "onemcp/registry/records.h"

namespace onemcp::registry {

class CatalogStore {
 public:
  virtual ~CatalogStore() = default;

  // "sqlite" or "postgresql".
  [[nodiscard]] virtual std::string backend() const = 0;
  // Versions of the migrations applied, ascending.
  virtual Result<std::vector<int>> appliedMigrations() = 0;
  // Applies any migration not yet applied (open() already does; safe to repeat).
  virtual Result<void> migrate() = 0;

  // Servers. An upsert whose content equals the stored row changes nothing (no new
  // change version), which makes re-importing a catalogue idempotent.
  virtual Result<UpsertOutcome> upsertServer(const ServerRecord& server) = 0;
  virtual Result<ServerRecord> getServer(const std::string& id) = 0;
  virtual Result<ServerPage> listServers(const PageRequest& request) = 0;
  virtual Result<std::int64_t> countServers() = 0;
  virtual Result<void> removeServer(const std::string& id) = 0;

  // Run specs: one JSON document per server.
  virtual Result<void> putRunSpec(const RunSpecRecord& spec) = 0;
  virtual Result<RunSpecRecord> getRunSpec(const std::string& server_id) = 0;

  // Verification history; the latest one is the server's state.
  virtual Result<std::int64_t> addVerification(const VerificationRecord& record) = 0;
  virtual Result<VerificationRecord> latestVerification(const std::string& server_id) = 0;

  // Tools: a server's whole tool set, replaced at once (as tools/list returns it).
  virtual Result<void> replaceTools(const std::string& server_id,
                                    const std::vector<ToolRecord>& tools) = 0;
  virtual Result<std::vector<ToolRecord>> listTools(const std::string& server_id) = 0;

  // Embeddings of a server's or a tool's text, one per model.
  virtual Result<void> putEmbedding(const EmbeddingRecord& embedding) = 0;
  virtual Result<EmbeddingRecord> getEmbedding(EmbeddingOwner owner, const std::string& owner_id,
                                               const std::string& model_id) = 0;
  // Every embedding of one model and owner kind, a page at a time (index rebuilds).
  virtual Result<EmbeddingPage> listEmbeddings(EmbeddingOwner owner, const std::string& model_id,
                                               const PageRequest& request) = 0;

  // Crawl jobs. enqueue: a job with the same (kind, target) that is still queued or
  // leased is returned as is; a finished one is queued again. claim: the oldest due job,
  // or one whose lease expired (its worker died); never the same job to two workers.
  // complete/fail/renew need the lease the worker holds; fail re-queues with back-off
  // until max_attempts, then marks the job failed.
  virtual Result<std::int64_t> enqueueJob(const JobRequest& request) = 0;
  virtual Result<std::optional<CrawlJob>> claimJob(const ClaimRequest& request) = 0;
  virtual Result<void> renewLease(std::int64_t job_id, const std::string& worker,
                                  std::chrono::milliseconds lease) = 0;
  virtual Result<void> completeJob(std::int64_t job_id, const std::string& worker) = 0;
  virtual Result<void> failJob(std::int64_t job_id, const std::string& worker,
                               const std::string& reason) = 0;
  virtual Result<CrawlJob> getJob(std::int64_t job_id) = 0;

  // Change version: increases with every committed change, in commit order.
  virtual Result<std::int64_t> currentVersion() = 0;
  virtual Result<ChangeBatch> changesSince(std::int64_t version, int limit) = 0;

  // Small key/value settings (e.g. which seed was imported).
  virtual Result<std::optional<std::string>> getMeta(const std::string& key) = 0;
  virtual Result<void> putMeta(const std::string& key, const std::string& value) = 0;
};

struct StoreOptions {
  StoreLimits limits;
  JobPolicy jobs;
};

// SQLite at path (":memory:" for a private in-memory database): WAL journal, a busy
// timeout for other processes' writers; one connection serialized within the process.
Result<std::unique_ptr<CatalogStore>> openSqliteCatalogStore(const std::string& path,
                                                             const Clock& clock,
                                                             const StoreOptions& options = {});
// PostgreSQL at a libpq URI; one connection per store (open one store per worker).
Result<std::unique_ptr<CatalogStore>> openPostgresCatalogStore(const std::string& url,
                                                               const Clock& clock,
                                                               const StoreOptions& options = {});

// Opens a store from a URL: "sqlite:PATH", "sqlite::memory:", "postgresql://..." or
// "postgres://...". Applies migrations. The clock must outlive the store.
Result<std::unique_ptr<CatalogStore>> openCatalogStore(const std::string& url, const Clock& clock,
                                                       const StoreOptions& options = {});

}  // namespace onemcp::registry
