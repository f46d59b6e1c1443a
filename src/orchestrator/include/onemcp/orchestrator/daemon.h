// The orchestrator daemon: one per user, serving every client session through one
// McpProxy. Each session starts with only the meta-tools (find_tools, list_running,
// drop_tools, approve_server, stop_server); find_tools splits a task, finds servers for
// each part (the Selector: installed and running ones first, then the ToolSource),
// starts what may start, and adds
// their tools to that session alone, which the client learns through tools/list_changed.
// With a StateStore, what runs, the user's approvals, the owned containers and the usage
// history survive the daemon; restore() starts (adopts) again what ran before.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "onemcp/common/clock.h"
#include "onemcp/common/result.h"
#include "onemcp/mcp/streamable_http_server.h"
#include "onemcp/orchestrator/gc.h"
#include "onemcp/orchestrator/planner.h"
#include "onemcp/orchestrator/secret_store.h"
#include "onemcp/orchestrator/selector.h"
#include "onemcp/orchestrator/state_store.h"
#include "onemcp/orchestrator/tool_source.h"
#include "onemcp/orchestrator/usage_prior.h"
#include "onemcp/orchestrator/window_tags.h"
#include "onemcp/sandbox/proxy.h"

namespace onemcp::orchestrator {

using mcp::Json;

// When a server found for a task may start without asking the user.
enum class ConsentPolicy {
  kAsk,       // always ask
  kVerified,  // verified servers that need no network, host path or secret start at once
  kNever,     // never start new servers; use what already runs
};
Result<ConsentPolicy> parseConsentPolicy(std::string_view text);

struct DaemonOptions {
  std::string bind = "127.0.0.1";
  std::uint16_t port = 0;
  std::vector<std::string> allowed_origins;  // besides loopback web origins
  std::size_t max_session_tools = 64;        // least recently used dropped first
  std::size_t offers_per_task = 5;
  ConsentPolicy consent = ConsentPolicy::kVerified;
  std::chrono::milliseconds call_timeout{std::chrono::seconds(60)};
  // A server no session called (or was granted) for this long is stopped; 0: never.
  std::chrono::milliseconds idle_stop{std::chrono::minutes(30)};
  // How often the lifecycle thread (startLifecycle) looks for idle servers.
  std::chrono::milliseconds lifecycle_interval{std::chrono::seconds(30)};
  // How often the lifecycle thread runs the image/volume GC (when the daemon has one).
  std::chrono::milliseconds gc_interval{std::chrono::hours(1)};
  PlannerOptions planner;  // how a prompt is split into tasks (the client's model, or the splitter)
  SelectorOptions selector;  // the local index's threshold (--local-threshold)
  UsagePriorOptions usage;   // how much the usage history reorders candidates
  // The encoder of the local index (the catalogue's); null: the local index is lexical.
  std::shared_ptr<const search::Encoder> encoder;
};

class Daemon {
 public:
  // `state` (optional, not owned) keeps what must survive the daemon; `secrets` (optional,
  // not owned) keeps the values servers need from the user; `gc` (optional, not owned) is
  // told what every launch needs and removes unused images and volumes.
  Daemon(DaemonOptions options, ToolSource& source, const Clock& clock, StateStore* state = nullptr,
         SecretStore* secrets = nullptr, ObjectGc* gc = nullptr);
  ~Daemon();
  Daemon(const Daemon&) = delete;
  Daemon& operator=(const Daemon&) = delete;

  // Serves streamable HTTP on options.bind:port, requiring `token`; returns the URL.
  Result<std::string> serveHttp(const std::string& token);
  void stopHttp();
  [[nodiscard]] sandbox::McpProxy& proxy() { return *proxy_; }

  // Starts again every server the state says was running (a sandboxed one adopts its
  // container when it still runs); the number started. Servers that fail are marked
  // stopped and named in the log.
  int restore();
  // Stops a running server (by backend name) for every session; its tools leave them.
  Result<void> stopServer(const std::string& backend);
  // Stops the servers idle for options.idle_stop; their backend names.
  std::vector<std::string> stopIdle();
  // A thread that calls stopIdle() every options.lifecycle_interval, and the GC's
  // collect() every options.gc_interval (the first one interval after the start), until
  // destruction.
  void startLifecycle();

 private:
  struct Placement {
    std::string task;
    std::vector<std::string> tools;  // now callable in the session
    std::string server;              // the backend that has them
    bool started = false;            // started for this task (false: already running)
    std::optional<Offer> needs_approval;
    std::string note;
    Selection selection;  // where the candidates came from, and their scores
  };

  Result<Json> findTools(sandbox::ProxySession& session, const Json& args, mcp::RequestScope& scope);
  Result<Json> listRunning(sandbox::ProxySession& session);
  Result<Json> dropTools(sandbox::ProxySession& session, const Json& args);
  Result<Json> approveServer(sandbox::ProxySession& session, const Json& args);
  Result<Json> stopServerTool(const Json& args);
  void onCall(const sandbox::CallRecord& call);
  bool approvedBefore(const std::string& server_id);
  void rememberApproval(const std::string& server_id);
  Placement place(sandbox::ProxySession& session, const std::string& task, mcp::RequestScope& scope);
  bool askConsent(sandbox::ProxySession& session, const Offer& offer, mcp::RequestScope& scope);
  // The offer's secrets with no stored value, after asking the client (elicitation) for
  // them when it can.
  std::vector<std::string> missingSecrets(sandbox::ProxySession* session, const Offer& offer,
                                          mcp::RequestScope* scope);
  Result<Json> setSecret(const Json& args);
  // Starts the offered server unless it runs; its backend name.
  // `preferred`: the backend name to use when free (restore keeps the old names, so that
  // sessions' granted tools keep theirs).
  Result<std::string> ensureRunning(const Offer& offer, const std::string& preferred = {});
  std::vector<std::string> toolsOf(const std::string& backend) const;
  Result<void> grant(sandbox::ProxySession& session, const std::vector<std::string>& tools);
  void touch(const std::string& session_id, const std::string& tool);
  void registerMetaTools();
  // Remembers a started server's tools (state and local index) and rebuilds the index.
  void rememberTools(const Offer& offer, const std::string& backend);
  void rebuildLocalIndex();
  // The usage prior's bonus per server id, from the state's history.
  std::map<std::string, float> usageBonus();
  // Starts (or reuses) the best local candidate at or above the threshold.
  bool placeLocal(Placement& p, const Selection& selection);
  // The /onemcp prompt: find_tools' flow for the session, answered as messages.
  Result<Json> onemcpPrompt(sandbox::ProxySession& session, const Json& args,
                            mcp::RequestScope& scope);

  const DaemonOptions options_;
  ToolSource& source_;
  const Clock& clock_;
  StateStore* const state_;
  SecretStore* const secrets_;
  WindowTags windows_;  // which HTTP sessions share an editor window (X-OneMCP-Window)
  ObjectGc* const gc_;
  std::unique_ptr<sandbox::McpProxy> proxy_;
  std::unique_ptr<Selector> selector_;
  std::unique_ptr<mcp::StreamableHttpServer> http_;

  std::mutex start_mu_;  // one server start at a time
  mutable std::mutex mu_;
  std::map<std::string, std::string> backend_of_;                 // guarded by mu_: server id -> backend
  std::map<std::string, Offer> pending_;                          // guarded by mu_: awaiting approval
  std::map<std::string, std::list<std::string>> recent_;          // guarded by mu_: session -> tools, LRU last
  std::map<std::string, std::chrono::steady_clock::time_point> last_used_;  // guarded by mu_: backend -> last use
  std::map<std::string, LocalServer> installed_;                  // guarded by mu_: server id -> local index entry

  std::mutex lifecycle_mu_;
  std::condition_variable_any lifecycle_cv_;
  std::jthread lifecycle_;  // stopped first in the destructor
};

}  // namespace onemcp::orchestrator
