#include "onemcp/orchestrator/state_store.h"

#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <nlohmann/json.hpp>

#include "onemcp/common/log.h"

namespace onemcp::orchestrator {
namespace {

using nlohmann::json;

constexpr int kSchemaVersion = 1;
constexpr std::size_t kBatchRows = 256;                       // a full batch is written at once
constexpr auto kBatchDelay = std::chrono::milliseconds(200);  // otherwise at most this late

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS servers (
  server_id TEXT PRIMARY KEY,
  offer TEXT NOT NULL,
  backend TEXT NOT NULL,
  running INTEGER NOT NULL,
  last_used_ms INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS server_tools (
  server_id TEXT PRIMARY KEY,
  tools TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS consent (
  server_id TEXT PRIMARY KEY,
  decision TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS containers (
  container_id TEXT PRIMARY KEY,
  server_id TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS usage (
  id INTEGER PRIMARY KEY,
  at_ms INTEGER NOT NULL,
  session TEXT NOT NULL,
  server TEXT NOT NULL,
  tool TEXT NOT NULL,
  latency_us INTEGER NOT NULL,
  ok INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS usage_by_tool ON usage (server, tool);
CREATE TABLE IF NOT EXISTS objects (
  kind TEXT NOT NULL,
  name TEXT NOT NULL,
  server_id TEXT NOT NULL,
  current INTEGER NOT NULL,
  last_used_ms INTEGER NOT NULL,
  PRIMARY KEY (kind, name, server_id));
)sql";

json offerJson(const Offer& o) {
  return {{"server_id", o.server_id},     {"name", o.name},
          {"description", o.description}, {"score", o.score},
          {"verified", o.verified},       {"consent_reasons", o.consent_reasons},
          {"secrets", o.secrets}};
}

Offer offerFrom(const json& j) {
  Offer o;
  o.server_id = j.value("server_id", "");
  o.name = j.value("name", "");
  o.description = j.value("description", "");
  o.score = j.value("score", 0.0F);
  o.verified = j.value("verified", false);
  o.consent_reasons = j.value("consent_reasons", std::vector<std::string>{});
  o.secrets = j.value("secrets", std::vector<std::string>{});
  return o;
}

// One prepared statement, finalized on scope exit.
class Stmt {
 public:
  Stmt(sqlite3* db, const char* sql) : db_(db) {
    rc_ = sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr);
  }
  ~Stmt() { sqlite3_finalize(stmt_); }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;

  Stmt& bind(int i, const std::string& v) {
    if (rc_ == SQLITE_OK)
      rc_ = sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Stmt& bind(int i, std::int64_t v) {
    if (rc_ == SQLITE_OK) rc_ = sqlite3_bind_int64(stmt_, i, v);
    return *this;
  }
  // SQLITE_ROW, SQLITE_DONE, or an error code.
  int step() {
    if (rc_ != SQLITE_OK) return rc_;
    return sqlite3_step(stmt_);
  }
  // Runs a statement that returns no rows.
  Result<void> run(std::string_view what) {
    const int rc = step();
    if (rc != SQLITE_DONE) return error(what);
    return {};
  }
  Error error(std::string_view what) const {
    return Error(ErrorCode::kIo,
                 "state database: " + std::string(what) + ": " + sqlite3_errmsg(db_));
  }
  std::string text(int col) const {
    const auto* p = sqlite3_column_text(stmt_, col);
    return p == nullptr ? std::string() : std::string(reinterpret_cast<const char*>(p));
  }
  std::int64_t integer(int col) const { return sqlite3_column_int64(stmt_, col); }

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
  int rc_ = SQLITE_OK;
};

}  // namespace

Result<std::unique_ptr<StateStore>> StateStore::open(const std::filesystem::path& path) {
  sqlite3* db = nullptr;
  const int rc = sqlite3_open_v2(
      path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    sqlite3_close(db);
    return fail(ErrorCode::kIo, "cannot open the state database " + path.string() + ": " + msg);
  }
  sqlite3_busy_timeout(db, 5000);
  std::unique_ptr<StateStore> store(new StateStore(db));
  const std::string where = " (" + path.string() + ")";
  if (path != ":memory:") {
    if (auto r = store->exec("PRAGMA journal_mode=WAL"); !r)
      return fail(r.error().wrap("not a database" + where));
  }
  if (auto r = store->exec("PRAGMA synchronous=NORMAL"); !r) return fail(r.error());
  int version = 0;
  {
    std::lock_guard lock(store->db_mu_);
    Stmt s(db, "PRAGMA user_version");
    if (s.step() != SQLITE_ROW) return fail(s.error("reading the schema version" + where));
    version = static_cast<int>(s.integer(0));
  }
  if (version > kSchemaVersion) {
    return fail(ErrorCode::kInvalidInput,
                "the state database" + where + " has schema version " + std::to_string(version) +
                    ", newer than this onemcp (" + std::to_string(kSchemaVersion) + ")");
  }
  if (auto r = store->exec(kSchema); !r) return fail(r.error().wrap("creating the schema" + where));
  if (auto r = store->exec("PRAGMA user_version=" + std::to_string(kSchemaVersion)); !r)
    return fail(r.error());
  store->writer_ =
      std::jthread([s = store.get()](const std::stop_token& stop) { s->writerLoop(stop); });
  return store;
}

StateStore::StateStore(sqlite3* db) : db_(db) {}

StateStore::~StateStore() {
  writer_.request_stop();
  queue_cv_.notify_all();
  if (writer_.joinable()) writer_.join();
  if (auto r = flush(); !r) log::warn("{}", r.error().message);
  sqlite3_close(db_);
}

Result<void> StateStore::exec(const std::string& sql) {
  std::lock_guard lock(db_mu_);
  char* err = nullptr;
  if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err != nullptr ? err : sqlite3_errmsg(db_);
    sqlite3_free(err);
    return fail(ErrorCode::kIo, "state database: " + msg);
  }
  return {};
}

Result<void> StateStore::putServer(const ServerRecord& r) {
  std::lock_guard lock(db_mu_);
  Stmt s(db_,
         "INSERT INTO servers (server_id, offer, backend, running, last_used_ms) VALUES (?, ?, ?, "
         "?, ?) "
         "ON CONFLICT(server_id) DO UPDATE SET offer = excluded.offer, backend = excluded.backend, "
         "running = excluded.running, last_used_ms = excluded.last_used_ms");
  s.bind(1, r.offer.server_id).bind(2, offerJson(r.offer).dump()).bind(3, r.backend);
  s.bind(4, std::int64_t{r.running ? 1 : 0}).bind(5, r.last_used_ms);
  return s.run("saving server " + r.offer.server_id);
}

Result<void> StateStore::setRunning(const std::string& server_id, bool running) {
  std::lock_guard lock(db_mu_);
  Stmt s(db_, "UPDATE servers SET running = ? WHERE server_id = ?");
  s.bind(1, std::int64_t{running ? 1 : 0}).bind(2, server_id);
  return s.run("marking server " + server_id);
}

Result<void> StateStore::touchServer(const std::string& backend, std::int64_t at_ms) {
  std::lock_guard lock(db_mu_);
  Stmt s(db_, "UPDATE servers SET last_used_ms = max(last_used_ms, ?) WHERE backend = ?");
  s.bind(1, at_ms).bind(2, backend);
  return s.run("touching server " + backend);
}

Result<std::vector<ServerRecord>> StateStore::servers() {
  std::lock_guard lock(db_mu_);
  Stmt s(db_, "SELECT offer, backend, running, last_used_ms FROM servers ORDER BY server_id");
  std::vector<ServerRecord> out;
  int rc = 0;
  while ((rc = s.step()) == SQLITE_ROW) {
    ServerRecord r;
    auto offer = json::parse(s.text(0), nullptr, false);
    if (offer.is_discarded() || !offer.is_object()) continue;  // not ours; skipped, kept
    try {
      r.offer = offerFrom(offer);
    } catch (const json::exception&) {
      continue;  // a field of the wrong type: skipped, kept
    }
    r.backend = s.text(1);
    r.running = s.integer(2) != 0;
    r.last_used_ms = s.integer(3);
    out.push_back(std::move(r));
  }
  if (rc != SQLITE_DONE) return fail(s.error("reading servers"));
  return out;
}

Result<void> StateStore::setTools(const std::string& server_id,
                                  const std::vector<ToolInfo>& tools) {
  json list = json::array();
  for (const auto& t : tools) {
    list.push_back(
        {{"name", t.name}, {"description", t.description}, {"input_schema", t.input_schema}});
  }
  std::lock_guard lock(db_mu_);
  Stmt s(db_,
         "INSERT INTO server_tools (server_id, tools) VALUES (?, ?) "
         "ON CONFLICT(server_id) DO UPDATE SET tools = excluded.tools");
  s.bind(1, server_id).bind(2, list.dump());
  return s.run("saving the tools of " + server_id);
}

Result<std::map<std::string, std::vector<ToolInfo>>> StateStore::tools() {
  std::lock_guard lock(db_mu_);
  Stmt s(db_, "SELECT server_id, tools FROM server_tools ORDER BY server_id");
  std::map<std::string, std::vector<ToolInfo>> out;
  int rc = 0;
  while ((rc = s.step()) == SQLITE_ROW) {
    auto list = json::parse(s.text(1), nullptr, false);
    if (list.is_discarded() || !list.is_array()) continue;  // not ours; skipped, kept
    auto& tools = out[s.text(0)];
    for (const auto& t : list) {
      if (!t.is_object() || !t.contains("name") || !t["name"].is_string()) continue;
      ToolInfo info;
      info.name = t["name"].get<std::string>();
      if (auto d = t.find("description"); d != t.end() && d->is_string())
        info.description = d->get<std::string>();
      if (auto i = t.find("input_schema"); i != t.end() && i->is_string())
        info.input_schema = i->get<std::string>();
      tools.push_back(std::move(info));
    }
  }
  if (rc != SQLITE_DONE) return fail(s.error("reading server tools"));
  return out;
}

Result<void> StateStore::setConsent(const std::string& server_id, const std::string& decision) {
  std::lock_guard lock(db_mu_);
  Stmt s(db_,
         "INSERT INTO consent (server_id, decision) VALUES (?, ?) "
         "ON CONFLICT(server_id) DO UPDATE SET decision = excluded.decision");
  s.bind(1, server_id).bind(2, decision);
  return s.run("saving consent for " + server_id);
}

Result<std::optional<std::string>> StateStore::consent(const std::string& server_id) {
  std::lock_guard lock(db_mu_);
  Stmt s(db_, "SELECT decision FROM consent WHERE server_id = ?");
  s.bind(1, server_id);
  const int rc = s.step();
  if (rc == SQLITE_ROW) return std::optional<std::string>(s.text(0));
  if (rc == SQLITE_DONE) return std::optional<std::string>();
  return fail(s.error("reading consent"));
}

Result<void> StateStore::setContainers(const std::string& server_id,
                                       const std::vector<std::string>& ids) {
  std::lock_guard lock(db_mu_);
  Stmt del(db_, "DELETE FROM containers WHERE server_id = ?");
  del.bind(1, server_id);
  if (auto r = del.run("forgetting containers"); !r) return r;
  for (const auto& id : ids) {
    Stmt s(db_, "INSERT OR REPLACE INTO containers (container_id, server_id) VALUES (?, ?)");
    s.bind(1, id).bind(2, server_id);
    if (auto r = s.run("saving container " + id); !r) return r;
  }
  return {};
}

Result<std::vector<OwnedContainer>> StateStore::containers() {
  std::lock_guard lock(db_mu_);
  Stmt s(db_, "SELECT container_id, server_id FROM containers ORDER BY container_id");
  std::vector<OwnedContainer> out;
  int rc = 0;
  while ((rc = s.step()) == SQLITE_ROW) out.push_back({s.text(0), s.text(1)});
  if (rc != SQLITE_DONE) return fail(s.error("reading containers"));
  return out;
}

Result<void> StateStore::recordObjects(const std::string& server_id,
                                       const std::vector<ServerObject>& objects,
                                       std::int64_t at_ms) {
  std::lock_guard lock(db_mu_);
  // Objects of earlier launches stop being current and keep the server's last use so far.
  Stmt old(db_,
           "UPDATE objects SET current = 0, last_used_ms = max(last_used_ms, coalesce((SELECT "
           "max(s.last_used_ms, coalesce((SELECT max(u.at_ms) FROM usage u WHERE u.server = "
           "s.backend), 0)) FROM servers s WHERE s.server_id = objects.server_id), 0)) "
           "WHERE server_id = ? AND current = 1");
  old.bind(1, server_id);
  if (auto r = old.run("updating the objects of " + server_id); !r) return r;
  for (const auto& o : objects) {
    Stmt s(
        db_,
        "INSERT INTO objects (kind, name, server_id, current, last_used_ms) VALUES (?, ?, ?, 1, ?) "
        "ON CONFLICT(kind, name, server_id) DO UPDATE SET current = 1, "
        "last_used_ms = max(last_used_ms, excluded.last_used_ms)");
    s.bind(1, o.kind).bind(2, o.name).bind(3, server_id).bind(4, at_ms);
    if (auto r = s.run("saving object " + o.name); !r) return r;
  }
  return {};
}

Result<std::vector<ObjectRecord>> StateStore::objects() {
  std::lock_guard lock(db_mu_);
  // A current object was used when its server was: started (servers.last_used_ms) or
  // called (the usage history, by backend name).
  Stmt s(db_,
         "SELECT o.kind, o.name, o.server_id, CASE WHEN o.current = 1 THEN max(o.last_used_ms, "
         "coalesce(s.last_used_ms, 0), coalesce((SELECT max(u.at_ms) FROM usage u WHERE u.server = "
         "s.backend), 0)) ELSE o.last_used_ms END, o.current = 1 AND coalesce(s.running, 0) = 1 "
         "FROM objects o LEFT JOIN servers s ON s.server_id = o.server_id ORDER BY o.kind, o.name");
  std::vector<ObjectRecord> out;
  int rc = 0;
  while ((rc = s.step()) == SQLITE_ROW) {
    ServerObject object{s.text(0), s.text(1)};
    if (out.empty() || out.back().object.kind != object.kind ||
        out.back().object.name != object.name) {
      out.push_back({std::move(object), {}, 0, false});
    }
    auto& r = out.back();
    r.server_ids.push_back(s.text(2));
    r.last_used_ms = std::max(r.last_used_ms, s.integer(3));
    r.in_use = r.in_use || s.integer(4) != 0;
  }
  if (rc != SQLITE_DONE) return fail(s.error("reading objects"));
  return out;
}

Result<void> StateStore::forgetObject(const ServerObject& object) {
  std::lock_guard lock(db_mu_);
  Stmt s(db_, "DELETE FROM objects WHERE kind = ? AND name = ?");
  s.bind(1, object.kind).bind(2, object.name);
  return s.run("forgetting object " + object.name);
}

void StateStore::recordUsage(UsageRecord record) {
  std::lock_guard lock(queue_mu_);
  queue_.push_back(std::move(record));
  if (queue_.size() >= kBatchRows) queue_cv_.notify_all();
}

void StateStore::writerLoop(const std::stop_token& stop) {
  while (!stop.stop_requested()) {
    std::vector<UsageRecord> batch;
    {
      std::unique_lock lock(queue_mu_);
      queue_cv_.wait_for(lock, stop, kBatchDelay, [&] { return queue_.size() >= kBatchRows; });
      batch.swap(queue_);
    }
    if (batch.empty()) continue;
    if (auto r = writeBatch(std::move(batch)); !r) log::warn("{}", r.error().message);
  }
}

Result<void> StateStore::flush() {
  std::vector<UsageRecord> batch;
  {
    std::lock_guard lock(queue_mu_);
    batch.swap(queue_);
  }
  if (batch.empty()) return {};
  return writeBatch(std::move(batch));
}

Result<void> StateStore::writeBatch(std::vector<UsageRecord> batch) {
  std::lock_guard lock(db_mu_);
  char* err = nullptr;
  if (sqlite3_exec(db_, "BEGIN IMMEDIATE", nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err != nullptr ? err : "";
    sqlite3_free(err);
    return fail(ErrorCode::kIo, "state database: cannot write usage (" +
                                    std::to_string(batch.size()) + " rows lost): " + msg);
  }
  for (const auto& u : batch) {
    Stmt s(db_,
           "INSERT INTO usage (at_ms, session, server, tool, latency_us, ok) VALUES (?, ?, ?, ?, "
           "?, ?)");
    s.bind(1, u.at_ms).bind(2, u.session).bind(3, u.server).bind(4, u.tool).bind(5, u.latency_us);
    s.bind(6, std::int64_t{u.ok ? 1 : 0});
    if (auto r = s.run("writing usage"); !r) {
      sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
      return r;
    }
  }
  if (sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr) != SQLITE_OK) {
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    return fail(ErrorCode::kIo,
                std::string("state database: committing usage: ") + sqlite3_errmsg(db_));
  }
  return {};
}

Result<std::vector<UsageRecord>> StateStore::usage(std::size_t limit) {
  std::lock_guard lock(db_mu_);
  Stmt s(db_,
         "SELECT at_ms, session, server, tool, latency_us, ok FROM usage ORDER BY id DESC LIMIT ?");
  s.bind(1, static_cast<std::int64_t>(limit));
  std::vector<UsageRecord> out;
  int rc = 0;
  while ((rc = s.step()) == SQLITE_ROW) {
    out.push_back({s.integer(0), s.text(1), s.text(2), s.text(3), s.integer(4), s.integer(5) != 0});
  }
  if (rc != SQLITE_DONE) return fail(s.error("reading usage"));
  return out;
}

}  // namespace onemcp::orchestrator
