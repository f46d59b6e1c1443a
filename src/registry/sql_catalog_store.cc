#include "sql_catalog_store.h"


#include <cstring>
#include <nlohmann/json.hpp>

#include "migrations.h"
#include "onemcp/registry/description_scan.h"
#include "onemcp/common/text.h"
#include "validation.h"

namespace onemcp::registry {

std::int64_t toInt(const std::optional<std::string>& field) {
  return field ? std::stoll(*field) : 0;
}
std::string toText(const std::optional<std::string>& field) { return field.value_or(""); }

namespace {

constexpr std::string_view kServerColumns =
    "id, name, title, description, source, version, versions_json, packages_json, "
    "remotes_json, repository, server_json, meta_json, flags_json, change_version";


// Every stored field, length-prefixed so that no two records share an encoding.
std::string contentHash(const ServerRecord& s) {
  std::string buf;
  for (const std::string* f :
       {&s.name, &s.title, &s.description, &s.source, &s.version, &s.versions_json,
        &s.packages_json, &s.remotes_json, &s.repository, &s.server_json, &s.meta_json}) {
    buf += std::to_string(f->size());
    buf += ':';
    buf += *f;
  }
  return sha256Hex(buf);
}

std::string flagsJson(const std::vector<std::string>& flags) {
  return nlohmann::json(flags).dump();
}

std::vector<std::string> parseFlags(const std::optional<std::string>& text) {
  const auto doc = nlohmann::json::parse(text.value_or("[]"), nullptr, false);
  std::vector<std::string> out;
  if (doc.is_array()) {
    for (const auto& f : doc) {
      if (f.is_string()) out.push_back(f.get<std::string>());
    }
  }
  return out;
}

ServerRecord serverFromRow(const SqlRow& r) {
  ServerRecord s;
  s.id = toText(r[0]);
  s.name = toText(r[1]);
  s.title = toText(r[2]);
  s.description = toText(r[3]);
  s.source = toText(r[4]);
  s.version = toText(r[5]);
  s.versions_json = toText(r[6]);
  s.packages_json = toText(r[7]);
  s.remotes_json = toText(r[8]);
  s.repository = toText(r[9]);
  s.server_json = toText(r[10]);
  s.meta_json = toText(r[11]);
  s.flags = parseFlags(r[12]);
  s.change_version = toInt(r[13]);
  return s;
}

std::vector<std::string> serverFlags(const ServerRecord& s) {
  std::vector<std::string> flags = scanForInjection(s.name + "\n" + s.title + "\n" + s.description);
  return flags;
}

std::string_view ownerName(EmbeddingOwner owner) {
  return owner == EmbeddingOwner::kServer ? "server" : "tool";
}

EmbeddingRecord embeddingFromBytes(EmbeddingOwner owner, std::string owner_id, std::string model_id,
                                   const std::string& bytes) {
  EmbeddingRecord e{owner, std::move(owner_id), std::move(model_id), {}};
  e.vector.resize(bytes.size() / sizeof(float));
  std::memcpy(e.vector.data(), bytes.data(), e.vector.size() * sizeof(float));
  return e;
}

Error notFound(std::string what) { return Error(ErrorCode::kNotFound, std::move(what)); }

}  // namespace

SqlCatalogStore::SqlCatalogStore(std::unique_ptr<SqlConnection> conn, const Clock& clock,
                                 StoreOptions options)
    : conn_(std::move(conn)), clock_(clock), options_(options), sql_{conn_->dialect()} {}

std::int64_t SqlCatalogStore::nowMs() const {
  return std::chrono::duration_cast<std::chrono::milliseconds>(clock_.wallNow().time_since_epoch())
      .count();
}

Result<std::vector<int>> SqlCatalogStore::appliedMigrations() {
  std::lock_guard lock(mu_);
  return readAppliedMigrations(*conn_);
}

Result<void> SqlCatalogStore::migrate() {
  std::lock_guard lock(mu_);
  return applyMigrations(*conn_, nowMs());
}

Result<std::int64_t> SqlCatalogStore::lockCatalog() {
  // PostgreSQL: the row lock on catalog_state orders catalogue writers, so version N is
  // always committed before N+1 is assigned. SQLite's write transaction already does.
  const std::string q = std::string("SELECT version FROM catalog_state WHERE id = 1") +
                        (sql_.dialect == Dialect::kPostgres ? " FOR UPDATE" : "");
  auto rows = conn_->query(q);
  if (!rows) return fail(std::move(rows).error());
  if (rows->empty()) return fail(ErrorCode::kInternalError, "catalog_state row is missing");
  return toInt(rows->front()[0]);
}

Result<std::int64_t> SqlCatalogStore::recordChange(ChangeKind kind, const std::string& entity_id,
                                                   bool removed) {
  auto rows =
      conn_->query("UPDATE catalog_state SET version = version + 1 WHERE id = 1 RETURNING version");
  if (!rows) return fail(std::move(rows).error());
  const std::int64_t version = toInt(rows->at(0)[0]);
  ONEMCP_TRY(conn_->query(
      "INSERT INTO changes (version, kind, entity_id, removed) VALUES ($1, $2, $3, $4)",
      {version, std::string(changeKindName(kind)), entity_id, std::int64_t{removed ? 1 : 0}}));
  return version;
}

Result<void> SqlCatalogStore::requireServer(const std::string& id) {
  auto rows = conn_->query("SELECT 1 FROM servers WHERE id = $1", {id});
  if (!rows) return fail(std::move(rows).error());
  if (rows->empty()) return fail(notFound("no server with id '" + id + "'"));
  return {};
}

Result<UpsertOutcome> SqlCatalogStore::upsertServer(const ServerRecord& server) {
  ONEMCP_TRY(validateServer(server, options_.limits));
  const std::string hash = contentHash(server);
  const std::vector<std::string> flags = serverFlags(server);
  return transact<UpsertOutcome>(true, [&]() -> Result<UpsertOutcome> {
    ONEMCP_TRY(lockCatalog());
    auto existing =
        conn_->query("SELECT content_hash, change_version FROM servers WHERE id = $1", {server.id});
    if (!existing) return fail(std::move(existing).error());
    if (!existing->empty() && toText(existing->front()[0]) == hash) {
      return UpsertOutcome{UpsertResult::kUnchanged, toInt(existing->front()[1]), flags};
    }
    auto version = recordChange(ChangeKind::kServer, server.id, false);
    if (!version) return fail(std::move(version).error());
    SqlParams p = {server.id,
                   server.name,
                   server.title,
                   server.description,
                   server.source,
                   server.version,
                   server.versions_json,
                   server.packages_json,
                   server.remotes_json,
                   server.repository,
                   server.server_json,
                   server.meta_json,
                   flagsJson(flags),
                   hash,
                   *version,
                   nowMs()};
    const bool insert = existing->empty();
    const char* sql =
        insert
            ? "INSERT INTO servers (id, name, title, description, source, version, versions_json, "
              "packages_json, remotes_json, repository, server_json, meta_json, flags_json, "
              "content_hash, change_version, updated_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, "
              "$9, $10, $11, $12, $13, $14, $15, $16)"
            : "UPDATE servers SET name = $2, title = $3, description = $4, source = $5, "
              "version = $6, versions_json = $7, packages_json = $8, remotes_json = $9, "
              "repository = $10, server_json = $11, meta_json = $12, flags_json = $13, "
              "content_hash = $14, change_version = $15, updated_ms = $16 WHERE id = $1";
    ONEMCP_TRY(conn_->query(sql, p));
    return UpsertOutcome{insert ? UpsertResult::kInserted : UpsertResult::kUpdated, *version,
                         flags};
  });
}

Result<ServerRecord> SqlCatalogStore::getServer(const std::string& id) {
  return transact<ServerRecord>(false, [&]() -> Result<ServerRecord> {
    auto rows =
        conn_->query("SELECT " + std::string(kServerColumns) + " FROM servers WHERE id = $1", {id});
    if (!rows) return fail(std::move(rows).error());
    if (rows->empty()) return fail(notFound("no server with id '" + id + "'"));
    return serverFromRow(rows->front());
  });
}

Result<ServerPage> SqlCatalogStore::listServers(const PageRequest& request) {
  std::string after;
  if (!request.cursor.empty()) {
    auto decoded = decodeCursor(request.cursor);
    if (!decoded) return fail(std::move(decoded).error());
    after = *decoded;
  }
  const int limit = std::clamp(request.limit, 1, options_.limits.max_page_size);
  // Byte order on both backends, whatever the database's collation: a cursor is the
  // last id seen, and every id sorts on exactly one side of it.
  const std::string id = sql_.dialect == Dialect::kPostgres ? "id COLLATE \"C\"" : "id";
  const std::string q = "SELECT " + std::string(kServerColumns) + " FROM servers WHERE " + id +
                        " > $1 ORDER BY " + id + " LIMIT $2";
  return transact<ServerPage>(false, [&]() -> Result<ServerPage> {
    auto rows = conn_->query(q, {after, std::int64_t{limit + 1}});
    if (!rows) return fail(std::move(rows).error());
    ServerPage page;
    for (std::size_t i = 0; i < rows->size() && i < static_cast<std::size_t>(limit); ++i) {
      page.servers.push_back(serverFromRow((*rows)[i]));
    }
    if (rows->size() > static_cast<std::size_t>(limit)) {
      page.next_cursor = encodeCursor(page.servers.back().id);
    }
    return page;
  });
}

Result<std::int64_t> SqlCatalogStore::countServers() {
  return transact<std::int64_t>(false, [&]() -> Result<std::int64_t> {
    auto rows = conn_->query("SELECT COUNT(*) FROM servers");
    if (!rows) return fail(std::move(rows).error());
    return toInt(rows->at(0)[0]);
  });
}

Result<void> SqlCatalogStore::removeServer(const std::string& id) {
  return transact<void>(true, [&]() -> Result<void> {
    ONEMCP_TRY(lockCatalog());
    ONEMCP_TRY(requireServer(id));
    ONEMCP_TRY(conn_->query("DELETE FROM servers WHERE id = $1", {id}));
    // Tool embeddings are owned by "id::tool"; ':' + 1 == ';' bounds that prefix.
    ONEMCP_TRY(
        conn_->query("DELETE FROM embeddings WHERE (owner_kind = 'server' AND owner_id = $1) "
                     "OR (owner_kind = 'tool' AND owner_id >= $2 AND owner_id < $3)",
                     {id, id + "::", id + ":;"}));
    ONEMCP_TRY(recordChange(ChangeKind::kServer, id, true));
    return {};
  });
}

Result<void> SqlCatalogStore::putRunSpec(const RunSpecRecord& spec) {
  ONEMCP_TRY(validateRunSpec(spec, options_.limits));
  return transact<void>(true, [&]() -> Result<void> {
    ONEMCP_TRY(lockCatalog());
    ONEMCP_TRY(requireServer(spec.server_id));
    ONEMCP_TRY(conn_->query(
        "INSERT INTO run_specs (server_id, spec_json, source, updated_ms) VALUES ($1, $2, $3, $4) "
        "ON CONFLICT (server_id) DO UPDATE SET spec_json = excluded.spec_json, "
        "source = excluded.source, updated_ms = excluded.updated_ms",
        {spec.server_id, spec.spec_json, spec.source, nowMs()}));
    ONEMCP_TRY(recordChange(ChangeKind::kRunSpec, spec.server_id, false));
    return {};
  });
}

Result<RunSpecRecord> SqlCatalogStore::getRunSpec(const std::string& server_id) {
  return transact<RunSpecRecord>(false, [&]() -> Result<RunSpecRecord> {
    auto rows = conn_->query(
        "SELECT spec_json, source, updated_ms FROM run_specs WHERE server_id = $1", {server_id});
    if (!rows) return fail(std::move(rows).error());
    if (rows->empty()) return fail(notFound("no run spec for server '" + server_id + "'"));
    const auto& r = rows->front();
    return RunSpecRecord{server_id, toText(r[0]), toText(r[1]), toInt(r[2])};
  });
}

Result<std::int64_t> SqlCatalogStore::addVerification(const VerificationRecord& record) {
  ONEMCP_TRY(validateVerification(record, options_.limits));
  const std::int64_t at = record.verified_at_ms != 0 ? record.verified_at_ms : nowMs();
  return transact<std::int64_t>(true, [&]() -> Result<std::int64_t> {
    ONEMCP_TRY(lockCatalog());
    ONEMCP_TRY(requireServer(record.server_id));
    auto rows = conn_->query(
        "INSERT INTO verifications (server_id, outcome, reason, timings_json, tool_hash, "
        "verified_at_ms) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        {record.server_id, std::string(verifyOutcomeName(record.outcome)), record.reason,
         record.timings_json, record.tool_hash, at});
    if (!rows) return fail(std::move(rows).error());
    ONEMCP_TRY(recordChange(ChangeKind::kVerification, record.server_id, false));
    return toInt(rows->at(0)[0]);
  });
}

Result<VerificationRecord> SqlCatalogStore::latestVerification(const std::string& server_id) {
  return transact<VerificationRecord>(false, [&]() -> Result<VerificationRecord> {
    auto rows = conn_->query(
        "SELECT id, outcome, reason, timings_json, tool_hash, verified_at_ms FROM verifications "
        "WHERE server_id = $1 ORDER BY id DESC LIMIT 1",
        {server_id});
    if (!rows) return fail(std::move(rows).error());
    if (rows->empty()) return fail(notFound("server '" + server_id + "' was never verified"));
    const auto& r = rows->front();
    VerificationRecord v;
    v.id = toInt(r[0]);
    v.server_id = server_id;
    v.outcome = parseVerifyOutcome(toText(r[1])).value_or(VerifyOutcome::kFailed);
    v.reason = toText(r[2]);
    v.timings_json = toText(r[3]);
    v.tool_hash = toText(r[4]);
    v.verified_at_ms = toInt(r[5]);
    return v;
  });
}

Result<void> SqlCatalogStore::replaceTools(const std::string& server_id,
                                           const std::vector<ToolRecord>& tools) {
  ONEMCP_TRY(validateTools(server_id, tools, options_.limits));
  return transact<void>(true, [&]() -> Result<void> {
    ONEMCP_TRY(lockCatalog());
    ONEMCP_TRY(requireServer(server_id));
    ONEMCP_TRY(conn_->query("DELETE FROM tools WHERE server_id = $1", {server_id}));
    std::int64_t position = 0;
    for (const auto& t : tools) {
      const auto flags = scanForInjection(t.name + "\n" + t.description + "\n" + t.definition_json);
      ONEMCP_TRY(conn_->query(
          "INSERT INTO tools (server_id, name, position, description, definition_json, flags_json) "
          "VALUES ($1, $2, $3, $4, $5, $6)",
          {server_id, t.name, position++, t.description, t.definition_json, flagsJson(flags)}));
    }
    ONEMCP_TRY(recordChange(ChangeKind::kTools, server_id, false));
    return {};
  });
}

Result<std::vector<ToolRecord>> SqlCatalogStore::listTools(const std::string& server_id) {
  using Tools = std::vector<ToolRecord>;
  return transact<Tools>(false, [&]() -> Result<Tools> {
    auto rows = conn_->query(
        "SELECT name, description, definition_json, flags_json FROM tools "
        "WHERE server_id = $1 ORDER BY position",
        {server_id});
    if (!rows) return fail(std::move(rows).error());
    Tools out;
    for (const auto& r : *rows) {
      out.push_back(
          ToolRecord{server_id, toText(r[0]), toText(r[1]), toText(r[2]), parseFlags(r[3])});
    }
    return out;
  });
}

Result<void> SqlCatalogStore::putEmbedding(const EmbeddingRecord& e) {
  ONEMCP_TRY(validateEmbedding(e, options_.limits));
  Blob blob;
  blob.bytes.resize(e.vector.size() * sizeof(float));
  std::memcpy(blob.bytes.data(), e.vector.data(), blob.bytes.size());  // host order (little-endian)
  return transact<void>(true, [&]() -> Result<void> {
    ONEMCP_TRY(lockCatalog());
    ONEMCP_TRY(conn_->query(
        "INSERT INTO embeddings (owner_kind, owner_id, model_id, dims, vector) VALUES ($1, $2, $3, "
        "$4, " +
            sql_.blobParam(5) +
            ") ON CONFLICT (owner_kind, owner_id, model_id) DO UPDATE SET "
            "dims = excluded.dims, vector = excluded.vector",
        {std::string(ownerName(e.owner)), e.owner_id, e.model_id,
         static_cast<std::int64_t>(e.vector.size()), blob}));
    ONEMCP_TRY(recordChange(ChangeKind::kEmbedding, e.owner_id, false));
    return {};
  });
}

Result<EmbeddingRecord> SqlCatalogStore::getEmbedding(EmbeddingOwner owner,
                                                      const std::string& owner_id,
                                                      const std::string& model_id) {
  return transact<EmbeddingRecord>(false, [&]() -> Result<EmbeddingRecord> {
    auto rows = conn_->query("SELECT dims, " + sql_.blobColumn("vector") +
                                 " FROM embeddings WHERE owner_kind = $1 AND owner_id = $2 AND "
                                 "model_id = $3",
                             {std::string(ownerName(owner)), owner_id, model_id});
    if (!rows) return fail(std::move(rows).error());
    if (rows->empty()) {
      return fail(notFound("no embedding of '" + owner_id + "' for model '" + model_id + "'"));
    }
    return embeddingFromBytes(owner, owner_id, model_id, sql_.decodeBlob(toText(rows->front()[1])));
  });
}

Result<EmbeddingPage> SqlCatalogStore::listEmbeddings(EmbeddingOwner owner,
                                                      const std::string& model_id,
                                                      const PageRequest& request) {
  std::string after;
  if (!request.cursor.empty()) {
    auto decoded = decodeCursor(request.cursor);
    if (!decoded) return fail(std::move(decoded).error());
    after = *decoded;
  }
  const int limit = std::clamp(request.limit, 1, options_.limits.max_page_size);
  const std::string id = sql_.dialect == Dialect::kPostgres ? "owner_id COLLATE \"C\"" : "owner_id";
  const std::string q = "SELECT owner_id, " + sql_.blobColumn("vector") +
                        " FROM embeddings WHERE owner_kind = $1 AND model_id = $2 AND " + id +
                        " > $3 ORDER BY " + id + " LIMIT $4";
  return transact<EmbeddingPage>(false, [&]() -> Result<EmbeddingPage> {
    auto rows =
        conn_->query(q, {std::string(ownerName(owner)), model_id, after, std::int64_t{limit + 1}});
    if (!rows) return fail(std::move(rows).error());
    EmbeddingPage page;
    for (std::size_t i = 0; i < rows->size() && i < static_cast<std::size_t>(limit); ++i) {
      page.embeddings.push_back(embeddingFromBytes(owner, toText((*rows)[i][0]), model_id,
                                                   sql_.decodeBlob(toText((*rows)[i][1]))));
    }
    if (rows->size() > static_cast<std::size_t>(limit)) {
      page.next_cursor = encodeCursor(page.embeddings.back().owner_id);
    }
    return page;
  });
}

Result<std::int64_t> SqlCatalogStore::currentVersion() {
  return transact<std::int64_t>(false, [&]() -> Result<std::int64_t> {
    auto rows = conn_->query("SELECT version FROM catalog_state WHERE id = 1");
    if (!rows) return fail(std::move(rows).error());
    return toInt(rows->at(0)[0]);
  });
}

Result<ChangeBatch> SqlCatalogStore::changesSince(std::int64_t version, int limit) {
  return transact<ChangeBatch>(false, [&]() -> Result<ChangeBatch> {
    ChangeBatch batch;
    auto current = conn_->query("SELECT version FROM catalog_state WHERE id = 1");
    if (!current) return fail(std::move(current).error());
    batch.current_version = toInt(current->at(0)[0]);
    auto rows = conn_->query(
        "SELECT version, kind, entity_id, removed FROM changes WHERE version > $1 "
        "ORDER BY version LIMIT $2",
        {version, std::int64_t{std::max(limit, 1)}});
    if (!rows) return fail(std::move(rows).error());
    for (const auto& r : *rows) {
      batch.changes.push_back(Change{toInt(r[0]),
                                     parseChangeKind(toText(r[1])).value_or(ChangeKind::kServer),
                                     toText(r[2]), toInt(r[3]) != 0});
    }
    return batch;
  });
}

Result<std::optional<std::string>> SqlCatalogStore::getMeta(const std::string& key) {
  using Value = std::optional<std::string>;
  return transact<Value>(false, [&]() -> Result<Value> {
    auto rows = conn_->query("SELECT value FROM meta WHERE key = $1", {key});
    if (!rows) return fail(std::move(rows).error());
    if (rows->empty()) return Value{};
    return Value{toText(rows->front()[0])};
  });
}

Result<void> SqlCatalogStore::putMeta(const std::string& key, const std::string& value) {
  return transact<void>(true, [&]() -> Result<void> {
    ONEMCP_TRY(
        conn_->query("INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO "
                     "UPDATE SET value = excluded.value",
                     {key, value}));
    return {};
  });
}

}  // namespace onemcp::registry
