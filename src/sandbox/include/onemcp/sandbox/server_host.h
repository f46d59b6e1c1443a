// Runs MCP servers from run specs in hardened containers: resolves the runtime image,
// installs packages once into a cached volume (networked), starts the server without
// network, and hands back an MCP transport (stdio over attach) or an endpoint URL
// (streamable HTTP). HostedServer is the RAII handle: destroying it removes the container.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "onemcp/common/result.h"
#include "onemcp/mcp/transport.h"
#include "onemcp/sandbox/attach_transport.h"
#include "onemcp/sandbox/docker_client.h"
#include "onemcp/sandbox/hardening.h"
#include "onemcp/sandbox/image_builder.h"
#include "onemcp/sandbox/run_spec.h"

namespace onemcp::sandbox {

struct StartOptions {
  // Values for env vars the spec leaves open (secrets, user settings). Never logged.
  std::map<std::string, std::string> env_values;
  std::chrono::milliseconds install_timeout{std::chrono::minutes(5)};
  std::chrono::milliseconds ready_timeout{std::chrono::seconds(30)};  // HTTP port opening
  ProgressFn progress;
};

class HostedServer {
 public:
  HostedServer(DockerClient& docker, RunSpec spec, std::string container_id,
               std::string network_id);
  HostedServer(const HostedServer&) = delete;
  HostedServer& operator=(const HostedServer&) = delete;
  ~HostedServer();  // remove() unless release()d

  [[nodiscard]] const RunSpec& spec() const { return spec_; }
  [[nodiscard]] const std::string& name() const { return spec_.name; }
  [[nodiscard]] const std::string& containerId() const { return id_; }

  // stdio: the transport over the container's attach stream (once per (re)start).
  std::unique_ptr<mcp::Transport> takeTransport();
  // http: "http://<address>:<port><path>", reachable from this host.
  [[nodiscard]] const std::string& url() const { return url_; }

  Result<ContainerInfo> inspect();
  Result<std::string> logs(int tail);
  Result<WaitResult> wait(std::chrono::milliseconds timeout);
  Result<void> stop(std::chrono::seconds grace);
  // Stops if running and starts the same container again (same data volume).
  Result<void> restart(std::chrono::milliseconds ready_timeout = std::chrono::seconds(30));
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
  // http: finds the address of the server's port and waits until it accepts connections.
  Result<void> resolveEndpoint(std::chrono::milliseconds ready_timeout);
  [[nodiscard]] const std::string& networkId() const { return network_id_; }

 private:
  DockerClient& docker_;
  RunSpec spec_;
  std::string id_;
  std::string network_id_;
  std::string url_;
  std::unique_ptr<mcp::Transport> transport_;
  std::shared_ptr<AttachStats> stats_ = std::make_shared<AttachStats>();
  bool released_ = false;
  bool removed_ = false;
};

class ServerHost {
 public:
  ServerHost(DockerClient& docker, ImageBuilder& images, HostPolicy policy);

  Result<std::unique_ptr<HostedServer>> start(const RunSpec& spec, const StartOptions& options);
  // Installs the spec's packages into their cached volume unless already there.
  // Returns true when it installed, false when the cache was used.
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
  Result<std::string> ensureDataVolume(const RunSpec& spec);
  Result<std::string> privateNetwork(const RunSpec& spec, const std::string& instance);
  std::string networkOf(const std::string& container_id, const std::string& owner);

  DockerClient& docker_;
  ImageBuilder& images_;
  HostPolicy policy_;
};

// A random lowercase hex string for instance ids.
std::string randomInstanceId();

}  // namespace onemcp::sandbox
