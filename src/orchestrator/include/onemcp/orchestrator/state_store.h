// What the daemon must not lose across a restart or a crash, in one SQLite file (WAL) under
// the XDG data dir: the servers it installed and runs (with the offer they came from and
// the backend name their tools carry), the user's consent decisions, the containers it
// owns, the tools of each server it started (the selector's local index), the engine objects
// (images, volumes) each launch needed, for the GC, and the usage
// history (one row per tool call). Usage rows are queued and written
// in batches by a background thread, so a call never waits for the disk.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "onemcp/common/result.h"
#include "onemcp/orchestrator/tool_source.h"

struct sqlite3;

namespace onemcp::orchestrator {

// The wall-clock times the store keeps (the *_ms fields): milliseconds since the epoch.
inline std::int64_t epochMs(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

struct ServerRecord {
  Offer offer;
  std::string backend;            // the proxy backend name (its tools' prefix)
  bool running = false;           // a restarted daemon starts (adopts) the running ones again
  std::int64_t last_used_ms = 0;  // wall clock, ms since the epoch
};

struct UsageRecord {
  std::int64_t at_ms = 0;  // wall clock, ms since the epoch
  std::string session;
  std::string server;  // backend name
  std::string tool;    // the backend's own tool name
  std::int64_t latency_us = 0;
  bool ok = false;
};

// A tool of a server the daemon started, as its tools/list gave it: kept so that the
// selector's local index knows an installed server's tools while it is stopped.
struct ToolInfo {
  std::string name;  // the server's own tool name
  std::string description;
  std::string input_schema;  // JSON text; may be empty
};

struct OwnedContainer {
  std::string container_id;
  std::string server_id;
};

// An engine object a server's container needed at a launch: its image (by id) or a
// volume it mounted (by name). The GC (gc.h) removes the expired ones it may remove.
struct ServerObject {
  std::string kind;  // "image" or "volume"
  std::string name;  // image id ("sha256:…") or volume name
};

// One recorded object, with its last use over every server that needed it.
struct ObjectRecord {
  ServerObject object;
  std::vector<std::string> server_ids;
  // Ms since the epoch: the object's last launch, or, while it is what a server needs now
  // (its latest launch), that server's last use (its start or its last call).
  std::int64_t last_used_ms = 0;
  bool in_use = false;  // what a running server needs now
};

class StateStore {
 public:
  // Opens (creating) the database at `path` (":memory:" for a private one) in WAL mode.
  // A file that is not a database, or of a newer schema, is an error naming it.
  static Result<std::unique_ptr<StateStore>> open(const std::filesystem::path& path);
  ~StateStore();  // flushes queued usage
  StateStore(const StateStore&) = delete;
  StateStore& operator=(const StateStore&) = delete;

  Result<void> putServer(const ServerRecord& record);
  Result<void> setRunning(const std::string& server_id, bool running);
  Result<void> touchServer(const std::string& backend, std::int64_t at_ms);
  Result<std::vector<ServerRecord>> servers();
  // The tools a server had when it last started (replaces the previous list).
  Result<void> setTools(const std::string& server_id, const std::vector<ToolInfo>& tools);
  // Every server's stored tools, by server id.
  Result<std::map<std::string, std::vector<ToolInfo>>> tools();

  // "approved" or "denied"; nullopt: never asked (or forgotten).
  Result<void> setConsent(const std::string& server_id, const std::string& decision);
  Result<std::optional<std::string>> consent(const std::string& server_id);

  // The containers the daemon owns now (replaces the server's previous ones).
  Result<void> setContainers(const std::string& server_id, const std::vector<std::string>& ids);
  Result<std::vector<OwnedContainer>> containers();

  // What the server's container needed at its launch at `at_ms`: these objects become
  // the server's current ones, and the objects of its earlier launches keep their last use.
  Result<void> recordObjects(const std::string& server_id, const std::vector<ServerObject>& objects,
                             std::int64_t at_ms);
  Result<std::vector<ObjectRecord>> objects();
  // Forgets an object (it was removed).
  Result<void> forgetObject(const ServerObject& object);

  // Queues one usage row; never blocks on the database.
  void recordUsage(UsageRecord record);
  // Writes every queued row now.
  Result<void> flush();
  // The newest `limit` rows, newest first.
  Result<std::vector<UsageRecord>> usage(std::size_t limit);

 private:
  explicit StateStore(sqlite3* db);
  Result<void> exec(const std::string& sql);
  Result<void> writeBatch(std::vector<UsageRecord> batch);
  void writerLoop(const std::stop_token& stop);

  std::mutex db_mu_;
  sqlite3* db_;  // guarded by db_mu_

  std::mutex queue_mu_;
  std::condition_variable_any queue_cv_;
  std::vector<UsageRecord> queue_;  // guarded by queue_mu_
  std::jthread writer_;             // last: stopped (and joined) first
};

}  // namespace onemcp::orchestrator
