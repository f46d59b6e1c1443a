// The catalogue schema as an ordered list of migrations, written once with a few
// dialect tokens. A store applies the missing ones at open, inside one transaction
// guarded against concurrent openers; applying them again changes nothing.
#pragma once

#include <string>
#include <vector>

#include "sql_connection.h"

namespace onemcp::registry {

struct Migration {
  int version;
  std::string name;
  std::string sql;  // statements separated by ';', with {{ID}} and {{BLOB}} tokens
};

const std::vector<Migration>& catalogMigrations();

// The migration's SQL for one dialect.
std::string migrationSql(const Migration& migration, Dialect dialect);

// Applies every migration not yet recorded in schema_migrations. now_ms stamps them.
Result<void> applyMigrations(SqlConnection& conn, std::int64_t now_ms);

// Versions recorded in schema_migrations, ascending.
Result<std::vector<int>> readAppliedMigrations(SqlConnection& conn);

}  // namespace onemcp::registry
