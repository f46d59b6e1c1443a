// A minimal SQL session that both stores speak: text statements with $1..$n parameters,
// rows of optional text, explicit transactions. The catalogue logic is written once
// against it (sql_catalog_store.cc); only the dialect's few differences live apart.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "onemcp/common/result.h"

namespace onemcp::registry {

enum class Dialect { kSqlite, kPostgres };

// Raw bytes, bound as a BLOB (SQLite) or passed hex-encoded for decode($n,'hex') (PG).
struct Blob {
  std::string bytes;
};

using SqlParam = std::variant<std::nullptr_t, std::int64_t, std::string, Blob>;
using SqlParams = std::vector<SqlParam>;
using SqlRow = std::vector<std::optional<std::string>>;
using SqlRows = std::vector<SqlRow>;

// Not thread-safe: the store that owns one serializes its use.
class SqlConnection {
 public:
  virtual ~SqlConnection() = default;
  [[nodiscard]] virtual Dialect dialect() const = 0;
  // Runs one statement; rows come back as text (blobs as raw bytes, see blobColumn).
  virtual Result<SqlRows> query(std::string_view sql, const SqlParams& params = {}) = 0;
  // Runs several statements without parameters (migrations).
  virtual Result<void> script(std::string_view sql) = 0;
  // write: take the write lock now (SQLite BEGIN IMMEDIATE); PG always BEGIN.
  virtual Result<void> begin(bool write) = 0;
  virtual Result<void> commit() = 0;
  virtual void rollback() = 0;
};

// SQL fragments that differ between the dialects.
struct DialectSql {
  Dialect dialect;
  // An expression reading a blob column so that query() returns its raw bytes.
  [[nodiscard]] std::string blobColumn(std::string_view column) const {
    return dialect == Dialect::kPostgres ? "encode(" + std::string(column) + ", 'hex')"
                                         : std::string(column);
  }
  // A placeholder for a Blob parameter.
  [[nodiscard]] std::string blobParam(int n) const {
    return dialect == Dialect::kPostgres ? "decode($" + std::to_string(n) + ", 'hex')"
                                         : "$" + std::to_string(n);
  }
  // Row locking for a queue claim; SQLite's write transaction already excludes others.
  [[nodiscard]] std::string_view skipLocked() const {
    return dialect == Dialect::kPostgres ? " FOR UPDATE SKIP LOCKED" : "";
  }
  // Decodes what blobColumn() returned.
  [[nodiscard]] std::string decodeBlob(const std::string& value) const;
};

}  // namespace onemcp::registry
