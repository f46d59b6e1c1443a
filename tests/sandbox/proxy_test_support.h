// In-process backends for proxy tests: an McpServer reached over a memory transport pair,
// which a test can crash (close from the server side) or make fail to start.
#pragma once

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>

#include "onemcp/mcp/client.h"
#include "onemcp/mcp/memory_transport.h"
#include "onemcp/mcp/server.h"
#include "onemcp/sandbox/proxy.h"

namespace onemcp::sandbox::testing {

struct InProcessState {
  std::mutex mu;
  std::shared_ptr<mcp::ServerSession> session;  // guarded by mu
  std::atomic<int> launches{0};
  std::atomic<int> fail_launches{0};  // the next N launches fail
};

class InProcessLauncher final : public BackendLauncher {
 public:
  InProcessLauncher(mcp::McpServer& server, std::shared_ptr<InProcessState> state)
      : server_(server), state_(std::move(state)) {}
  Result<Connection> launch() override {
    ++state_->launches;
    if (state_->fail_launches > 0) {
      --state_->fail_launches;
      return fail(ErrorCode::kUnavailable, "simulated start failure");
    }
    auto [client_end, server_end] = mcp::makeMemoryTransportPair();
    auto s = server_.serve(server_end);
    if (!s) return fail(s.error());
    std::lock_guard lock(state_->mu);
    state_->session = *s;
    return Connection{client_end, {}};
  }
  void stop() override {
    std::shared_ptr<mcp::ServerSession> s;
    {
      std::lock_guard lock(state_->mu);
      s = std::move(state_->session);
    }
    if (s) s->close();
  }
  std::string diagnose() override { return "simulated crash"; }
  [[nodiscard]] std::string describe() const override { return "in-process"; }

 private:
  mcp::McpServer& server_;
  std::shared_ptr<InProcessState> state_;
};

// Closes the backend's server session from the server side, as a crash would.
inline void crash(InProcessState& state) {
  std::shared_ptr<mcp::ServerSession> s;
  {
    std::lock_guard lock(state.mu);
    s = state.session;
  }
  if (s) s->close();
}

// Blocks a tool handler until its call is cancelled (or the session closes).
inline void blockUntilCancelled(const mcp::ServerContext& ctx) {
  std::mutex mu;
  std::condition_variable_any cv;
  std::unique_lock lock(mu);
  cv.wait(lock, ctx.stopToken(), [] { return false; });
}

inline mcp::Tool namedTool(const std::string& name, const std::string& description = "") {
  mcp::Tool t;
  t.name = name;
  t.description = description.empty() ? "test tool " + name : description;
  return t;
}

// A client session on the proxy over a memory transport.
inline std::unique_ptr<mcp::ClientSession> connectClient(McpProxy& proxy,
                                                         std::shared_ptr<ProxySession>* handle,
                                                         mcp::ClientOptions options = {}) {
  auto [client_end, proxy_end] = mcp::makeMemoryTransportPair();
  auto session = proxy.serve(proxy_end);
  if (!session) return nullptr;
  if (handle) *handle = *session;
  auto client = std::make_unique<mcp::ClientSession>(client_end, std::move(options));
  if (!client->initialize()) return nullptr;
  return client;
}

}  // namespace onemcp::sandbox::testing
