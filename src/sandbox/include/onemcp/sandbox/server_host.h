// Runs MCP servers from run specs in hardened containers: resolves the runtime image,
// installs packages once into a cached volume (networked), starts the server without
// network, and hands back an MCP transport (stdio over attach) or an endpoint URL
// (streamable HTTP). HostedServer is the RAII handle: destroying it removes the container;
// recover() brings a crashed server back under a restart policy (back-off and a cap).
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "onemcp/common/clock.h"
#include "onemcp/common/result.h"
#include "onemcp/mcp/transport.h"
#include "onemcp/sandbox/attach_transport.h"
#include "onemcp/sandbox/docker_client.h"
#include "onemcp/sandbox/hardening.h"
#include "onemcp/sandbox/image_builder.h"
#include "onemcp/sandbox/run_spec.h"

namespace onemcp::sandbox {

// What happens when a server's process dies. Its owner notices first (the stdio transport
// closes, or HTTP requests fail) and calls HostedServer::recover(), which restarts it after
// a back-off that doubles per crash, until max_restarts crashes came too close together.
// HTTP containers also carry the engine's on-failure policy (HostPolicy), so the engine may
// have restarted one already; recover() then only finds its endpoint again.
struct RestartPolicy {
  int max_restarts = 3;  // crashes recovered in a row before giving up; 0: never restart
  std::chrono::milliseconds initial_backoff{250};  // before the first restart
  std::chrono::milliseconds max_backoff{8000};     // the doubling stops here
  // A server that ran this long before it crashed starts a new row (count back to 0).
  std::chrono::milliseconds reset_after{std::chrono::minutes(1)};
};

// Waits out a back-off. The default sleeps; tests pass one that records the waits.
using SleepFn = std::function<void(std::chrono::milliseconds)>;

// Why a server crashed and what recover() did about it.
struct CrashReport {
  std::string cause;  // diagnose() taken before the restart: "exited with code 1; last output: ..."
  int exit_code = 0;
  bool oom_killed = false;
  int restarts = 0;                   // restarts in the current row, this one included
  std::chrono::milliseconds backoff{0};  // waited before this restart
};

// Collaborators of recover(); the defaults are the system clock and a real sleep.
struct RecoveryOptions {
  RestartPolicy policy;
  const Clock* clock = nullptr;  // not owned; nullptr: the steady system clock
  SleepFn sleep;                 // empty: std::this_thread::sleep_for
};

struct StartOptions {
  // Values for env vars the spec leaves open (secrets, user settings). Never logged.
  std::map<std::string, std::string> env_values;
  std::chrono::milliseconds install_timeout{std::chrono::minutes(5)};
  std::chrono::milliseconds ready_timeout{std::chrono::seconds(30)};  // HTTP port opening
  ProgressFn progress;
  RestartPolicy restart;
  // A running container of this owner for the same server (left by a host process that
  // died) is adopted instead of starting a new one: re-attached (stdio; needs
  // HostPolicy::reattachable_stdio) or its endpoint found again (HTTP). Other containers
  // of that server and owner are removed.
  bool adopt_running = false;
};

// One running server. Not thread-safe: one owner thread calls its methods (the proxy's
// backend, the CLI, a test); the transports it hands out have their own threads.
class HostedServer {
 public:
  HostedServer(DockerClient& docker, RunSpec spec, std::string container_id,
               std::string network_id, RecoveryOptions recovery = {});
  HostedServer(const HostedServer&) = delete;
  HostedServer& operator=(const HostedServer&) = delete;
  ~HostedServer();  // remove() unless release()d

  [[nodiscard]] const RunSpec& spec() const { return spec_; }
  [[nodiscard]] const std::string& name() const { return spec_.name; }
  [[nodiscard]] const std::string& containerId() const { return id_; }

  // stdio: the transport over the container's attach stream, handed out once per
  // (re)start; nullptr when already taken, or for an HTTP server.
  std::unique_ptr<mcp::Transport> takeTransport();
  // http: "http://<address>:<port><path>", reachable from this host.
  [[nodiscard]] const std::string& url() const { return url_; }

  Result<ContainerInfo> inspect();
  Result<std::string> logs(int tail);
  Result<WaitResult> wait(std::chrono::milliseconds timeout);
  Result<void> stop(std::chrono::seconds grace);
  // A deliberate restart: stops if running and starts the same container again (same data
  // volume, fresh attach; takeTransport() then gives the new transport). Not counted as a
  // crash.
  Result<void> restart(std::chrono::milliseconds ready_timeout = std::chrono::seconds(30));

  // The contract for an owner whose server died (its transport's on_close fired, or its
  // HTTP endpoint stopped answering):
  //   1. drop the old transport (and any session on it); pending calls on it already
  //      failed with kClosed;
  //   2. call recover() from the owner's thread, never from inside the transport's
  //      callbacks; it blocks for the back-off and the start;
  //   3. on success, stdio: takeTransport() and initialize a new session on it (the server
  //      is a new process and knows nothing of the old session); http: url() may have
  //      changed;
  //   4. on failure (kUnavailable: max_restarts crashes in a row, or the restart itself
  //      failed), the container is left stopped for logs()/diagnose(); remove() it.
  // The report says why the server crashed, taken before the restart.
  Result<CrashReport> recover(std::chrono::milliseconds ready_timeout = std::chrono::seconds(30));
  // The last crash recover() saw, if any.
  [[nodiscard]] const std::optional<CrashReport>& lastCrash() const { return last_crash_; }
  // Crashes recovered in the current row (reset by a run longer than reset_after).
  [[nodiscard]] int restartCount() const { return restarts_; }
  // Force-removes the container and its private network. Idempotent.
  Result<void> remove();
  // Keeps the container when this handle is destroyed (another process adopts it).
  void release() { released_ = true; }

  // Why the server is gone or failing, for error messages: "exited with code 1",
  // "killed: memory limit reached (OOM)", "printed non-JSON on stdout: ...", plus the last
  // lines it wrote to stderr.
  std::string diagnose();
  // `error` with the server's name and its diagnosis attached.
  Error explain(const Error& error);

  // Used by ServerHost while starting.
  Result<void> attachAndStart(std::chrono::milliseconds ready_timeout);
  // Attaches to the already running container again (stdio; its stdin must have stayed
  // open) or finds its endpoint (HTTP). Used to adopt a container.
  Result<void> reattach(std::chrono::milliseconds ready_timeout);
  // http: finds the address of the server's port and waits until it accepts connections.
  Result<void> resolveEndpoint(std::chrono::milliseconds ready_timeout);
  [[nodiscard]] const std::string& networkId() const { return network_id_; }

 private:
  [[nodiscard]] std::chrono::steady_clock::time_point now() const;
  std::chrono::milliseconds backoffFor(int restarts) const;

  DockerClient& docker_;
  RunSpec spec_;
  std::string id_;
  std::string network_id_;
  std::string url_;
  std::unique_ptr<mcp::Transport> transport_;
  std::shared_ptr<AttachStats> stats_ = std::make_shared<AttachStats>();
  RecoveryOptions recovery_;
  std::chrono::steady_clock::time_point started_at_{};
  int restarts_ = 0;
  std::optional<CrashReport> last_crash_;
  bool released_ = false;
  bool removed_ = false;
};

class ServerHost {
 public:
  ServerHost(DockerClient& docker, ImageBuilder& images, HostPolicy policy);

  Result<std::unique_ptr<HostedServer>> start(const RunSpec& spec, const StartOptions& options);
  // Installs the spec's packages (or its source folder, then its build command) into their
  // cached volume unless already there. Returns true when it installed, false when the
  // cache was used. A changed source folder gets a new volume (keyed by its fingerprint).
  Result<bool> ensureInstalled(const RunSpec& spec, const std::string& image,
                               const StartOptions& options);

  // Containers of this owner (all states).
  Result<std::vector<ContainerSummary>> list();
  // After a crash of the previous host process: running HTTP servers of this owner are
  // adopted (returned), everything else of this owner is removed.
  Result<std::vector<std::unique_ptr<HostedServer>>> adoptOrRemove();
  // Removes every container, network and (with volumes) volume of this owner.
  Result<int> removeAll(bool volumes);

  [[nodiscard]] const HostPolicy& policy() const { return policy_; }

 private:
  // from_source: the fingerprint of the source folder; else empty.
  Result<std::string> sourceKey(const RunSpec& spec);
  Result<std::string> ensureDataVolume(const RunSpec& spec);
  Result<std::string> privateNetwork(const RunSpec& spec, const std::string& instance);
  std::string networkOf(const std::string& container_id, const std::string& owner);
  // The running container of `spec` left by an earlier host process, re-attached; nullopt
  // when there is none (the others of that server are removed).
  std::optional<std::unique_ptr<HostedServer>> adoptRunning(const RunSpec& spec,
                                                            const StartOptions& options);

  DockerClient& docker_;
  ImageBuilder& images_;
  HostPolicy policy_;
};

// A random lowercase hex string for instance ids.
std::string randomInstanceId();

}  // namespace onemcp::sandbox
