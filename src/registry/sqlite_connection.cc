#include "sqlite_connection.h"

#include <sqlite3.h>

#include <cctype>

namespace onemcp::registry {
namespace {

// SQLite numbers parameters ?NNN; the shared SQL writes PostgreSQL's $NNN.
std::string toSqlitePlaceholders(std::string_view sql) {
  std::string out;
  out.reserve(sql.size());
  for (std::size_t i = 0; i < sql.size(); ++i) {
    const bool placeholder = sql[i] == '$' && i + 1 < sql.size() &&
                             std::isdigit(static_cast<unsigned char>(sql[i + 1])) != 0;
    out.push_back(placeholder ? '?' : sql[i]);
  }
  return out;
}

struct StatementCloser {
  void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
};
using Statement = std::unique_ptr<sqlite3_stmt, StatementCloser>;

int bindParam(sqlite3_stmt* stmt, int index, const SqlParam& param) {
  if (std::holds_alternative<std::nullptr_t>(param)) return sqlite3_bind_null(stmt, index);
  if (const auto* i = std::get_if<std::int64_t>(&param)) return sqlite3_bind_int64(stmt, index, *i);
  if (const auto* s = std::get_if<std::string>(&param)) {
    return sqlite3_bind_text64(stmt, index, s->data(), s->size(), SQLITE_TRANSIENT, SQLITE_UTF8);
  }
  const auto& b = std::get<Blob>(param).bytes;
  return sqlite3_bind_blob64(stmt, index, b.data(), b.size(), SQLITE_TRANSIENT);
}

std::optional<std::string> columnValue(sqlite3_stmt* stmt, int col) {
  if (sqlite3_column_type(stmt, col) == SQLITE_NULL) return std::nullopt;
  if (sqlite3_column_type(stmt, col) == SQLITE_BLOB) {
    const auto* p = static_cast<const char*>(sqlite3_column_blob(stmt, col));
    return std::string(p == nullptr ? "" : p,
                       static_cast<std::size_t>(sqlite3_column_bytes(stmt, col)));
  }
  const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt, col));
  return std::string(p == nullptr ? "" : p,
                     static_cast<std::size_t>(sqlite3_column_bytes(stmt, col)));
}

}  // namespace

Result<std::unique_ptr<SqliteConnection>> SqliteConnection::open(
    const std::string& path, std::chrono::milliseconds busy_timeout) {
  sqlite3* db = nullptr;
  const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  if (sqlite3_open_v2(path.c_str(), &db, flags, nullptr) != SQLITE_OK) {
    std::string msg = db != nullptr ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close(db);
    return fail(ErrorCode::kIo, "cannot open SQLite database '" + path + "': " + msg);
  }
  std::unique_ptr<SqliteConnection> conn(new SqliteConnection(db));
  sqlite3_busy_timeout(db, static_cast<int>(busy_timeout.count()));
  // WAL: readers do not block the writer; NORMAL sync is durable across app crashes.
  auto ok = conn->script(
      "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
      "PRAGMA foreign_keys=ON;");
  if (!ok) return fail(ok.error().wrap("configuring SQLite database '" + path + "'"));
  return conn;
}

SqliteConnection::~SqliteConnection() { sqlite3_close_v2(db_); }

Error SqliteConnection::lastError(std::string_view what) const {
  const int code = sqlite3_errcode(db_);
  const ErrorCode ec = (code == SQLITE_BUSY || code == SQLITE_LOCKED) ? ErrorCode::kUnavailable
                       : code == SQLITE_CONSTRAINT                    ? ErrorCode::kInvalidInput
                                                                      : ErrorCode::kIo;
  return Error(ec, "SQLite: " + std::string(what) + ": " + sqlite3_errmsg(db_));
}

Result<SqlRows> SqliteConnection::query(std::string_view sql, const SqlParams& params) {
  const std::string text = toSqlitePlaceholders(sql);
  sqlite3_stmt* raw = nullptr;
  if (sqlite3_prepare_v2(db_, text.c_str(), static_cast<int>(text.size()), &raw, nullptr) !=
      SQLITE_OK) {
    return fail(lastError("preparing statement"));
  }
  Statement stmt(raw);
  for (std::size_t i = 0; i < params.size(); ++i) {
    if (bindParam(raw, static_cast<int>(i + 1), params[i]) != SQLITE_OK) {
      return fail(lastError("binding parameter " + std::to_string(i + 1)));
    }
  }
  SqlRows rows;
  const int cols = sqlite3_column_count(raw);
  for (;;) {
    const int rc = sqlite3_step(raw);
    if (rc == SQLITE_DONE) break;
    if (rc != SQLITE_ROW) return fail(lastError("running statement"));
    SqlRow row;
    row.reserve(static_cast<std::size_t>(cols));
    for (int c = 0; c < cols; ++c) row.push_back(columnValue(raw, c));
    rows.push_back(std::move(row));
  }
  return rows;
}

Result<void> SqliteConnection::script(std::string_view sql) {
  char* err = nullptr;
  const std::string text(sql);
  if (sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err != nullptr ? err : "unknown error";
    sqlite3_free(err);
    return fail(ErrorCode::kIo, "SQLite: " + msg);
  }
  return {};
}

Result<void> SqliteConnection::begin(bool write) {
  // IMMEDIATE takes the write lock up front, so two writers never deadlock upgrading.
  return script(write ? "BEGIN IMMEDIATE" : "BEGIN DEFERRED");
}

Result<void> SqliteConnection::commit() { return script("COMMIT"); }

void SqliteConnection::rollback() {
  if (sqlite3_get_autocommit(db_) == 0) (void)script("ROLLBACK");
}

}  // namespace onemcp::registry
