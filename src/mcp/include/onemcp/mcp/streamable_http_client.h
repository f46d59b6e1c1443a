// The client side of MCP's streamable HTTP transport: each message is POSTed with
// `Accept: application/json, text/event-stream` and the reply may be JSON or an SSE
// stream; the session id and protocol version headers are kept and sent; the standalone
// GET stream is opened after initialization; a dropped SSE stream is resumed after the
// server's `retry` delay with Last-Event-ID; close() DELETEs the session.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "onemcp/common/result.h"
#include "onemcp/http/client.h"
#include "onemcp/mcp/transport.h"

namespace onemcp::mcp {

struct StreamableHttpClientOptions {
  std::string url;  // the MCP endpoint, e.g. http://127.0.0.1:3001/mcp
  // Sent with every request (e.g. Authorization).
  std::vector<std::pair<std::string, std::string>> headers;
  // Until a POST's response head arrives.
  std::chrono::milliseconds request_timeout{30000};
  // Reconnect delay when the server gave no `retry`; attempts before giving up a stream.
  std::chrono::milliseconds default_retry{1000};
  int max_reconnect_attempts = 5;
  // Open the standalone GET stream once `notifications/initialized` has been accepted.
  // The POSTs after it wait for the GET's response head (at most `get_stream_wait`): a
  // server may send requests unrelated to any POST (the TypeScript SDK's `server.request`)
  // only on that stream, and drops them while it is not open, so a tool call that
  // overtook the GET could wait forever for an elicitation answer.
  bool open_get_stream = true;
  std::chrono::milliseconds get_stream_wait{5000};
  // DELETE the session on close().
  bool delete_on_close = true;
};

// Thread-safety: start/send/close/setProtocolVersion may be called from any thread.
// Incoming messages are delivered on the transport's own I/O thread, one at a time, in
// the order they are read.
class StreamableHttpClientTransport final : public Transport {
 public:
  // Fails (kInvalidInput) for a URL that is not http://.
  static Result<std::unique_ptr<StreamableHttpClientTransport>> create(
      StreamableHttpClientOptions options);
  ~StreamableHttpClientTransport() override;  // close()s

  Result<void> start(TransportHandlers handlers) override;
  // Queues one POST; POSTs are issued in send() order (each after the previous one's
  // response head). Messages for a failed POST's requests come back as JSON-RPC errors.
  Result<void> send(std::string message, const SendOptions& options = {}) override;
  void close() override;

  // The negotiated version, sent as MCP-Protocol-Version on every later request. The
  // session layer sets it after initialize; if it does not, the transport takes it from
  // the initialize result it carries.
  void setProtocolVersion(std::string version);
  [[nodiscard]] std::string protocolVersion() const;
  // Empty until the server assigns one.
  [[nodiscard]] std::string sessionId() const;

  struct Impl;

 private:
  explicit StreamableHttpClientTransport(std::shared_ptr<Impl> impl);
  std::shared_ptr<Impl> impl_;
};

}  // namespace onemcp::mcp
