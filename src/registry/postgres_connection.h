// SqlConnection over one libpqxx connection. pqxx exceptions stop here and become
// Errors with the server's message; a broken connection is reported as unavailable.
#pragma once

#include <memory>
#include <string>

#include "sql_connection.h"

namespace onemcp::registry {

class PostgresConnection final : public SqlConnection {
 public:
  // url: a libpq connection URI, "postgresql://user@host:port/db?options=…".
  static Result<std::unique_ptr<PostgresConnection>> open(const std::string& url);
  ~PostgresConnection() override;
  PostgresConnection(const PostgresConnection&) = delete;
  PostgresConnection& operator=(const PostgresConnection&) = delete;

  [[nodiscard]] Dialect dialect() const override { return Dialect::kPostgres; }
  Result<SqlRows> query(std::string_view sql, const SqlParams& params) override;
  Result<void> script(std::string_view sql) override;
  Result<void> begin(bool write) override;
  Result<void> commit() override;
  void rollback() override;

 private:
  struct State;  // the pqxx connection and open transaction; keeps pqxx out of headers
  explicit PostgresConnection(std::unique_ptr<State> state);

  std::unique_ptr<State> state_;
};

}  // namespace onemcp::registry
