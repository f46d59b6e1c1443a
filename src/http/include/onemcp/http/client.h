// An asynchronous HTTP/1.1 client (Boost.Beast behind a pimpl) over TCP or a unix
// socket (`http+unix://%2Fvar%2Frun%2Fdocker.sock/path`, for the Docker engine), with
// timeouts, chunked bodies and a streaming body reader for SSE and long Docker streams.
// One client owns one I/O thread; many requests and streams share it.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "onemcp/common/result.h"
#include "onemcp/http/types.h"

namespace onemcp::http {

struct ClientRequest {
  std::string method = "GET";
  // http://host:port/path?query, or http+unix://<percent-encoded socket path>/path.
  std::string url;
  // If set, connect to this unix socket instead (the url's host is then only the Host).
  std::string unix_socket;
  Headers headers;
  std::string body;
  // Until the response head has arrived (connect + write + wait).
  std::chrono::milliseconds timeout{30000};
  // Longest silence while reading the body; 0: none (a held-open SSE stream).
  std::chrono::milliseconds body_idle_timeout{30000};
};

struct ClientResponse {
  int status = 0;
  Headers headers;
  std::string body;
};

// Callbacks for a streamed exchange. All run on the client's I/O thread, in order:
// on_head once, on_data zero or more times, on_done exactly once (also when on_head was
// never called because the exchange failed early). They must not block for long.
struct StreamHandlers {
  // Return false to stop reading (the exchange then ends with on_done(ok)).
  std::function<bool(int status, const Headers& headers)> on_head;
  // A piece of the (de-chunked) body. Return false to stop reading.
  std::function<bool(std::string_view data)> on_data;
  // Ok at the end of the body (or after a handler stopped it); an Error otherwise
  // (kTimeout, kUnavailable for connect failures, kIo, kClosed after cancel()).
  std::function<void(Result<void> result)> on_done;
};

// One in-flight exchange. cancel() is thread-safe and idempotent.
class Exchange {
 public:
  virtual ~Exchange() = default;
  virtual void cancel() = 0;
};

struct ClientOptions {
  std::size_t max_body_bytes = 64u << 20;  // for send(); streamed bodies have no cap
  std::size_t max_header_bytes = 64u << 10;
  // Keep TCP connections alive between exchanges (a small per-host pool). It once made a
  // conformance scenario fail one run in eight: not the pool's fault, but the MCP client's
  // tool call overtaking its own GET stream on a pooled connection (now ordered, see
  // StreamableHttpClientOptions::get_stream_wait).
  bool keep_alive = true;
};

class HttpClient {
 public:
  explicit HttpClient(ClientOptions options = {});
  ~HttpClient();  // cancels what is in flight and joins the I/O thread
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Starts an exchange; its outcome arrives through `handlers`. Never blocks.
  std::shared_ptr<Exchange> stream(ClientRequest request, StreamHandlers handlers);

  // Blocking convenience: the whole response, body buffered (capped). Must not be
  // called from a StreamHandlers callback (it would wait for its own thread).
  Result<ClientResponse> send(ClientRequest request);

  // Runs `fn` on the client's I/O thread after `delay` unless cancel() comes first
  // (used for SSE reconnect back-off). Never blocks.
  std::shared_ptr<Exchange> schedule(std::chrono::milliseconds delay, std::function<void()> fn);
  // True on the client's own I/O thread (where handlers and scheduled work run).
  [[nodiscard]] bool onIoThread() const;

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

// Parsed form of a client URL. Pure; exposed for tests.
struct ParsedUrl {
  bool unix_socket = false;
  std::string host;    // for TCP; for unix: the decoded socket path
  std::string port;    // "80" by default
  std::string target;  // path + query, at least "/"
  std::string host_header;
};
Result<ParsedUrl> parseUrl(std::string_view url);

}  // namespace onemcp::http
