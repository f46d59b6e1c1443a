#include "migrations.h"

#include <algorithm>

namespace onemcp::registry {
namespace {

// An arbitrary constant shared by every OneMCP process: the advisory lock that
// serializes concurrent migrators on PostgreSQL.
constexpr std::int64_t kMigrationLockKey = 0x6f6e656d6370;

std::string replaceAll(std::string text, std::string_view from, std::string_view to) {
  for (auto pos = text.find(from); pos != std::string::npos;
       pos = text.find(from, pos + to.size())) {
    text.replace(pos, from.size(), to);
  }
  return text;
}

std::vector<Migration> buildMigrations() {
  std::vector<Migration> out;
  out.push_back({1, "catalogue", R"sql(
CREATE TABLE servers (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  title TEXT NOT NULL DEFAULT '',
  description TEXT NOT NULL DEFAULT '',
  source TEXT NOT NULL DEFAULT '',
  version TEXT NOT NULL DEFAULT '',
  versions_json TEXT NOT NULL DEFAULT '[]',
  packages_json TEXT NOT NULL DEFAULT '[]',
  remotes_json TEXT NOT NULL DEFAULT '[]',
  repository TEXT NOT NULL DEFAULT '',
  server_json TEXT NOT NULL,
  meta_json TEXT NOT NULL DEFAULT '{}',
  flags_json TEXT NOT NULL DEFAULT '[]',
  content_hash TEXT NOT NULL,
  change_version BIGINT NOT NULL,
  updated_ms BIGINT NOT NULL
);
CREATE INDEX servers_id_binary ON servers ({{BINARY_ID}});
CREATE TABLE run_specs (
  server_id TEXT PRIMARY KEY REFERENCES servers(id) ON DELETE CASCADE,
  spec_json TEXT NOT NULL,
  source TEXT NOT NULL DEFAULT '',
  updated_ms BIGINT NOT NULL
);
CREATE TABLE verifications (
  id {{ID}},
  server_id TEXT NOT NULL REFERENCES servers(id) ON DELETE CASCADE,
  outcome TEXT NOT NULL,
  reason TEXT NOT NULL DEFAULT '',
  timings_json TEXT NOT NULL DEFAULT '{}',
  tool_hash TEXT NOT NULL DEFAULT '',
  verified_at_ms BIGINT NOT NULL
);
CREATE INDEX verifications_by_server ON verifications (server_id, id);
CREATE TABLE tools (
  server_id TEXT NOT NULL REFERENCES servers(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  position INTEGER NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  definition_json TEXT NOT NULL,
  flags_json TEXT NOT NULL DEFAULT '[]',
  PRIMARY KEY (server_id, name)
);
CREATE TABLE embeddings (
  owner_kind TEXT NOT NULL,
  owner_id TEXT NOT NULL,
  model_id TEXT NOT NULL,
  dims INTEGER NOT NULL,
  vector {{BLOB}} NOT NULL,
  PRIMARY KEY (owner_kind, owner_id, model_id)
);
CREATE TABLE catalog_state (id INTEGER PRIMARY KEY, version BIGINT NOT NULL);
INSERT INTO catalog_state (id, version) VALUES (1, 0);
CREATE TABLE changes (
  version BIGINT PRIMARY KEY,
  kind TEXT NOT NULL,
  entity_id TEXT NOT NULL,
  removed INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)
)sql"});
  out.push_back({2, "crawl jobs", R"sql(
CREATE TABLE crawl_jobs (
  id {{ID}},
  kind TEXT NOT NULL,
  target TEXT NOT NULL,
  payload_json TEXT NOT NULL DEFAULT '{}',
  state TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  max_attempts INTEGER NOT NULL,
  not_before_ms BIGINT NOT NULL,
  lease_owner TEXT NOT NULL DEFAULT '',
  lease_expires_ms BIGINT NOT NULL DEFAULT 0,
  last_error TEXT NOT NULL DEFAULT '',
  created_ms BIGINT NOT NULL,
  updated_ms BIGINT NOT NULL,
  UNIQUE (kind, target)
);
CREATE INDEX crawl_jobs_due ON crawl_jobs (state, not_before_ms, id)
)sql"});
  return out;
}

// Splits on ';' (the migrations hold no ';' inside literals).
std::vector<std::string> statements(const std::string& sql) {
  std::vector<std::string> out;
  std::size_t start = 0;
  for (;;) {
    const auto end = sql.find(';', start);
    std::string stmt =
        sql.substr(start, end == std::string::npos ? std::string::npos : end - start);
    if (stmt.find_first_not_of(" \n\t") != std::string::npos) out.push_back(std::move(stmt));
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return out;
}

Result<void> applyMissing(SqlConnection& conn, std::int64_t now_ms) {
  if (conn.dialect() == Dialect::kPostgres) {
    ONEMCP_TRY(conn.query("SELECT pg_advisory_xact_lock($1)", {kMigrationLockKey}));
  }
  ONEMCP_TRY(
      conn.query("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY "
                 "KEY, name TEXT NOT NULL, applied_ms BIGINT NOT NULL)"));
  auto applied = readAppliedMigrations(conn);
  if (!applied) return fail(std::move(applied).error());
  for (const auto& m : catalogMigrations()) {
    if (std::find(applied->begin(), applied->end(), m.version) != applied->end()) continue;
    for (const auto& stmt : statements(migrationSql(m, conn.dialect()))) {
      auto r = conn.query(stmt);
      if (!r)
        return fail(r.error().wrap("migration " + std::to_string(m.version) + " (" + m.name + ")"));
    }
    ONEMCP_TRY(
        conn.query("INSERT INTO schema_migrations (version, name, applied_ms) VALUES ($1, $2, $3)",
                   {std::int64_t{m.version}, m.name, now_ms}));
  }
  return {};
}

}  // namespace

const std::vector<Migration>& catalogMigrations() {
  static const std::vector<Migration> kMigrations = buildMigrations();
  return kMigrations;
}

std::string migrationSql(const Migration& migration, Dialect dialect) {
  const bool pg = dialect == Dialect::kPostgres;
  std::string sql = replaceAll(migration.sql, "{{ID}}",
                               pg ? "BIGSERIAL PRIMARY KEY" : "INTEGER PRIMARY KEY AUTOINCREMENT");
  sql = replaceAll(std::move(sql), "{{BLOB}}", pg ? "BYTEA" : "BLOB");
  // Listing pages by id compares bytes on both backends (see listServers).
  return replaceAll(std::move(sql), "{{BINARY_ID}}", pg ? "id COLLATE \"C\"" : "id");
}

Result<std::vector<int>> readAppliedMigrations(SqlConnection& conn) {
  auto rows = conn.query("SELECT version FROM schema_migrations ORDER BY version");
  if (!rows) return fail(std::move(rows).error());
  std::vector<int> out;
  for (const auto& row : *rows) out.push_back(std::stoi(row.at(0).value_or("0")));
  return out;
}

Result<void> applyMigrations(SqlConnection& conn, std::int64_t now_ms) {
  ONEMCP_TRY(conn.begin(true));
  auto r = applyMissing(conn, now_ms);
  if (!r) {
    conn.rollback();
    return fail(r.error().wrap("applying catalogue migrations"));
  }
  return conn.commit();
}

}  // namespace onemcp::registry
