// The proxy: one MCP server in front of many backends. It merges the backends' tools,
// resources, templates and prompts under namespaced names (proxy_names.h), gives each
// client session its own view of the tools, routes every call to the backend that owns
// it (forwarding the payload untouched but for the name), and relays what travels with a
// call: progress, cancellation, logging, and the backend's own requests of the client.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "onemcp/common/clock.h"
#include "onemcp/common/result.h"
#include "onemcp/mcp/executor.h"
#include "onemcp/mcp/jsonrpc.h"
#include "onemcp/mcp/messages.h"
#include "onemcp/mcp/peer.h"
#include "onemcp/mcp/transport.h"
#include "onemcp/sandbox/proxy_backend.h"
#include "onemcp/sandbox/proxy_names.h"

namespace onemcp::sandbox {

// One finished tools/call, for usage records.
struct CallRecord {
  std::string session_id;
  std::string backend;
  std::string tool;     // the backend's own name
  std::string exposed;  // the name the client called
  bool ok = false;
  std::chrono::microseconds duration{0};
};

class ProxySession;

// A tool the proxy answers itself (the orchestrator's meta-tools). It runs on a worker
// thread with the calling session (to change its view, or ask its client through
// `scope`) and returns the tools/call result as JSON.
using LocalToolHandler =
    std::function<Result<Json>(ProxySession& session, const Json& arguments, mcp::RequestScope& scope)>;
// A prompt the proxy answers itself (the orchestrator's /onemcp), run like a local tool;
// it gets the prompts/get arguments and returns the prompts/get result as JSON.
using LocalPromptHandler = LocalToolHandler;

struct ProxyOptions {
  mcp::Implementation info{"onemcp-proxy", "0.1.0", std::nullopt};
  std::optional<std::string> instructions;
  // Shared by every client session and backend. tools/call to a running backend holds
  // no thread (it is sent from the client's reader thread and answered from the
  // backend's); the workers run everything else: the other methods (each held until its
  // backend answers), local tools, backend (re)starts, and the backends' own requests.
  std::size_t worker_threads = 64;
  mcp::ParseLimits limits;
  // Requests relayed to a client (sampling, elicitation, roots) give up after this.
  std::chrono::milliseconds client_request_timeout{std::chrono::minutes(5)};
  std::function<void(const CallRecord&)> on_call;  // on the calling thread; must be quick
  // The view a new session starts with (nullopt: every tool). Local tools are always
  // visible, whatever the view.
  std::optional<std::set<std::string>> initial_view;
};

struct ExposedTool {
  std::string name;  // as clients see it
  std::string backend;
  std::string original;
  Json definition;  // with `name` already exposed
};

class McpProxy;
class Deadlines;
struct ProxyCatalog;
struct ProxyRoute;

// One client session in front of the proxy.
class ProxySession : public std::enable_shared_from_this<ProxySession> {
 public:
  ProxySession(McpProxy& proxy, std::string id, std::shared_ptr<mcp::Transport> transport);
  ~ProxySession();
  ProxySession(const ProxySession&) = delete;
  ProxySession& operator=(const ProxySession&) = delete;

  [[nodiscard]] const std::string& id() const { return id_; }
  [[nodiscard]] bool closed() const;
  bool waitClosed(std::chrono::milliseconds timeout);
  void close();
  [[nodiscard]] mcp::ClientCapabilities clientCapabilities() const;
  // The tools this session sees: nullopt is every tool.
  [[nodiscard]] std::optional<std::set<std::string>> view() const;

 private:
  friend class McpProxy;
  Result<void> start(mcp::Executor& executor, const mcp::ParseLimits& limits);
  // tools/call to a backend, taken on the transport's thread (see Peer::InlineRequestHandler);
  // false leaves the request to handle().
  bool handleInline(mcp::Request& req, mcp::RequestScope& scope, mcp::Peer::Reply& reply);
  Result<Json> handle(const mcp::Request& req, mcp::RequestScope& scope);
  Result<Json> initialize(const Json& params);
  Result<Json> listTools() const;
  Result<Json> callTool(const Json& params, mcp::RequestScope& scope);
  Result<Json> readResource(const Json& params, mcp::RequestScope& scope);
  Result<Json> subscribe(const Json& params, bool on, mcp::RequestScope& scope);
  Result<Json> getPrompt(const Json& params, mcp::RequestScope& scope);
  Result<Json> complete(const Json& params, mcp::RequestScope& scope);
  Result<Json> setLevel(const Json& params);
  [[nodiscard]] bool sees(const std::string& exposed_tool) const;
  [[nodiscard]] bool logEnabled(const Json& params) const;
  [[nodiscard]] bool subscribed(const std::string& uri) const;
  Result<void> notify(std::string method, std::optional<Json> params = std::nullopt);
  Result<Json> request(std::string method, Json params, mcp::RequestOptions options);

  McpProxy& proxy_;
  const std::string id_;
  std::shared_ptr<mcp::Transport> transport_;
  std::unique_ptr<mcp::Peer> peer_;  // set by start(), before any message arrives

  mutable std::mutex mu_;
  std::condition_variable closed_cv_;
  bool closed_ = false;                              // guarded by mu_
  bool initialized_ = false;                         // guarded by mu_
  mcp::ClientCapabilities client_caps_;              // guarded by mu_
  std::optional<std::set<std::string>> view_;        // guarded by mu_
  std::optional<mcp::LoggingLevel> min_level_;       // guarded by mu_
  std::set<std::string> subscriptions_;              // guarded by mu_
  std::size_t tools_fingerprint_ = 0;                // guarded by mu_ (last announced)
};

class McpProxy {
 public:
  McpProxy(ProxyOptions options, const Clock& clock);
  ~McpProxy();  // closes every session, stops every backend
  McpProxy(const McpProxy&) = delete;
  McpProxy& operator=(const McpProxy&) = delete;

  // Starts the backend, lists what it has and exposes it. Refused (nothing changes) when
  // the name is taken, the backend does not start, or an unprefixed name would collide.
  Result<void> attach(BackendOptions options, std::unique_ptr<BackendLauncher> launcher);
  Result<void> detach(const std::string& name);
  // Adds a tool answered by `handler`, exposed under its own name to every session.
  // Refused when the name is taken or not exposable.
  Result<void> addLocalTool(mcp::Tool tool, LocalToolHandler handler);
  // Adds a prompt answered by `handler`, listed to every session under its own name.
  // Refused when the name is taken or not exposable.
  Result<void> addLocalPrompt(mcp::Prompt prompt, LocalPromptHandler handler);

  // Serves one client session over `transport` until it closes.
  Result<std::shared_ptr<ProxySession>> serve(std::shared_ptr<mcp::Transport> transport);
  // Which tools a session sees (nullopt: all). The session is told list_changed when
  // what it sees changes. kNotFound for an unknown or closed session.
  Result<void> setView(const std::string& session_id, std::optional<std::set<std::string>> tools);

  [[nodiscard]] std::vector<ExposedTool> tools() const;
  [[nodiscard]] std::vector<BackendStatus> backends() const;
  [[nodiscard]] std::size_t sessionCount();
  // The open session with this id, or null.
  [[nodiscard]] std::shared_ptr<ProxySession> session(const std::string& id);

 private:
  friend class ProxySession;
  struct ActiveCall;
  struct AsyncCall;
  struct Entry;

  [[nodiscard]] std::shared_ptr<const ProxyCatalog> catalog() const;
  Result<void> rebuild(const Backend* origin, ListKind kind);
  std::vector<std::shared_ptr<ProxySession>> liveSessions();
  void announce(const ProxyCatalog& before, const ProxyCatalog& after, const Backend* origin,
                ListKind kind);
  [[nodiscard]] std::size_t fingerprint(const ProxySession& session, const ProxyCatalog& cat) const;
  std::shared_ptr<Entry> entryOf(const Backend& backend) const;
  Result<Json> forward(ProxySession& session, const std::shared_ptr<Backend>& backend,
                       std::string method, Json params, mcp::RequestScope& scope);
  // tools/call without holding a thread: `reply` gets the outcome from the backend's
  // reader thread, the deadline, or a worker (restart, crash diagnosis).
  void forwardAsync(ProxySession& session, const ProxyRoute& route, const std::string& exposed,
                    Json params, mcp::RequestScope& scope, mcp::Peer::Reply reply);
  void finish(AsyncCall& call, Result<Json> result);
  void expire(AsyncCall& call, bool by_client);
  Result<Json> relay(Backend& backend, const mcp::Request& req, mcp::RequestScope& scope);
  void onBackendNotification(Backend& backend, const mcp::Notification& n);

  const ProxyOptions options_;
  const Clock& clock_;
  std::unique_ptr<mcp::ThreadPool> pool_;  // reset in the destructor, after the backends stop
  std::unique_ptr<Deadlines> deadlines_;   // reset last: stopping backends finishes calls

  std::mutex rebuild_mu_;  // serialises catalog rebuilds and attach/detach
  NameTable names_;        // guarded by rebuild_mu_
  std::vector<std::pair<Json, std::shared_ptr<const LocalToolHandler>>> local_;  // rebuild_mu_
  std::vector<std::pair<Json, std::shared_ptr<const LocalPromptHandler>>>
      local_prompts_;  // rebuild_mu_
  mutable std::mutex catalog_mu_;
  std::shared_ptr<const ProxyCatalog> catalog_;             // guarded by catalog_mu_
  std::vector<std::shared_ptr<Entry>> entries_;             // guarded by catalog_mu_

  std::mutex sessions_mu_;
  std::map<std::string, std::shared_ptr<ProxySession>> sessions_;  // guarded by sessions_mu_
  std::uint64_t next_session_ = 1;                                  // guarded by sessions_mu_
};

}  // namespace onemcp::sandbox
