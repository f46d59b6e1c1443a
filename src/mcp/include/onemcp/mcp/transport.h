// A transport moves whole JSON-RPC messages (or batches) between two MCP peers.
// Implementations: stdio (newline-delimited JSON), streamable HTTP (server side: one
// Transport per Mcp-Session-Id; client side), legacy HTTP+SSE client.
// Sessions (client or server) sit on top and never see framing or HTTP.
#pragma once

#include <functional>
#include <string>

#include "onemcp/common/result.h"

namespace onemcp::mcp {

// Hints a transport may use to choose where a message goes.
struct SendOptions {
  // Serialized JSON id of the incoming request this message belongs to: a response's own
  // id, or the request during whose handling a notification/request is sent (progress,
  // logging, sampling...). The streamable HTTP server writes such messages on that
  // request's POST stream. Empty: not related (goes on the standalone GET stream).
  std::string related_request_id;
};

struct TransportHandlers {
  // One complete JSON text: a single message or a batch. Called from the transport's own
  // thread, in arrival order. Must not block waiting for another incoming message.
  std::function<void(std::string message)> on_message;
  // Called exactly once when the transport closes (peer gone, error, or close()).
  std::function<void(const Error& reason)> on_close;
};

class Transport {
 public:
  virtual ~Transport() = default;
  // Begins delivering incoming messages to `handlers`.
  virtual Result<void> start(TransportHandlers handlers) = 0;
  // Sends one serialized message. Thread-safe; never blocks on the peer for long.
  virtual Result<void> send(std::string message, const SendOptions& options = {}) = 0;
  // Closes the transport; on_close fires once. Idempotent, thread-safe.
  virtual void close() = 0;
};

}  // namespace onemcp::mcp
