// The server side of MCP's streamable HTTP transport (spec 2025-03-26 .. 2025-11-25):
// one endpoint (default /mcp) taking POST (JSON-RPC in; JSON or an SSE stream out), GET
// (the standalone SSE stream, resumable with Last-Event-ID) and DELETE (end session).
// Each new session (an `initialize` POST) becomes one Transport handed to the acceptor.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "onemcp/common/clock.h"
#include "onemcp/common/result.h"
#include "onemcp/mcp/transport.h"

namespace onemcp::mcp {

// How Mcp-Session-Id values are made and checked. Unset: 128 random bits, and an id the
// server does not hold gets 404.
struct SessionIdPolicy {
  std::function<std::string()> issue;  // a new session's id (visible ASCII)
  // Runs before the session table is searched. kNotFound: 404, so the client starts a new
  // session; any other error: 400 with its message.
  std::function<Result<void>(std::string_view id)> check;
};

struct StreamableHttpServerOptions {
  std::string bind_address = "127.0.0.1";
  std::uint16_t port = 0;  // 0: any free port; see StreamableHttpServer::port()
  std::string endpoint_path = "/mcp";
  std::size_t threads = 2;
  std::size_t max_body_bytes = 4u << 20;  // a larger POST body gets 413
  // DNS-rebinding protection. Host header values ("name" or "name:port") accepted;
  // empty: localhost, 127.0.0.1 and [::1] on any port. Origin, when a request has one,
  // must be in allowed_origins ("http://localhost:3000"); empty: http(s) origins whose
  // host is one of the localhost names. Anything else gets 403.
  std::vector<std::string> allowed_hosts;
  std::vector<std::string> allowed_origins;
  // When set, every request must carry "Authorization: Bearer <token>" (401 otherwise;
  // checked after Host/Origin, compared in constant time).
  std::string bearer_token;
  // MCP-Protocol-Version values accepted (400 otherwise). A request without the header
  // is taken as 2025-03-26, as the spec says.
  std::vector<std::string> protocol_versions = {"2024-11-05", "2025-03-26", "2025-06-18",
                                                "2025-11-25"};
  // Events kept per SSE stream for replay after a reconnect (Last-Event-ID).
  std::size_t replay_events = 512;
  // Sent as the SSE `retry:` on each stream's priming event (clients 2025-11-25+).
  std::chrono::milliseconds sse_retry{1000};
  // Answer POSTs with application/json instead of an SSE stream (messages the server
  // sends while handling such a request then go to the GET stream).
  bool json_responses = false;
  // For a POST whose client accepts both: answer with plain JSON while only responses
  // come back, and switch that POST to an SSE stream at the first notification or
  // request sent on its behalf (progress, logging, sampling...). Saves the stream's
  // framing and lets the connection be kept alive.
  bool sse_on_demand = false;
  // New sessions beyond this many get 503 (each holds buffers and a session layer).
  std::size_t max_sessions = 1024;
  // A session with no open stream and no request for this long is closed (its
  // on_close gets kTimeout); checked whenever a new session starts. 0: never.
  std::chrono::milliseconds session_idle_timeout{std::chrono::hours(1)};
  SessionIdPolicy session_ids;
};

// Receives each new session's transport before its `initialize` is delivered. The
// acceptor must call transport->start(...) before returning; it runs on a server thread.
using SessionAcceptor = std::function<void(std::shared_ptr<Transport> transport)>;

// The `initialize` POST that opens a session, for an acceptor that needs more than the
// transport: for example a header by which a client says which editor window it is.
struct SessionRequest {
  // A request header's value by case-insensitive name; valid during the acceptor's call.
  std::function<std::optional<std::string>(std::string_view name)> header;
};
using SessionRequestAcceptor =
    std::function<void(std::shared_ptr<Transport> transport, const SessionRequest& request)>;

class StreamableHttpServer {
 public:
  // Binds and starts serving. Fails (kUnavailable) if the address cannot be bound.
  // `clock` (optional, must outlive the server) measures session idleness; default:
  // the system's steady clock.
  static Result<std::unique_ptr<StreamableHttpServer>> start(
      StreamableHttpServerOptions options, SessionAcceptor acceptor, const Clock* clock = nullptr);
  // The same, with an acceptor that also reads the request that opened the session.
  static Result<std::unique_ptr<StreamableHttpServer>> start(StreamableHttpServerOptions options,
                                                             SessionRequestAcceptor acceptor,
                                                             const Clock* clock = nullptr);
  ~StreamableHttpServer();  // stop()s
  StreamableHttpServer(const StreamableHttpServer&) = delete;
  StreamableHttpServer& operator=(const StreamableHttpServer&) = delete;

  [[nodiscard]] std::uint16_t port() const;
  // "http://127.0.0.1:PORT/mcp"
  [[nodiscard]] std::string url() const;
  [[nodiscard]] std::size_t sessionCount() const;

  // Closes every session (their transports' on_close fires with kClosed), then stops
  // the HTTP server and joins its threads. Idempotent.
  void stop();

  struct Impl;

 private:
  explicit StreamableHttpServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace onemcp::mcp
