// The JSON-RPC engine shared by client and server sessions: outgoing request ids,
// pending requests with timeouts (many in flight), cancellation in both directions
// (notifications/cancelled), progress tokens, and dispatch of incoming requests to an
// Executor so that handlers never run on the transport's thread. A relay (the proxy)
// may instead take a request inline and answer it later, from another peer's thread,
// with requestAsync(): no thread is held while the answer is on its way.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <stop_token>
#include <string>

#include "onemcp/common/result.h"
#include "onemcp/mcp/executor.h"
#include "onemcp/mcp/jsonrpc.h"
#include "onemcp/mcp/messages.h"
#include "onemcp/mcp/transport.h"

namespace onemcp::mcp {

struct RequestOptions {
  std::chrono::milliseconds timeout{60000};
  // When set, the request carries _meta.progressToken and progress notifications for it
  // are delivered here (on the transport's thread: must not block).
  std::function<void(const ProgressParams&)> on_progress;
  // Requesting stop cancels the call: the peer is told with notifications/cancelled and
  // the call returns kRequestCancelled.
  std::stop_token stop;
  // The incoming request this one is made on behalf of (routes it on HTTP transports).
  std::string related_request_id;
};

// A request sent with Peer::requestAsync: no timeout and no stop token of its own (the
// caller keeps its own deadline and calls cancelRequest).
struct AsyncRequestOptions {
  // As RequestOptions::on_progress (on the transport's thread: must not block).
  std::function<void(const ProgressParams&)> on_progress;
  std::string related_request_id;
};

class PeerCore;

// What a request handler gets besides the request: its cancellation, its progress
// token, and a way to talk to the peer on behalf of this request.
class RequestScope {
 public:
  RequestScope(std::shared_ptr<PeerCore> core, RequestId id, std::optional<Json> progress_token,
                std::stop_token stop)
      : core_(std::move(core)), id_(std::move(id)), progress_token_(std::move(progress_token)),
        stop_(std::move(stop)) {}

  [[nodiscard]] const RequestId& id() const { return id_; }
  // Stops when the peer cancels this request or the session closes.
  [[nodiscard]] const std::stop_token& stopToken() const { return stop_; }
  [[nodiscard]] bool cancelled() const { return stop_.stop_requested(); }
  [[nodiscard]] const std::optional<Json>& progressToken() const { return progress_token_; }

  // Sends notifications/progress if the request carried a progress token (no-op otherwise).
  Result<void> progress(double progress, std::optional<double> total = std::nullopt,
                        std::optional<std::string> message = std::nullopt);
  Result<void> notify(std::string method, std::optional<Json> params);
  // A request to the peer made while handling this one; cancelled with it.
  Result<Json> request(std::string method, std::optional<Json> params, RequestOptions options);

 private:
  std::shared_ptr<PeerCore> core_;
  RequestId id_;
  std::optional<Json> progress_token_;
  std::stop_token stop_;
};

class Peer {
 public:
  // Runs on an executor thread; the returned value or error becomes the response.
  using RequestHandler = std::function<Result<Json>(const Request&, RequestScope&)>;
  // Runs on the transport's thread, in arrival order: must not block.
  using NotificationHandler = std::function<void(const Notification&)>;
  using CloseHandler = std::function<void(const Error&)>;
  // Answers a request taken inline; call it exactly once, from any thread.
  using Reply = std::function<void(Result<Json>)>;
  // Tried first for each incoming request, on the transport's thread: must not block or
  // throw. Returns true when it has taken the request (it may move from req.params) and
  // will call `reply`; false leaves the request to the RequestHandler on the executor.
  // The scope stops when the peer cancels the request or the session closes.
  using InlineRequestHandler = std::function<bool(Request& req, RequestScope& scope, Reply& reply)>;
  // The outcome of a requestAsync: the response, the peer's error, kClosed when the
  // session closes, or what cancelRequest was given.
  using Done = std::function<void(Result<Json>)>;

  struct Options {
    ParseLimits limits;
    // Shared executor (must outlive close()); when null the peer owns a pool of
    // `worker_threads`. After close() nothing more is posted to it.
    Executor* executor = nullptr;
    std::size_t worker_threads = 4;
    std::string name = "peer";  // for log lines
    InlineRequestHandler inline_request;  // optional
  };

  Peer(std::shared_ptr<Transport> transport, Options options, RequestHandler on_request,
       NotificationHandler on_notification, CloseHandler on_close = {});
  // Closes the transport, fails pending requests, joins an owned pool.
  ~Peer();
  Peer(const Peer&) = delete;
  Peer& operator=(const Peer&) = delete;

  Result<void> start();
  // Sends a request and waits for its response (or timeout / cancellation / close).
  Result<Json> request(std::string method, std::optional<Json> params,
                       const RequestOptions& options);
  // Sends a request and returns at once with its id; `done` runs exactly once, on the
  // transport's thread when the response arrives (it must not block). When sending
  // fails, the error is returned and `done` is never called.
  Result<RequestId> requestAsync(std::string method, std::optional<Json> params,
                                 const AsyncRequestOptions& options, Done done);
  // Fails a request still in flight (its `done`, or the waiting request(), gets `error`)
  // and tells the peer with notifications/cancelled and `reason`. False when it had
  // already finished.
  bool cancelRequest(const RequestId& id, const Error& error, const std::string& reason,
                     const std::string& related_request_id = {});
  Result<void> notify(std::string method, std::optional<Json> params,
                      const SendOptions& send_options = {});
  // Allows incoming batches (only protocol 2025-03-26 has them).
  void setBatchesAllowed(bool allowed);
  [[nodiscard]] bool closed() const;
  void close();

 private:
  std::shared_ptr<Transport> transport_;
  std::unique_ptr<ThreadPool> owned_pool_;
  std::shared_ptr<PeerCore> core_;
};

}  // namespace onemcp::mcp
