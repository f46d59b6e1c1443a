// An MCP transport over a container's attach stream: newline-delimited JSON-RPC on the
// server's stdin/stdout, its stderr relayed to the log (tagged with the server's name).
// Lines on stdout that are not JSON are dropped and remembered, so a server that prints
// garbage yields an error that quotes it rather than a silent hang.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "onemcp/mcp/transport.h"
#include "onemcp/sandbox/docker_client.h"

namespace onemcp::sandbox {

// What the transport saw that was not a message; shared so that the owner of a
// container can explain a failure after the transport itself is gone.
struct AttachStats {
  std::atomic<std::size_t> garbage_lines{0};
  std::mutex mu;
  std::string first_garbage;  // guarded by mu
};

struct AttachTransportOptions {
  std::string server;                        // for logs and errors
  std::shared_ptr<AttachStats> stats;        // optional
  std::size_t max_message_bytes = 16u << 20;  // a longer stdout line is dropped
  std::size_t max_stderr_line = 4096;
};

class AttachTransport final : public mcp::Transport {
 public:
  AttachTransport(std::unique_ptr<AttachStream> stream, AttachTransportOptions options);
  ~AttachTransport() override;

  Result<void> start(mcp::TransportHandlers handlers) override;
  Result<void> send(std::string message, const mcp::SendOptions& options = {}) override;
  void close() override;
  // End of input for the server (EOF on its stdin); its output keeps flowing.
  Result<void> closeInput();

  [[nodiscard]] const std::shared_ptr<AttachStats>& stats() const { return options_.stats; }

 private:
  void readLoop();
  void finish(const Error& reason);

  std::unique_ptr<AttachStream> stream_;
  AttachTransportOptions options_;
  mcp::TransportHandlers handlers_;  // set before the reader starts, then read-only
  std::atomic<bool> closed_{false};
  std::atomic<bool> finished_{false};
  std::jthread reader_;
};

}  // namespace onemcp::sandbox
