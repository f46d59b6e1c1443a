// MCP's stdio transport: newline-delimited JSON over a pair of file descriptors. Serves
// both our own stdin/stdout (`onemcp demo-server --stdio`) and a spawned server's pipes.
// A line over the cap is skipped and answered with a JSON-RPC error; a peer that closes
// mid-line closes the transport cleanly.
#pragma once

#include <atomic>
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "onemcp/common/process.h"
#include "onemcp/mcp/transport.h"

namespace onemcp::mcp {

struct StdioOptions {
  std::size_t max_line_bytes = 4 * 1024 * 1024;
  std::string name = "stdio";  // for log lines
};

class StdioTransport final : public Transport {
 public:
  // Takes ownership of both descriptors.
  StdioTransport(Fd read_fd, Fd write_fd, StdioOptions options = {});
  // Reads this process's stdin and writes its stdout (through duplicates of fds 0 and 1).
  static Result<std::shared_ptr<StdioTransport>> forThisProcess(StdioOptions options = {});
  // Talks to a child over its stdout (read) and stdin (write), taking both pipe ends.
  static std::shared_ptr<StdioTransport> forChild(Process& child, StdioOptions options = {});
  ~StdioTransport() override;

  Result<void> start(TransportHandlers handlers) override;
  Result<void> send(std::string message, const SendOptions& options = {}) override;
  // Stops reading and closes both descriptors. When called from a thread other than the
  // reader, no callback runs after it returns.
  void close() override;

 private:
  struct Reader;
  static void readLoop(const std::shared_ptr<Reader>& reader);

  std::shared_ptr<Reader> reader_;  // shared with the reader thread
  std::mutex join_mu_;
  std::jthread thread_;  // guarded by join_mu_ (for joining)
};

}  // namespace onemcp::mcp
