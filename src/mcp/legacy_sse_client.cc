// LegacySseClientTransport. Threading: HTTP callbacks and deliveries run on the
// HttpClient's single I/O thread (so messages arrive in stream order); state shared with
// callers (endpoint, queue, handlers) is guarded by mu.
#include "onemcp/mcp/legacy_sse_client.h"

#include <condition_variable>
#include <deque>
#include <mutex>

#include <nlohmann/json.hpp>

#include "onemcp/http/client.h"
#include "onemcp/http/sse.h"
#include "onemcp/mcp/streamable_http_common.h"

namespace onemcp::mcp {

using namespace std::chrono_literals;

namespace {
// Resolves the endpoint event's URI against the SSE URL (absolute, or path-absolute).
std::string resolveEndpoint(const std::string& base, const std::string& ref) {
  if (ref.starts_with("http://") || ref.starts_with("https://")) return ref;
  auto scheme_end = base.find("://");
  auto path_start = base.find('/', scheme_end == std::string::npos ? 0 : scheme_end + 3);
  std::string origin = path_start == std::string::npos ? base : base.substr(0, path_start);
  if (ref.starts_with("/")) return origin + ref;
  std::string dir = path_start == std::string::npos ? "/" : base.substr(path_start);
  dir = dir.substr(0, dir.find('?'));
  dir = dir.substr(0, dir.rfind('/') + 1);
  return origin + dir + ref;
}
}  // namespace

struct LegacySseClientTransport::Impl : std::enable_shared_from_this<Impl> {
  explicit Impl(LegacySseClientOptions o) : options(std::move(o)) {}

  void deliver(std::string message) {
    std::function<void(std::string)> on_message;
    {
      std::lock_guard lock(mu);
      if (closed) return;
      on_message = handlers.on_message;
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
  void failRequests(const std::vector<std::string>& ids, const Error& e) {
    for (const auto& id : ids) {
      nlohmann::json j = {{"jsonrpc", "2.0"}, {"id", nlohmann::json::parse(id, nullptr, false)},
                          {"error", {{"code", static_cast<int>(e.code)}, {"message", e.message}}}};
      deliver(j.dump());
    }
  }
  void pump();
  void closeWith(const Error& reason);

  LegacySseClientOptions options;
  http::HttpClient client;
  http::SseParser parser;  // I/O thread only
  std::mutex mu;
  std::condition_variable cv;
  TransportHandlers handlers;  // guarded by mu
  bool started = false;        // guarded by mu
  bool closed = false;         // guarded by mu
  bool close_done = false;     // guarded by mu: on_close has returned
  int in_callbacks = 0;        // guarded by mu: on_message calls running
  std::string endpoint;        // guarded by mu
  std::string stream_error;    // guarded by mu: why the stream ended before the endpoint
  std::deque<std::pair<std::string, std::vector<std::string>>> queue;  // guarded by mu
  bool post_in_flight = false;  // guarded by mu
  std::vector<std::weak_ptr<http::Exchange>> exchanges;  // guarded by mu
};

void LegacySseClientTransport::Impl::pump() {
  std::pair<std::string, std::vector<std::string>> next;
  std::string url;
  {
    std::lock_guard lock(mu);
    if (closed || post_in_flight || queue.empty() || endpoint.empty()) return;
    next = std::move(queue.front());
    queue.pop_front();
    post_in_flight = true;
    url = endpoint;
  }
  http::ClientRequest req;
  req.method = "POST";
  req.url = url;
  for (const auto& [k, v] : options.headers) req.headers.add(k, v);
  req.headers.set("Content-Type", "application/json");
  req.body = std::move(next.first);
  req.timeout = options.request_timeout;
  auto self = shared_from_this();
  auto ids = std::make_shared<std::vector<std::string>>(std::move(next.second));
  auto answered = std::make_shared<bool>(false);
  http::StreamHandlers h;
  h.on_head = [self, ids, answered](int status, const http::Headers&) {
    *answered = true;
    {
      std::lock_guard lock(self->mu);
      self->post_in_flight = false;
    }
    self->pump();
    if (status < 200 || status >= 300) {
      self->failRequests(*ids, Error(ErrorCode::kUnavailable, "HTTP " + std::to_string(status) + " from the MCP server"));
    }
    return true;
  };
  h.on_data = [](std::string_view) { return true; };  // answers come on the SSE stream
  h.on_done = [self, ids, answered](Result<void> r) {
    if (*answered) return;
    {
      std::lock_guard lock(self->mu);
      self->post_in_flight = false;
    }
    self->pump();
    self->failRequests(*ids, r ? Error(ErrorCode::kIo, "no response") : r.error());
  };
  auto ex = client.stream(std::move(req), std::move(h));
  std::lock_guard lock(mu);
  std::erase_if(exchanges, [](const auto& w) { return w.expired(); });
  exchanges.push_back(ex);
}

void LegacySseClientTransport::Impl::closeWith(const Error& reason) {
  std::function<void(const Error&)> on_close;
  std::vector<std::shared_ptr<http::Exchange>> live;
  {
    std::unique_lock lock(mu);
    if (closed) {
      // Another thread is closing: wait until it is done (the I/O thread never waits).
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
    if (!client.onIoThread()) cv.wait(lock, [&] { return in_callbacks == 0; });
  }
  cv.notify_all();
  for (auto& e : live) e->cancel();
  if (on_close) on_close(reason);
  {
    std::lock_guard lock(mu);
    close_done = true;
  }
  cv.notify_all();
}

LegacySseClientTransport::LegacySseClientTransport(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}

Result<std::unique_ptr<LegacySseClientTransport>> LegacySseClientTransport::create(LegacySseClientOptions options) {
  auto url = http::parseUrl(options.url);
  if (!url) return fail(url.error());
  return std::unique_ptr<LegacySseClientTransport>(new LegacySseClientTransport(std::make_shared<Impl>(std::move(options))));
}

LegacySseClientTransport::~LegacySseClientTransport() { close(); }

Result<void> LegacySseClientTransport::start(TransportHandlers handlers) {
  {
    std::lock_guard lock(impl_->mu);
    if (impl_->started || impl_->closed) return fail(ErrorCode::kInvalidInput, "transport already started");
    impl_->started = true;
    impl_->handlers = std::move(handlers);
  }
  http::ClientRequest req;
  req.method = "GET";
  req.url = impl_->options.url;
  for (const auto& [k, v] : impl_->options.headers) req.headers.add(k, v);
  req.headers.set("Accept", "text/event-stream");
  req.timeout = impl_->options.connect_timeout;
  req.body_idle_timeout = 0ms;
  auto impl = impl_;
  auto ok = std::make_shared<bool>(false);
  http::StreamHandlers h;
  h.on_head = [impl, ok](int status, const http::Headers& headers) {
    *ok = status == 200 && headers.get("Content-Type").value_or("").find("text/event-stream") != std::string::npos;
    if (!*ok) {
      std::lock_guard lock(impl->mu);
      impl->stream_error = "the SSE endpoint answered HTTP " + std::to_string(status);
    }
    return *ok;
  };
  h.on_data = [impl](std::string_view data) {
    impl->parser.feed(data, [&](http::SseEvent ev) {
      if (ev.event == "endpoint") {
        {
          std::lock_guard lock(impl->mu);
          impl->endpoint = resolveEndpoint(impl->options.url, ev.data);
        }
        impl->cv.notify_all();
        impl->pump();
      } else if ((ev.event.empty() || ev.event == "message") && !ev.data.empty()) {
        impl->deliver(std::move(ev.data));
      }
    });
    return true;
  };
  h.on_done = [impl](Result<void> r) {
    {
      std::lock_guard lock(impl->mu);
      if (impl->stream_error.empty()) impl->stream_error = r ? "the SSE stream ended" : r.error().message;
    }
    impl->cv.notify_all();
    impl->closeWith(Error(ErrorCode::kClosed, r ? "the server closed the SSE stream" : r.error().message));
  };
  auto ex = impl_->client.stream(std::move(req), std::move(h));
  std::unique_lock lock(impl_->mu);
  impl_->exchanges.push_back(ex);
  bool got = impl_->cv.wait_for(lock, impl_->options.connect_timeout,
                                [&] { return !impl_->endpoint.empty() || impl_->close_done; });
  if (!impl_->endpoint.empty()) return {};
  std::string why = impl_->stream_error.empty() ? "no endpoint event in time" : impl_->stream_error;
  lock.unlock();
  if (!got) impl_->closeWith(Error(ErrorCode::kTimeout, why));
  return fail(got ? ErrorCode::kUnavailable : ErrorCode::kTimeout, "legacy SSE connect failed: " + why);
}

Result<void> LegacySseClientTransport::send(std::string message, const SendOptions&) {
  auto summary = streamable_http::summarizeBody(message);
  if (!summary) return fail(ErrorCode::kInvalidInput, "not a JSON-RPC message: " + summary.error().message);
  {
    std::lock_guard lock(impl_->mu);
    if (impl_->closed) return fail(ErrorCode::kClosed, "transport closed");
    if (impl_->endpoint.empty()) return fail(ErrorCode::kInvalidInput, "transport not started");
    impl_->queue.emplace_back(std::move(message), std::move(summary->request_ids));
  }
  impl_->pump();
  return {};
}

void LegacySseClientTransport::close() { impl_->closeWith(Error(ErrorCode::kClosed, "transport closed")); }

std::string LegacySseClientTransport::endpoint() const {
  std::lock_guard lock(impl_->mu);
  return impl_->endpoint;
}

}  // namespace onemcp::mcp
