// SqlConnection over one sqlite3 handle: WAL journal, a busy timeout so that another
// process's writer is waited for, foreign keys on. Statements are prepared per call.
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>

#include "sql_connection.h"

struct sqlite3;

namespace onemcp::registry {

class SqliteConnection final : public SqlConnection {
 public:
  // path ":memory:" for a private in-memory database.
  static Result<std::unique_ptr<SqliteConnection>> open(const std::string& path,
                                                        std::chrono::milliseconds busy_timeout);
  ~SqliteConnection() override;
  SqliteConnection(const SqliteConnection&) = delete;
  SqliteConnection& operator=(const SqliteConnection&) = delete;

  [[nodiscard]] Dialect dialect() const override { return Dialect::kSqlite; }
  Result<SqlRows> query(std::string_view sql, const SqlParams& params) override;
  Result<void> script(std::string_view sql) override;
  Result<void> begin(bool write) override;
  Result<void> commit() override;
  void rollback() override;

 private:
  explicit SqliteConnection(sqlite3* db) : db_(db) {}
  Error lastError(std::string_view what) const;

  sqlite3* db_;
};

}  // namespace onemcp::registry
