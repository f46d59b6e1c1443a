// The JSON-RPC engine shared by client and server sessions: outgoing request ids,
// pending requests with timeouts (many in flight), cancellation in both directions
// (notifications/cancelled), progress tokens, and dispatch of incoming requests to an
// Executor so that handlers never run on the transport's thread.
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

  struct Options {
    ParseLimits limits;
    // Shared executor (must outlive close()); when null the peer owns a pool of
    // `worker_threads`. After close() nothing more is posted to it.
    Executor* executor = nullptr;
    std::size_t worker_threads = 4;
    std::string name = "peer";  // for log lines
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
