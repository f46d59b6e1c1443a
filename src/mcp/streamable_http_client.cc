// StreamableHttpClientTransport. Threading: all HTTP callbacks, reconnect timers and
// message deliveries run on the HttpClient's single I/O thread, so deliveries are
// ordered. State shared with callers' threads (queue, ids, exchanges) is guarded by mu_.
#include "onemcp/mcp/streamable_http_client.h"

#include <condition_variable>
#include <deque>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>

#include "onemcp/common/log.h"
#include "onemcp/http/sse.h"
#include "onemcp/mcp/streamable_http_common.h"

namespace onemcp::mcp {

namespace sh = streamable_http;
using namespace std::chrono_literals;

namespace {
constexpr const char* kSessionHeader = "Mcp-Session-Id";
constexpr const char* kVersionHeader = "MCP-Protocol-Version";

std::string errorResponse(const std::string& id, const Error& e) {
  nlohmann::json j = {{"jsonrpc", "2.0"},
                      {"id", nlohmann::json::parse(id, nullptr, false)},
                      {"error", {{"code", static_cast<int>(e.code)}, {"message", e.message}}}};
  return j.dump();
}
}  // namespace

struct StreamableHttpClientTransport::Impl : std::enable_shared_from_this<Impl> {
  explicit Impl(StreamableHttpClientOptions o) : options(std::move(o)) {}

  struct Outgoing {
    std::string message;
    sh::BodySummary summary;
    bool initialized_notification = false;
  };
  // One SSE reader: a POST's stream or a GET (standalone or resuming a POST's stream).
  struct SseState {
    http::SseParser parser;
    std::set<std::string> pending;  // request ids still unanswered on this stream
    bool is_post = false;
    int attempts = 0;
  };

  http::ClientRequest baseRequest(std::string method) {
    http::ClientRequest r;
    r.method = std::move(method);
    r.url = options.url;
    for (const auto& [k, v] : options.headers) r.headers.add(k, v);
    std::lock_guard lock(mu);
    if (!session_id.empty()) r.headers.set(kSessionHeader, session_id);
    if (!protocol_version.empty()) r.headers.set(kVersionHeader, protocol_version);
    return r;
  }

  void track(const std::shared_ptr<http::Exchange>& e) {
    std::lock_guard lock(mu);
    std::erase_if(exchanges, [](const auto& w) { return w.expired(); });
    exchanges.push_back(e);
  }

  // One POST exchange's progress (I/O thread only).
  struct PostState {
    enum Kind { kNone, kJson, kSse };
    std::shared_ptr<SseState> sse;
    Kind kind = kNone;
    std::string json_body;
    bool head_seen = false;
    bool open_get_after = false;  // it carried notifications/initialized
  };

  void pump();
  void startPost(Outgoing out);
  bool onPostHead(PostState& post, int status, const http::Headers& headers);
  void onPostDone(PostState& post, const Result<void>& result);
  void onSseData(const std::shared_ptr<SseState>& st, std::string_view data);
  void sseEnded(const std::shared_ptr<SseState>& st, const Result<void>& result);
  // `gates_posts`: the first standalone GET, which the queued POSTs wait for.
  void openGet(std::shared_ptr<SseState> st, std::string last_event_id, bool gates_posts = false);
  void releasePosts();
  void deliver(std::string message);
  void failRequests(const std::set<std::string>& ids, const Error& e);
  void closeWith(const Error& reason, bool send_delete);

  StreamableHttpClientOptions options;
  http::HttpClient client;
  std::mutex mu;
  TransportHandlers handlers;               // guarded by mu
  bool started = false;                     // guarded by mu
  bool closed = false;                      // guarded by mu
  bool close_done = false;                  // guarded by mu: on_close returned
  int in_callbacks = 0;                     // guarded by mu: on_message running
  std::condition_variable cv;               // signals the two above
  std::string session_id;                   // guarded by mu
  std::string protocol_version;             // guarded by mu
  bool version_from_session_layer = false;  // guarded by mu
  std::string initialize_id;                // guarded by mu
  std::deque<Outgoing> queue;               // guarded by mu
  bool post_in_flight = false;              // guarded by mu
  bool get_opened = false;                  // guarded by mu
  bool awaiting_get = false;                // guarded by mu: POSTs wait for the GET's head
  std::vector<std::weak_ptr<http::Exchange>> exchanges;  // guarded by mu
};

void StreamableHttpClientTransport::Impl::deliver(std::string message) {
  std::function<void(std::string)> on_message;
  {
    std::lock_guard lock(mu);
    if (closed) return;
    on_message = handlers.on_message;
    if (!version_from_session_layer && !initialize_id.empty()) {
      // Take the negotiated version from the initialize result if nobody set it.
      auto j = nlohmann::json::parse(message, nullptr, false);
      if (j.is_object() && j.contains("id") && j["id"].dump() == initialize_id &&
          j.contains("result") && j["result"].is_object() &&
          j["result"].contains("protocolVersion") && j["result"]["protocolVersion"].is_string()) {
        protocol_version = j["result"]["protocolVersion"].get<std::string>();
        initialize_id.clear();
      }
    }
  }
  if (!on_message) return;
  {
    std::lock_guard lock(mu);
    ++in_callbacks;
  }
  on_message(std::move(message));
  {
    std::lock_guard lock(mu);
    --in_callbacks;
  }
  cv.notify_all();
}

void StreamableHttpClientTransport::Impl::failRequests(const std::set<std::string>& ids,
                                                       const Error& e) {
  for (const auto& id : ids) deliver(errorResponse(id, e));
}

void StreamableHttpClientTransport::Impl::pump() {
  Outgoing out;
  {
    std::lock_guard lock(mu);
    if (closed || post_in_flight || awaiting_get || queue.empty()) return;
    out = std::move(queue.front());
    queue.pop_front();
    post_in_flight = true;
  }
  startPost(std::move(out));
}

void StreamableHttpClientTransport::Impl::startPost(Outgoing out) {
  auto req = baseRequest("POST");
  req.headers.set("Content-Type", "application/json");
  req.headers.set("Accept", "application/json, text/event-stream");
  req.body = out.message;
  req.timeout = options.request_timeout;
  req.body_idle_timeout = 0ms;  // an SSE answer may be quiet while a tool runs
  auto post = std::make_shared<PostState>();
  post->sse = std::make_shared<SseState>();
  post->sse->is_post = true;
  post->sse->pending.insert(out.summary.request_ids.begin(), out.summary.request_ids.end());
  post->open_get_after = out.initialized_notification;
  auto self = shared_from_this();
  http::StreamHandlers h;
  h.on_head = [self, post](int status, const http::Headers& headers) {
    return self->onPostHead(*post, status, headers);
  };
  h.on_data = [self, post](std::string_view data) {
    if (post->kind == PostState::kSse) {
      self->onSseData(post->sse, data);
    } else if (post->kind == PostState::kJson) {
      post->json_body.append(data);
    }
    return true;
  };
  h.on_done = [self, post](Result<void> result) { self->onPostDone(*post, result); };
  track(client.stream(std::move(req), std::move(h)));
}

bool StreamableHttpClientTransport::Impl::onPostHead(PostState& post, int status,
                                                     const http::Headers& headers) {
  post.head_seen = true;
  auto& pending = post.sse->pending;
  bool session_lost = false;
  bool open_get = false;
  {
    std::lock_guard lock(mu);
    post_in_flight = false;
    if (auto sid = headers.get(kSessionHeader); sid && !sid->empty()) session_id = *sid;
    session_lost = status == 404 && !session_id.empty();
    if (post.open_get_after && options.open_get_stream && !get_opened && status >= 200 &&
        status < 300) {
      get_opened = true;
      open_get = true;
      awaiting_get = true;  // set before pump(): no POST may overtake the GET
    }
  }
  pump();  // the next POST may go now that this one has its answer head
  if (open_get) openGet(std::make_shared<SseState>(), "", /*gates_posts=*/true);
  if (session_lost) {
    failRequests(pending,
                 Error(ErrorCode::kNotFound, "the server ended the MCP session (HTTP 404)"));
    closeWith(Error(ErrorCode::kNotFound, "the server no longer knows this MCP session"), false);
    return false;
  }
  if (status < 200 || status >= 300) {
    failRequests(pending, Error(ErrorCode::kUnavailable,
                                "HTTP " + std::to_string(status) + " from the MCP server"));
    pending.clear();
    return false;
  }
  auto ctype = headers.get("Content-Type").value_or("");
  if (ctype.find("text/event-stream") != std::string::npos) {
    post.kind = PostState::kSse;
  } else if (ctype.find("application/json") != std::string::npos) {
    post.kind = PostState::kJson;
  }
  if (status != 202 && post.kind == PostState::kNone && !pending.empty()) {
    failRequests(pending,
                 Error(ErrorCode::kInvalidInput, "the MCP server answered without JSON or SSE"));
    pending.clear();
  }
  return post.kind != PostState::kNone && !pending.empty();
}

void StreamableHttpClientTransport::Impl::onPostDone(PostState& post, const Result<void>& result) {
  if (!post.head_seen) {
    {
      std::lock_guard lock(mu);
      post_in_flight = false;
    }
    pump();
    failRequests(post.sse->pending, result ? Error(ErrorCode::kIo, "no response") : result.error());
    return;
  }
  if (post.kind == PostState::kJson) {
    if (result && !post.json_body.empty()) {
      deliver(std::move(post.json_body));
    } else {
      failRequests(post.sse->pending,
                   result ? Error(ErrorCode::kInvalidInput, "empty JSON answer") : result.error());
    }
  } else if (post.kind == PostState::kSse) {
    sseEnded(post.sse, result);
  }
}

void StreamableHttpClientTransport::Impl::onSseData(const std::shared_ptr<SseState>& st,
                                                    std::string_view data) {
  st->parser.feed(data, [&](http::SseEvent ev) {
    if (ev.data.empty()) return;  // priming event or keep-alive
    if (!ev.event.empty() && ev.event != "message") return;
    st->attempts = 0;
    if (auto id = sh::responseIdOf(ev.data); !id.empty()) st->pending.erase(id);
    deliver(std::move(ev.data));
  });
}

void StreamableHttpClientTransport::Impl::sseEnded(const std::shared_ptr<SseState>& st,
                                                   const Result<void>& result) {
  {
    std::lock_guard lock(mu);
    if (closed) return;
  }
  // A POST stream that delivered all its answers is simply done.
  if (st->is_post && st->pending.empty()) return;
  std::string last = st->parser.lastEventId();
  if (st->is_post && last.empty()) {
    failRequests(st->pending,
                 result ? Error(ErrorCode::kClosed, "the server closed the stream before answering")
                        : result.error());
    return;
  }
  if (++st->attempts > options.max_reconnect_attempts) {
    log::warn("mcp http client: giving up an SSE stream after {} attempts",
              options.max_reconnect_attempts);
    failRequests(st->pending,
                 Error(ErrorCode::kUnavailable, "the SSE stream could not be resumed"));
    return;
  }
  auto delay =
      std::chrono::milliseconds(st->parser.retryMs().value_or(options.default_retry.count()));
  auto self = shared_from_this();
  track(client.schedule(delay, [self, st, last] { self->openGet(st, last); }));
}

void StreamableHttpClientTransport::Impl::releasePosts() {
  {
    std::lock_guard lock(mu);
    if (!awaiting_get) return;
    awaiting_get = false;
  }
  pump();
}

void StreamableHttpClientTransport::Impl::openGet(std::shared_ptr<SseState> st,
                                                  std::string last_event_id, bool gates_posts) {
  {
    std::lock_guard lock(mu);
    if (closed) return;
  }
  auto self = shared_from_this();
  if (gates_posts) {
    // A server that holds the head back until its first event must not stall every POST.
    track(client.schedule(options.get_stream_wait, [self] { self->releasePosts(); }));
  }
  auto req = baseRequest("GET");
  req.headers.set("Accept", "text/event-stream");
  if (!last_event_id.empty()) req.headers.set("Last-Event-ID", last_event_id);
  req.timeout = options.request_timeout;
  req.body_idle_timeout = 0ms;
  auto ok = std::make_shared<bool>(false);
  http::StreamHandlers h;
  h.on_head = [self, st, ok, gates_posts](int status, const http::Headers& headers) {
    // The server has registered the stream (or refused it): the POSTs may go.
    if (gates_posts) self->releasePosts();
    auto ctype = headers.get("Content-Type").value_or("");
    *ok = status == 200 && ctype.find("text/event-stream") != std::string::npos;
    if (!*ok && status != 405) {
      log::debug("mcp http client: GET stream refused with HTTP {}", status);
    }
    return *ok;
  };
  h.on_data = [self, st](std::string_view data) {
    self->onSseData(st, data);
    return true;
  };
  h.on_done = [self, st, ok, gates_posts](Result<void> result) {
    if (gates_posts) self->releasePosts();  // no head at all: do not wait for it
    if (!*ok) {
      // 405: the server has no GET stream. Anything else: a resumption that failed.
      if (st->is_post)
        self->failRequests(st->pending,
                           Error(ErrorCode::kUnavailable, "the SSE stream could not be resumed"));
      return;
    }
    self->sseEnded(st, result);
  };
  track(client.stream(std::move(req), std::move(h)));
}

void StreamableHttpClientTransport::Impl::closeWith(const Error& reason, bool send_delete) {
  std::function<void(const Error&)> on_close;
  std::vector<std::shared_ptr<http::Exchange>> live;
  std::string sid;
  {
    std::unique_lock lock(mu);
    if (closed) {
      // Another thread is closing: do not return (and let the owner free what the
      // callbacks use) before it has finished. The I/O thread never waits for itself.
      if (!client.onIoThread()) cv.wait(lock, [&] { return close_done && in_callbacks == 0; });
      return;
    }
    closed = true;
    on_close = std::move(handlers.on_close);
    handlers = {};
    for (auto& w : exchanges) {
      if (auto e = w.lock()) live.push_back(std::move(e));
    }
    exchanges.clear();
    queue.clear();
    sid = session_id;
    if (!client.onIoThread()) cv.wait(lock, [&] { return in_callbacks == 0; });
  }
  for (auto& e : live) e->cancel();
  if (send_delete && !sid.empty() && options.delete_on_close) {
    auto req = baseRequest("DELETE");
    req.timeout = 2s;
    if (client.onIoThread()) {
      client.stream(std::move(req), {});
    } else {
      (void)client.send(std::move(req));
    }
  }
  if (on_close) on_close(reason);
  {
    std::lock_guard lock(mu);
    close_done = true;
  }
  cv.notify_all();
}

StreamableHttpClientTransport::StreamableHttpClientTransport(std::shared_ptr<Impl> impl)
    : impl_(std::move(impl)) {}

Result<std::unique_ptr<StreamableHttpClientTransport>> StreamableHttpClientTransport::create(
    StreamableHttpClientOptions options) {
  auto url = http::parseUrl(options.url);
  if (!url) return fail(url.error());
  if (url->unix_socket)
    return fail(ErrorCode::kInvalidInput, "the MCP endpoint must be an http:// URL");
  return std::unique_ptr<StreamableHttpClientTransport>(
      new StreamableHttpClientTransport(std::make_shared<Impl>(std::move(options))));
}

StreamableHttpClientTransport::~StreamableHttpClientTransport() { close(); }

Result<void> StreamableHttpClientTransport::start(TransportHandlers handlers) {
  std::lock_guard lock(impl_->mu);
  if (impl_->closed) return fail(ErrorCode::kClosed, "transport closed");
  if (impl_->started) return fail(ErrorCode::kInvalidInput, "transport already started");
  impl_->handlers = std::move(handlers);
  impl_->started = true;
  return {};
}

Result<void> StreamableHttpClientTransport::send(std::string message, const SendOptions&) {
  auto summary = sh::summarizeBody(message);
  if (!summary)
    return fail(ErrorCode::kInvalidInput, "not a JSON-RPC message: " + summary.error().message);
  Impl::Outgoing out;
  out.initialized_notification = message.find("\"notifications/initialized\"") != std::string::npos;
  {
    std::lock_guard lock(impl_->mu);
    if (impl_->closed) return fail(ErrorCode::kClosed, "transport closed");
    if (!impl_->started) return fail(ErrorCode::kInvalidInput, "transport not started");
    if (summary->has_initialize && !summary->request_ids.empty())
      impl_->initialize_id = summary->request_ids.front();
    out.message = std::move(message);
    out.summary = std::move(*summary);
    impl_->queue.push_back(std::move(out));
  }
  impl_->pump();
  return {};
}

void StreamableHttpClientTransport::close() {
  impl_->closeWith(Error(ErrorCode::kClosed, "transport closed"), true);
}

void StreamableHttpClientTransport::setProtocolVersion(std::string version) {
  std::lock_guard lock(impl_->mu);
  impl_->protocol_version = std::move(version);
  impl_->version_from_session_layer = true;
}

std::string StreamableHttpClientTransport::protocolVersion() const {
  std::lock_guard lock(impl_->mu);
  return impl_->protocol_version;
}

std::string StreamableHttpClientTransport::sessionId() const {
  std::lock_guard lock(impl_->mu);
  return impl_->session_id;
}

}  // namespace onemcp::mcp
