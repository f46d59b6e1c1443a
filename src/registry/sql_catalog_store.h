// The catalogue logic written once over SqlConnection; SqliteCatalogStore and
// PostgresCatalogStore (catalog_store.cc) only choose the connection and the name.
// Concurrency: one connection per store, every call holds mu_ for its transaction.
// Between stores (processes, replicas) catalogue writers serialize on the
// catalog_state row (PostgreSQL) or the database write lock (SQLite), so change
// versions commit in order; job claims use row locks with SKIP LOCKED instead.
#pragma once

#include <memory>
#include <mutex>

#include "onemcp/registry/catalog_store.h"
#include "sql_connection.h"

namespace onemcp::registry {

class SqlCatalogStore : public CatalogStore {
 public:
  SqlCatalogStore(std::unique_ptr<SqlConnection> conn, const Clock& clock, StoreOptions options);

  Result<std::vector<int>> appliedMigrations() override;
  Result<void> migrate() override;

  Result<UpsertOutcome> upsertServer(const ServerRecord& server) override;
  Result<ServerRecord> getServer(const std::string& id) override;
  Result<ServerPage> listServers(const PageRequest& request) override;
  Result<std::int64_t> countServers() override;
  Result<void> removeServer(const std::string& id) override;

  Result<void> putRunSpec(const RunSpecRecord& spec) override;
  Result<RunSpecRecord> getRunSpec(const std::string& server_id) override;
  Result<std::int64_t> addVerification(const VerificationRecord& record) override;
  Result<VerificationRecord> latestVerification(const std::string& server_id) override;
  Result<void> replaceTools(const std::string& server_id,
                            const std::vector<ToolRecord>& tools) override;
  Result<std::vector<ToolRecord>> listTools(const std::string& server_id) override;
  Result<void> putEmbedding(const EmbeddingRecord& embedding) override;
  Result<EmbeddingRecord> getEmbedding(EmbeddingOwner owner, const std::string& owner_id,
                                       const std::string& model_id) override;
  Result<EmbeddingPage> listEmbeddings(EmbeddingOwner owner, const std::string& model_id,
                                       const PageRequest& request) override;

  Result<std::int64_t> enqueueJob(const JobRequest& request) override;
  Result<std::optional<CrawlJob>> claimJob(const ClaimRequest& request) override;
  Result<void> renewLease(std::int64_t job_id, const std::string& worker,
                          std::chrono::milliseconds lease) override;
  Result<void> completeJob(std::int64_t job_id, const std::string& worker) override;
  Result<void> failJob(std::int64_t job_id, const std::string& worker,
                       const std::string& reason) override;
  Result<CrawlJob> getJob(std::int64_t job_id) override;

  Result<std::int64_t> currentVersion() override;
  Result<ChangeBatch> changesSince(std::int64_t version, int limit) override;
  Result<std::optional<std::string>> getMeta(const std::string& key) override;
  Result<void> putMeta(const std::string& key, const std::string& value) override;

 private:
  // Runs body inside one transaction holding mu_; rolls back when it fails.
  template <typename T, typename Body>
  Result<T> transact(bool write, Body&& body);
  // Catalogue writes: takes the catalogue lock, runs body, which returns whether it
  // changed something; such a change gets the next version (recorded in `changes`).
  Result<std::int64_t> lockCatalog();
  Result<std::int64_t> recordChange(ChangeKind kind, const std::string& entity_id, bool removed);
  Result<void> requireServer(const std::string& id);
  Result<std::optional<CrawlJob>> readJob(std::int64_t job_id, bool for_update);
  Result<CrawlJob> leasedJob(std::int64_t job_id, const std::string& worker);
  [[nodiscard]] std::int64_t nowMs() const;

  std::mutex mu_;
  std::unique_ptr<SqlConnection> conn_;  // guarded by mu_
  const Clock& clock_;
  const StoreOptions options_;
  const DialectSql sql_;
};

template <typename T, typename Body>
Result<T> SqlCatalogStore::transact(bool write, Body&& body) {
  std::lock_guard lock(mu_);
  if (auto begun = conn_->begin(write); !begun) return fail(std::move(begun).error());
  Result<T> result = body();
  if (!result) {
    conn_->rollback();
    return result;
  }
  if (auto committed = conn_->commit(); !committed) {
    conn_->rollback();
    return fail(std::move(committed).error());
  }
  return result;
}

// Row helpers shared by the store's translation units.
std::int64_t toInt(const std::optional<std::string>& field);
std::string toText(const std::optional<std::string>& field);

}  // namespace onemcp::registry
