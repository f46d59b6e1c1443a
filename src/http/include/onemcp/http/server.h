// An asynchronous HTTP/1.1 server (Boost.Beast behind a pimpl) for OneMCP's endpoints:
// routes by method + path, caps request bodies (413), and can hold a response open as a
// stream (Server-Sent Events) that any thread may write to. A small fixed pool of
// threads runs all connections, so many long-lived streams cost sockets, not threads.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "onemcp/common/result.h"
#include "onemcp/http/types.h"

namespace onemcp::http {

// The open body of a streaming response (chunked transfer encoding).
// Thread-safe: write()/close() may be called from any thread; writes are queued on the
// connection's strand and go out in call order.
class ResponseStream {
 public:
  virtual ~ResponseStream() = default;
  // Queues bytes. Fails with kClosed once the stream or its connection has closed, and
  // with kTooLarge if more than the connection's pending-write cap is queued (slow peer).
  virtual Result<void> write(std::string data) = 0;
  // Ends the response after queued writes flush. Idempotent.
  virtual void close() = 0;
  [[nodiscard]] virtual bool isOpen() const = 0;
  // Called once, on a server thread, when the stream ends for any reason (close(), peer
  // gone, server stop). If already ended, called at once on the calling thread.
  virtual void onClosed(std::function<void()> callback) = 0;
};

// Handed to a handler; answers its request exactly once, from any thread, at any time.
// If the last reference is dropped unanswered, the server replies 500.
class Responder {
 public:
  virtual ~Responder() = default;
  virtual void respond(Response response) = 0;
  // Sends the status and headers now and returns the open body. Content-Type etc. are
  // the caller's to set.
  virtual std::shared_ptr<ResponseStream> beginStream(int status, Headers headers) = 0;
};

// Handlers run on a server thread and should return quickly; they must not throw (an
// escaping exception is caught and answered 500, and logged).
using Handler = std::function<void(Request request, std::shared_ptr<Responder> responder)>;

struct ServerOptions {
  std::string bind_address = "127.0.0.1";
  std::uint16_t port = 0;  // 0: the OS picks; see HttpServer::port()
  std::size_t threads = 2;
  std::size_t max_body_bytes = 4u << 20;   // larger bodies get 413
  std::size_t max_header_bytes = 64u << 10;  // larger heads get 431
  std::size_t max_pending_stream_bytes = 8u << 20;  // per stream, unsent
  std::chrono::milliseconds read_timeout{30000};  // for a request head+body to arrive
  std::chrono::milliseconds idle_timeout{120000};  // keep-alive connection without requests
};

class HttpServer {
 public:
  explicit HttpServer(ServerOptions options);
  ~HttpServer();  // stop()s
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Registers `handler` for exact `method` and `path` ("*" method: any). Call before
  // start(). Unknown path: 404; known path, other method: 405 with Allow.
  void route(std::string method, std::string path, Handler handler);
  // Registers a handler for requests no route matches (instead of 404/405).
  void fallback(Handler handler);

  // Binds, listens and starts the threads.
  Result<void> start();
  // The bound port (after start()).
  [[nodiscard]] std::uint16_t port() const;
  [[nodiscard]] const std::string& bindAddress() const;

  // Stops accepting, ends open streams and connections, joins the threads. Idempotent.
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace onemcp::http
