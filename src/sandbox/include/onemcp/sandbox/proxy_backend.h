// One server behind the proxy: how to (re)start it (a BackendLauncher: a host process,
// an HTTP endpoint, or a sandboxed container), the MCP session to it, its latest
// tools/resources/templates/prompts, and its health. A crashed backend fails its
// in-flight calls at once and is restarted on the next call, with exponential back-off.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "onemcp/common/clock.h"
#include "onemcp/common/result.h"
#include "onemcp/mcp/executor.h"
#include "onemcp/mcp/jsonrpc.h"
#include "onemcp/mcp/peer.h"
#include "onemcp/mcp/transport.h"

namespace onemcp::sandbox {

using mcp::Json;

// Starts a server and hands back a transport to it; called again after a crash.
class BackendLauncher {
 public:
  struct Connection {
    std::shared_ptr<mcp::Transport> transport;
    // Told the negotiated protocol version (HTTP transports send it as a header).
    std::function<void(const std::string& version)> on_initialized;
  };
  virtual ~BackendLauncher() = default;
  virtual Result<Connection> launch() = 0;
  // Stops what launch() started (idempotent).
  virtual void stop() = 0;
  // Why the server is gone, for error messages ("exited with code 1; stderr: ..."); may
  // be empty.
  virtual std::string diagnose() { return {}; }
  // The container the last launch() runs in (sandboxed launchers), for owners that keep
  // track of their containers; empty otherwise.
  virtual std::string containerId() { return {}; }
  // "stdio: npx -y @modelcontextprotocol/server-everything", "http://..."
  [[nodiscard]] virtual std::string describe() const = 0;
};

struct BackendOptions {
  std::string name;
  // Unset: the name, made exposable. "": the backend's names are exposed as they are.
  std::optional<std::string> prefix;
  std::chrono::milliseconds call_timeout{std::chrono::seconds(60)};
  std::chrono::milliseconds start_timeout{std::chrono::seconds(60)};  // launch to lists
  std::size_t max_output_bytes = 8u << 20;  // a bigger result becomes an error
  std::chrono::milliseconds backoff_initial{250};
  std::chrono::milliseconds backoff_max{std::chrono::seconds(30)};
};

// The backend's lists, as it sent them (names not yet namespaced).
struct BackendLists {
  std::vector<Json> tools;
  std::vector<Json> resources;
  std::vector<Json> templates;
  std::vector<Json> prompts;
  Json capabilities = Json::object();
};

enum class ListKind { kTools, kResources, kPrompts };

struct BackendStatus {
  std::string name;
  std::string describe;
  bool up = false;
  int restarts = 0;       // successful starts after the first
  int failures = 0;       // consecutive failed starts or crashes
  std::string last_error;
  std::size_t tools = 0;
};

class Backend : public std::enable_shared_from_this<Backend> {
 public:
  struct Hooks {
    // The backend's lists changed (its own list_changed, or a restart with new lists).
    std::function<void(Backend&, ListKind)> on_list_changed;
    // A request the server makes of the client (sampling, elicitation, roots).
    std::function<Result<Json>(Backend&, const mcp::Request&, mcp::RequestScope&)> on_request;
    // Any other notification (logging, resources/updated); on the transport's thread.
    std::function<void(Backend&, const mcp::Notification&)> on_notification;
  };

  Backend(BackendOptions options, std::unique_ptr<BackendLauncher> launcher, Hooks hooks,
          mcp::Executor& executor, const Clock& clock);
  ~Backend();  // stops
  Backend(const Backend&) = delete;
  Backend& operator=(const Backend&) = delete;

  [[nodiscard]] const std::string& name() const { return options_.name; }
  [[nodiscard]] const BackendOptions& options() const { return options_; }
  [[nodiscard]] std::string prefix() const;

  // Starts the server if it is not up (honouring back-off) and fetches its lists.
  Result<void> ensureUp();
  // Sends a request to the server, starting it first when needed. Errors name the server;
  // a crash adds the launcher's diagnosis. Results over max_output_bytes are refused.
  Result<Json> request(std::string method, Json params, mcp::RequestOptions options);
  // Called once the request is on its way, with what cancels it (Peer::cancelRequest).
  using Sent = std::function<void(const std::shared_ptr<mcp::Peer>& peer, const mcp::RequestId& id)>;
  // As request(), without waiting: `done` gets the same outcome exactly once, on the
  // server's reader thread, or on a worker when the server must (re)start first or the
  // error needs the launcher's diagnosis. There is no timeout here: the caller keeps
  // the deadline (options().call_timeout) and cancels through `on_sent`'s peer.
  void requestAsync(std::string method, Json params, mcp::AsyncRequestOptions options,
                    Sent on_sent, mcp::Peer::Done done);
  // An error raised on our side of the connection (timeout, closed...), reworded to
  // name the server; a crash adds the launcher's diagnosis (which may wait briefly).
  Error named(const Error& error, std::string_view method);
  // Sends a notification if the server is up (dropped otherwise).
  void notify(std::string method, std::optional<Json> params);

  [[nodiscard]] BackendLists lists() const;
  [[nodiscard]] BackendStatus status() const;
  void stop();

 private:
  Result<void> startLocked();  // start_mu_ held
  Result<void> initialize(mcp::Peer& peer, const BackendLauncher::Connection& conn);
  // Every page of a list method; items without `id_field` are dropped.
  Result<std::vector<Json>> listAll(mcp::Peer& peer, std::string_view method,
                                    std::string_view key, std::string_view id_field);
  Result<BackendLists> fetchLists(mcp::Peer& peer);
  void refresh(ListKind kind);
  void onClosed(const std::shared_ptr<mcp::Peer>& peer, const Error& reason);
  void sendAsync(const std::shared_ptr<mcp::Peer>& peer, std::string method, Json params,
                 const mcp::AsyncRequestOptions& options, const Sent& on_sent, mcp::Peer::Done done);
  // The end of requestAsync: names local errors, applies the output cap.
  void answered(const std::string& method, Result<Json> r, const mcp::Peer::Done& done);

  const BackendOptions options_;
  const std::unique_ptr<BackendLauncher> launcher_;
  const Hooks hooks_;
  mcp::Executor& executor_;
  const Clock& clock_;

  std::mutex start_mu_;  // serialises (re)starts; never held while mu_ is wanted by a start
  mutable std::mutex mu_;
  std::shared_ptr<mcp::Peer> peer_;                      // guarded by mu_
  bool up_ = false;                                      // guarded by mu_
  bool stopped_ = false;                                 // guarded by mu_
  BackendLists lists_;                                   // guarded by mu_
  int starts_ = 0;                                       // guarded by mu_
  int failures_ = 0;                                     // guarded by mu_
  std::string last_error_;                               // guarded by mu_
  std::chrono::steady_clock::time_point next_attempt_{};  // guarded by mu_
};

}  // namespace onemcp::sandbox
