// The ways the proxy reaches a backend: a process on this host over stdio (trusted local
// servers, and measuring the proxy alone), a remote streamable HTTP or legacy SSE
// endpoint, and a run spec hosted in a hardened container (the default).
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "onemcp/common/process.h"
#include "onemcp/sandbox/proxy_backend.h"
#include "onemcp/sandbox/run_spec.h"
#include "onemcp/sandbox/server_host.h"

namespace onemcp::sandbox {

// A child process speaking MCP on its stdin/stdout. Its stderr is kept (the last 4 KiB)
// for diagnose() and written to the log at debug level.
class ProcessLauncher final : public BackendLauncher {
 public:
  explicit ProcessLauncher(ProcessSpec spec) : spec_(std::move(spec)) {}
  ~ProcessLauncher() override { stop(); }
  Result<Connection> launch() override;
  void stop() override;
  std::string diagnose() override;
  [[nodiscard]] std::string describe() const override;

 private:
  struct StderrTail;
  ProcessSpec spec_;
  std::mutex mu_;
  std::unique_ptr<Process> child_;              // guarded by mu_
  std::shared_ptr<mcp::Transport> transport_;   // guarded by mu_
  std::shared_ptr<StderrTail> tail_;            // guarded by mu_
  std::jthread stderr_reader_;                  // guarded by mu_
};

// A streamable HTTP (or, with `legacy_sse`, an HTTP+SSE) MCP endpoint.
class HttpLauncher final : public BackendLauncher {
 public:
  HttpLauncher(std::string url, std::vector<std::pair<std::string, std::string>> headers,
               bool legacy_sse = false)
      : url_(std::move(url)), headers_(std::move(headers)), legacy_sse_(legacy_sse) {}
  ~HttpLauncher() override { stop(); }
  Result<Connection> launch() override;
  void stop() override;
  [[nodiscard]] std::string describe() const override;

 private:
  std::string url_;
  std::vector<std::pair<std::string, std::string>> headers_;
  bool legacy_sse_;
  std::mutex mu_;
  std::shared_ptr<mcp::Transport> transport_;  // guarded by mu_
};

// A run spec hosted in a hardened container by a ServerHost (which must outlive it).
// Each launch starts a fresh container; the server's data volume persists.
class SandboxLauncher final : public BackendLauncher {
 public:
  SandboxLauncher(ServerHost& host, RunSpec spec, StartOptions options)
      : host_(host), spec_(std::move(spec)), options_(std::move(options)) {}
  ~SandboxLauncher() override { stop(); }
  Result<Connection> launch() override;
  void stop() override;
  std::string diagnose() override;
  std::string containerId() override;
  [[nodiscard]] std::string describe() const override;

 private:
  ServerHost& host_;
  RunSpec spec_;
  StartOptions options_;
  std::mutex mu_;
  std::unique_ptr<HostedServer> hosted_;  // guarded by mu_
  std::string last_diagnosis_;            // guarded by mu_
  HttpLauncher* http_ = nullptr;          // guarded by mu_ (owned by http_owner_)
  std::unique_ptr<HttpLauncher> http_owner_;  // guarded by mu_
};

}  // namespace onemcp::sandbox
