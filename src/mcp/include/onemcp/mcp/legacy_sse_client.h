// The client side of MCP's older HTTP+SSE transport (spec 2024-11-05), for servers that
// predate streamable HTTP: GET the SSE URL, wait for the `endpoint` event naming where
// to POST, then POST each message there; every server message arrives on the SSE stream.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "onemcp/common/result.h"
#include "onemcp/mcp/transport.h"

namespace onemcp::mcp {

struct LegacySseClientOptions {
  std::string url;  // the SSE endpoint, e.g. http://127.0.0.1:3001/sse
  std::vector<std::pair<std::string, std::string>> headers;
  // start() waits this long for the `endpoint` event.
  std::chrono::milliseconds connect_timeout{10000};
  std::chrono::milliseconds request_timeout{30000};
};

// Thread-safety as for StreamableHttpClientTransport: any thread may call; messages are
// delivered on the transport's own I/O thread in stream order.
class LegacySseClientTransport final : public Transport {
 public:
  static Result<std::unique_ptr<LegacySseClientTransport>> create(LegacySseClientOptions options);
  ~LegacySseClientTransport() override;

  // Opens the SSE stream and waits (bounded) for the endpoint event.
  Result<void> start(TransportHandlers handlers) override;
  Result<void> send(std::string message, const SendOptions& options = {}) override;
  void close() override;

  // The POST URL the server announced (empty before start()).
  [[nodiscard]] std::string endpoint() const;

  struct Impl;

 private:
  explicit LegacySseClientTransport(std::shared_ptr<Impl> impl);
  std::shared_ptr<Impl> impl_;
};

}  // namespace onemcp::mcp
