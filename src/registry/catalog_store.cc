#include "onemcp/registry/catalog_store.h"

#include "migrations.h"
#include "postgres_connection.h"
#include "sql_catalog_store.h"
#include "sqlite_connection.h"

namespace onemcp::registry {
namespace {

constexpr std::chrono::milliseconds kSqliteBusyTimeout{10000};

class SqliteCatalogStore final : public SqlCatalogStore {
 public:
  using SqlCatalogStore::SqlCatalogStore;
  [[nodiscard]] std::string backend() const override { return "sqlite"; }
};

class PostgresCatalogStore final : public SqlCatalogStore {
 public:
  using SqlCatalogStore::SqlCatalogStore;
  [[nodiscard]] std::string backend() const override { return "postgresql"; }
};

template <typename Store>
Result<std::unique_ptr<CatalogStore>> finishOpen(std::unique_ptr<SqlConnection> conn,
                                                 const Clock& clock, const StoreOptions& options) {
  auto store = std::make_unique<Store>(std::move(conn), clock, options);
  ONEMCP_TRY(store->migrate());
  return std::unique_ptr<CatalogStore>(std::move(store));
}

}  // namespace

Result<std::unique_ptr<CatalogStore>> openSqliteCatalogStore(const std::string& path,
                                                             const Clock& clock,
                                                             const StoreOptions& options) {
  auto conn = SqliteConnection::open(path, kSqliteBusyTimeout);
  if (!conn) return fail(std::move(conn).error());
  return finishOpen<SqliteCatalogStore>(std::move(conn).value(), clock, options);
}

Result<std::unique_ptr<CatalogStore>> openPostgresCatalogStore(const std::string& url,
                                                               const Clock& clock,
                                                               const StoreOptions& options) {
  auto conn = PostgresConnection::open(url);
  if (!conn) return fail(std::move(conn).error());
  return finishOpen<PostgresCatalogStore>(std::move(conn).value(), clock, options);
}

Result<std::unique_ptr<CatalogStore>> openCatalogStore(const std::string& url, const Clock& clock,
                                                       const StoreOptions& options) {
  if (url.rfind("postgresql://", 0) == 0 || url.rfind("postgres://", 0) == 0) {
    return openPostgresCatalogStore(url, clock, options);
  }
  if (url.rfind("sqlite:", 0) == 0) {
    const std::string path = url.substr(7);
    if (path.empty()) return fail(ErrorCode::kInvalidParams, "database URL 'sqlite:' has no path");
    return openSqliteCatalogStore(path, clock, options);
  }
  return fail(ErrorCode::kInvalidParams,
              "unknown database URL '" + url +
                  "': expected sqlite:PATH, sqlite::memory: or postgresql://USER@HOST:PORT/DB");
}

}  // namespace onemcp::registry
