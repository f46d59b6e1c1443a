#include "onemcp/mcp/peer.h"

#include <future>
#include <map>
#include <mutex>

#include "onemcp/common/log.h"
#include "onemcp/mcp/protocol.h"

namespace onemcp::mcp {
namespace {

// A request in flight: a blocked request() waits on the promise; requestAsync() gets
// its answer through `done` instead (and allocates no promise).
struct Pending {
  std::optional<std::promise<Result<Json>>> promise;
  Peer::Done done;

  void complete(Result<Json> r) {
    if (done) {
      done(std::move(r));
    } else {
      promise->set_value(std::move(r));
    }
  }
};

std::optional<Json> progressTokenOf(const Request& req) {
  if (!req.params || !req.params->is_object()) return std::nullopt;
  auto meta = req.params->find("_meta");
  if (meta == req.params->end() || !meta->is_object()) return std::nullopt;
  auto token = meta->find("progressToken");
  if (token == meta->end()) return std::nullopt;
  return *token;
}

// Collects the replies to one incoming batch and sends them as one array once every
// request in it has been answered (or cancelled).
struct BatchReply {
  std::mutex mu;
  std::vector<Message> replies;  // guarded by mu
  std::size_t remaining = 0;     // guarded by mu
};

Error wireError(const Error& e) {
  // Our internal codes have no meaning to a peer; the size cap is an invalid request.
  if (e.code == ErrorCode::kTooLarge) return Error(ErrorCode::kInvalidRequest, e.message);
  return e;
}

}  // namespace

class PeerCore : public std::enable_shared_from_this<PeerCore> {
 public:
  PeerCore(std::shared_ptr<Transport> transport, Peer::Options options,
           Peer::RequestHandler on_request, Peer::NotificationHandler on_notification,
           Peer::CloseHandler on_close, Executor* executor)
      : transport_(std::move(transport)),
        options_(std::move(options)),
        on_request_(std::move(on_request)),
        on_notification_(std::move(on_notification)),
        on_close_(std::move(on_close)),
        executor_(executor) {}

  Result<Json> request(std::string method, std::optional<Json> params, const RequestOptions& opts);
  Result<RequestId> requestAsync(std::string method, std::optional<Json> params,
                                 const AsyncRequestOptions& opts, Peer::Done done);
  bool cancelRequest(const RequestId& id, const Error& error, const std::string& reason,
                     const std::string& related);
  Result<void> send(const Message& m, const SendOptions& so) {
    return transport_->send(serialize(m), so);
  }
  Result<void> notify(std::string method, std::optional<Json> params, const SendOptions& so) {
    if (closed()) return fail(ErrorCode::kClosed, "session is closed");
    return send(makeNotification(std::move(method), std::move(params)), so);
  }
  void onMessage(const std::string& text);
  void onClose(const Error& reason);
  void detach() {
    std::lock_guard lock(mu_);
    executor_ = nullptr;
  }
  bool closed() const {
    std::lock_guard lock(mu_);
    return closed_;
  }
  std::atomic<bool> batches_allowed{false};

 private:
  std::shared_ptr<Pending> take(const std::string& key);
  void sendCancel(const RequestId& id, const std::string& reason, const std::string& related);
  void dispatch(Message m, const std::shared_ptr<BatchReply>& batch);
  void dispatchRequest(Request req, const std::shared_ptr<BatchReply>& batch);
  void dispatchNotification(const Notification& n);
  void runHandler(const Request& req, const std::stop_source& stop,
                  const std::shared_ptr<BatchReply>& batch);
  void finish(const RequestId& id, const std::stop_source& stop,
              const std::shared_ptr<BatchReply>& batch, Result<Json> out);
  void reply(Message m, const std::string& related, const std::shared_ptr<BatchReply>& batch);

  const std::shared_ptr<Transport> transport_;
  const Peer::Options options_;
  const Peer::RequestHandler on_request_;
  const Peer::NotificationHandler on_notification_;
  const Peer::CloseHandler on_close_;

  mutable std::mutex mu_;
  Executor* executor_;                                                          // guarded by mu_
  bool closed_ = false;                                                         // guarded by mu_
  std::int64_t next_id_ = 1;                                                    // guarded by mu_
  std::map<std::string, std::shared_ptr<Pending>> pending_;                     // guarded by mu_
  std::map<std::string, std::function<void(const ProgressParams&)>> progress_;  // guarded by mu_
  std::map<std::string, std::stop_source> incoming_;                            // guarded by mu_
};

std::shared_ptr<Pending> PeerCore::take(const std::string& key) {
  std::lock_guard lock(mu_);
  progress_.erase(key);
  auto it = pending_.find(key);
  if (it == pending_.end()) return nullptr;
  auto p = std::move(it->second);
  pending_.erase(it);
  return p;
}

void PeerCore::sendCancel(const RequestId& id, const std::string& reason,
                          const std::string& related) {
  (void)notify(std::string(notification::kCancelled), Json(CancelledParams{id.toJson(), reason}),
               SendOptions{related});
}

Result<Json> PeerCore::request(std::string method, std::optional<Json> params,
                               const RequestOptions& opts) {
  auto pending = std::make_shared<Pending>();
  auto future = pending->promise.emplace().get_future();
  RequestId id;
  {
    std::lock_guard lock(mu_);
    if (closed_) return fail(ErrorCode::kClosed, "session is closed; cannot send " + method);
    id = RequestId(next_id_++);
    pending_[id.key()] = pending;
    if (opts.on_progress) progress_[id.key()] = opts.on_progress;
  }
  const std::string key = id.key();
  if (opts.on_progress) {
    if (!params || !params->is_object()) params = Json::object();
    (*params)["_meta"]["progressToken"] = id.toJson();
  }
  if (auto sent =
          send(makeRequest(id, method, std::move(params)), SendOptions{opts.related_request_id});
      !sent) {
    take(key);
    return fail(sent.error().wrap("sending " + method));
  }
  std::stop_callback on_stop(opts.stop, [&] {
    if (auto p = take(key)) {
      p->complete(fail(ErrorCode::kRequestCancelled, method + " was cancelled"));
      sendCancel(id, "cancelled by the caller", opts.related_request_id);
    }
  });
  if (future.wait_for(opts.timeout) == std::future_status::timeout) {
    if (take(key)) {
      sendCancel(id, "timed out", opts.related_request_id);
      return fail(ErrorCode::kTimeout, method + " got no response within " +
                                           std::to_string(opts.timeout.count()) + " ms");
    }
  }
  return future.get();
}

Result<RequestId> PeerCore::requestAsync(std::string method, std::optional<Json> params,
                                         const AsyncRequestOptions& opts, Peer::Done done) {
  auto pending = std::make_shared<Pending>();
  pending->done = std::move(done);
  RequestId id;
  {
    std::lock_guard lock(mu_);
    if (closed_) return fail(ErrorCode::kClosed, "session is closed; cannot send " + method);
    id = RequestId(next_id_++);
    pending_[id.key()] = pending;
    if (opts.on_progress) progress_[id.key()] = opts.on_progress;
  }
  if (opts.on_progress) {
    if (!params || !params->is_object()) params = Json::object();
    (*params)["_meta"]["progressToken"] = id.toJson();
  }
  if (auto sent =
          send(makeRequest(id, method, std::move(params)), SendOptions{opts.related_request_id});
      !sent) {
    take(id.key());
    return fail(sent.error().wrap("sending " + method));
  }
  return id;
}

bool PeerCore::cancelRequest(const RequestId& id, const Error& error, const std::string& reason,
                             const std::string& related) {
  auto p = take(id.key());
  if (!p) return false;
  sendCancel(id, reason, related);
  p->complete(fail(error));
  return true;
}

void PeerCore::onMessage(const std::string& text) {
  auto parsed = parse(text, options_.limits);
  if (!parsed) {
    log::debug("{}: rejecting message: {}", options_.name, parsed.error().toString());
    (void)send(makeErrorResponse(std::nullopt, wireError(parsed.error())), {});
    return;
  }
  if (parsed->is_batch && !batches_allowed.load()) {
    (void)send(makeErrorResponse(std::nullopt,
                                 Error(ErrorCode::kInvalidRequest,
                                       "JSON-RPC batches are not supported by the negotiated "
                                       "protocol version")),
               {});
    return;
  }
  std::shared_ptr<BatchReply> batch;
  if (parsed->is_batch) {
    batch = std::make_shared<BatchReply>();
    for (const auto& m : parsed->messages) {
      if (std::holds_alternative<Request>(m)) ++batch->remaining;
    }
  }
  for (auto& r : parsed->rejected) {
    if (batch) {
      std::lock_guard lock(batch->mu);
      batch->replies.emplace_back(std::move(r));
    } else {
      (void)send(r, {});
    }
  }
  if (batch && batch->remaining == 0) {
    if (!batch->replies.empty()) (void)transport_->send(serializeBatch(batch->replies), {});
    batch.reset();
  }
  for (auto& m : parsed->messages) dispatch(std::move(m), batch);
}

void PeerCore::dispatch(Message m, const std::shared_ptr<BatchReply>& batch) {
  if (auto* req = std::get_if<Request>(&m)) {
    dispatchRequest(std::move(*req), batch);
  } else if (auto* n = std::get_if<Notification>(&m)) {
    dispatchNotification(*n);
  } else if (auto* resp = std::get_if<Response>(&m)) {
    if (auto p = take(resp->id.key())) {
      p->complete(std::move(resp->result));
    } else {
      log::debug("{}: response to unknown or finished request {}", options_.name, resp->id.key());
    }
  } else {
    auto& err = std::get<ErrorResponse>(m);
    std::shared_ptr<Pending> p = err.id ? take(err.id->key()) : nullptr;
    if (p) {
      p->complete(fail(err.error.toError()));
    } else {
      log::debug("{}: peer reported error {}: {}", options_.name, err.error.code,
                 err.error.message);
    }
  }
}

void PeerCore::dispatchRequest(Request req, const std::shared_ptr<BatchReply>& batch) {
  std::stop_source stop;
  {
    std::lock_guard lock(mu_);
    if (closed_ || executor_ == nullptr) return;
    incoming_[req.id.key()] = stop;
  }
  if (options_.inline_request) {
    RequestScope scope(shared_from_this(), req.id, progressTokenOf(req), stop.get_token());
    Peer::Reply reply = [self = shared_from_this(), id = req.id, stop, batch](Result<Json> out) {
      self->finish(id, stop, batch, std::move(out));
    };
    if (options_.inline_request(req, scope, reply)) return;
  }
  std::lock_guard lock(mu_);
  if (closed_ || executor_ == nullptr) return;
  executor_->post([self = shared_from_this(), req = std::move(req), stop, batch] {
    self->runHandler(req, stop, batch);
  });
}

void PeerCore::runHandler(const Request& req, const std::stop_source& stop,
                          const std::shared_ptr<BatchReply>& batch) {
  RequestScope scope(shared_from_this(), req.id, progressTokenOf(req), stop.get_token());
  Result<Json> out = fail(ErrorCode::kInternalError, "no handler");
  try {
    out = on_request_(req, scope);
  } catch (const std::exception& e) {
    out = fail(ErrorCode::kInternalError, std::string("handler failed: ") + e.what());
  }
  finish(req.id, stop, batch, std::move(out));
}

void PeerCore::finish(const RequestId& id, const std::stop_source& stop,
                      const std::shared_ptr<BatchReply>& batch, Result<Json> out) {
  const std::string key = id.key();
  {
    std::lock_guard lock(mu_);
    incoming_.erase(key);
  }
  // A cancelled request gets no response (the peer has stopped waiting for it).
  if (stop.stop_requested()) {
    reply(Message(Notification{}), key, batch);
    return;
  }
  reply(out ? makeResponse(id, std::move(*out)) : makeErrorResponse(id, out.error()), key, batch);
}

void PeerCore::reply(Message m, const std::string& related,
                     const std::shared_ptr<BatchReply>& batch) {
  const bool skip = std::holds_alternative<Notification>(m);
  if (!batch) {
    if (!skip) (void)send(m, SendOptions{related});
    return;
  }
  std::vector<Message> all;
  {
    std::lock_guard lock(batch->mu);
    if (!skip) batch->replies.push_back(std::move(m));
    if (--batch->remaining > 0 || batch->replies.empty()) return;
    all = std::move(batch->replies);
  }
  (void)transport_->send(serializeBatch(all), {});
}

void PeerCore::dispatchNotification(const Notification& n) {
  if (n.method == notification::kCancelled) {
    auto params = decode<CancelledParams>(n.params.value_or(Json::object()));
    if (!params) return;
    std::optional<std::stop_source> stop;
    {
      std::lock_guard lock(mu_);
      if (auto it = incoming_.find(params->requestId.dump()); it != incoming_.end())
        stop = it->second;
    }
    // Outside mu_: a stop callback (an inline request's) may answer through this peer.
    if (stop) stop->request_stop();
    return;
  }
  if (n.method == notification::kProgress) {
    auto params = decode<ProgressParams>(n.params.value_or(Json::object()));
    if (!params) return;
    std::function<void(const ProgressParams&)> fn;
    {
      std::lock_guard lock(mu_);
      if (auto it = progress_.find(params->progressToken.dump()); it != progress_.end()) {
        fn = it->second;
      }
    }
    if (fn) fn(*params);
    return;
  }
  if (!on_notification_) return;
  try {
    on_notification_(n);
  } catch (const std::exception& e) {
    log::warn("{}: notification handler for {} failed: {}", options_.name, n.method, e.what());
  }
}

void PeerCore::onClose(const Error& reason) {
  std::map<std::string, std::shared_ptr<Pending>> pending;
  std::vector<std::stop_source> stops;
  {
    std::lock_guard lock(mu_);
    if (closed_) return;
    closed_ = true;
    pending.swap(pending_);
    progress_.clear();
    for (auto& [key, stop] : incoming_) stops.push_back(stop);
  }
  // Outside mu_: a stop callback (an inline request's) may answer through this peer.
  for (auto& stop : stops) stop.request_stop();
  for (auto& [key, p] : pending) {
    p->complete(fail(ErrorCode::kClosed, "connection closed: " + reason.toString()));
  }
  if (on_close_) on_close_(reason);
}

Result<void> RequestScope::progress(double progress, std::optional<double> total,
                                    std::optional<std::string> message) {
  if (!progress_token_) return {};
  ProgressParams p{*progress_token_, progress, total, std::move(message)};
  return core_->notify(std::string(notification::kProgress), Json(p), SendOptions{id_.key()});
}

Result<void> RequestScope::notify(std::string method, std::optional<Json> params) {
  return core_->notify(std::move(method), std::move(params), SendOptions{id_.key()});
}

Result<Json> RequestScope::request(std::string method, std::optional<Json> params,
                                   RequestOptions options) {
  options.related_request_id = id_.key();
  if (!options.stop.stop_possible()) options.stop = stop_;
  return core_->request(std::move(method), std::move(params), options);
}

Peer::Peer(std::shared_ptr<Transport> transport, Options options, RequestHandler on_request,
           NotificationHandler on_notification, CloseHandler on_close)
    : transport_(std::move(transport)) {
  Executor* executor = options.executor;
  if (executor == nullptr) {
    owned_pool_ = std::make_unique<ThreadPool>(options.worker_threads);
    executor = owned_pool_.get();
  }
  core_ = std::make_shared<PeerCore>(transport_, std::move(options), std::move(on_request),
                                     std::move(on_notification), std::move(on_close), executor);
}

Peer::~Peer() {
  close();
  core_->detach();
  owned_pool_.reset();
}

Result<void> Peer::start() {
  std::weak_ptr<PeerCore> weak = core_;
  TransportHandlers handlers;
  handlers.on_message = [weak](std::string text) {
    if (auto core = weak.lock()) core->onMessage(text);
  };
  handlers.on_close = [weak](const Error& reason) {
    if (auto core = weak.lock()) core->onClose(reason);
  };
  return transport_->start(std::move(handlers));
}

Result<Json> Peer::request(std::string method, std::optional<Json> params,
                           const RequestOptions& options) {
  return core_->request(std::move(method), std::move(params), options);
}

Result<RequestId> Peer::requestAsync(std::string method, std::optional<Json> params,
                                     const AsyncRequestOptions& options, Done done) {
  return core_->requestAsync(std::move(method), std::move(params), options, std::move(done));
}

bool Peer::cancelRequest(const RequestId& id, const Error& error, const std::string& reason,
                         const std::string& related_request_id) {
  return core_->cancelRequest(id, error, reason, related_request_id);
}

Result<void> Peer::notify(std::string method, std::optional<Json> params,
                          const SendOptions& send_options) {
  return core_->notify(std::move(method), std::move(params), send_options);
}

void Peer::setBatchesAllowed(bool allowed) { core_->batches_allowed = allowed; }
bool Peer::closed() const { return core_->closed(); }

void Peer::close() {
  transport_->close();
  // Some transports report the close asynchronously; fail pending calls now regardless.
  core_->onClose(Error(ErrorCode::kClosed, "closed locally"));
}

}  // namespace onemcp::mcp
