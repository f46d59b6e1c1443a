// StreamableHttpServer. Threading: HTTP handlers run on the HttpServer's io threads.
// Each session is a SessionTransport whose stream table is guarded by its mu_; messages
// are delivered to the session layer under deliver_mu_, so on_message calls for one
// session never overlap even when two POSTs arrive on two threads. No lock is held while
// calling the session layer or writing to an HTTP stream's queue... except deliver_mu_.
#include "onemcp/mcp/streamable_http_server.h"

#include <atomic>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include <nlohmann/json.hpp>

#include "onemcp/common/log.h"
#include "onemcp/http/server.h"
#include "onemcp/http/sse.h"
#include "onemcp/mcp/streamable_http_common.h"

namespace onemcp::mcp {

namespace sh = streamable_http;
using http::Headers;
using http::Request;
using http::Responder;
using http::Response;
using http::ResponseStream;

namespace {

constexpr std::string_view kSessionHeader = "Mcp-Session-Id";
constexpr std::string_view kVersionHeader = "MCP-Protocol-Version";
constexpr std::size_t kFinishedStreamsKept = 32;

Response jsonRpcError(int status, ErrorCode code, const std::string& message) {
  nlohmann::json body = {{"jsonrpc", "2.0"},
                         {"error", {{"code", static_cast<int>(code)}, {"message", message}}},
                         {"id", nullptr}};
  return Response::json(status, body.dump());
}

bool accepts(const Headers& h, std::string_view type) {
  auto accept = h.get("Accept");
  if (!accept) return false;
  return accept->find(type) != std::string::npos || accept->find("*/*") != std::string::npos;
}

// Adds the new session's id to whatever answers an initialize POST in JSON mode.
class WithSession final : public Responder {
 public:
  WithSession(std::shared_ptr<Responder> inner, std::string sid) : inner_(std::move(inner)), sid_(std::move(sid)) {}
  void respond(Response r) override {
    r.headers.set(std::string(kSessionHeader), sid_);
    inner_->respond(std::move(r));
  }
  std::shared_ptr<ResponseStream> beginStream(int status, Headers h) override {
    h.set(std::string(kSessionHeader), sid_);
    return inner_->beginStream(status, std::move(h));
  }

 private:
  std::shared_ptr<Responder> inner_;
  std::string sid_;
};

class SessionRegistry;

// One MCP session: the Transport handed to the session layer.
class SessionTransport final : public Transport, public std::enable_shared_from_this<SessionTransport> {
 public:
  SessionTransport(std::string id, const StreamableHttpServerOptions& options,
                   std::weak_ptr<SessionRegistry> registry)
      : id_(std::move(id)), options_(options), registry_(std::move(registry)) {}

  Result<void> start(TransportHandlers handlers) override {
    std::lock_guard lock(mu_);
    if (started_) return fail(ErrorCode::kInvalidInput, "transport already started");
    handlers_ = std::move(handlers);
    started_ = true;
    return {};
  }
  Result<void> send(std::string message, const SendOptions& options) override;
  void close() override { closeWith(Error(ErrorCode::kClosed, "session closed")); }

  void closeWith(const Error& reason);
  bool started() {
    std::lock_guard lock(mu_);
    return started_;
  }
  const std::string& id() const { return id_; }
  // Marks a request as handled now (every POST, GET or DELETE of this session).
  void touch(std::chrono::steady_clock::time_point now) {
    std::lock_guard lock(mu_);
    last_activity_ = now;
  }
  // When the session became idle, or nullopt while a client holds a stream open.
  std::optional<std::chrono::steady_clock::time_point> idleSince() {
    std::lock_guard lock(mu_);
    for (const auto& [num, s] : streams_) {
      if ((s.conn && s.conn->isOpen()) || s.json_responder) return std::nullopt;
    }
    return last_activity_;
  }

  // POST with at least one request: opens a stream (SSE or JSON) owning those ids and
  // delivers the body. `version` decides whether a priming event is sent.
  // `on_demand`: JSON until a message other than a response is sent for the POST.
  void handleRequests(const sh::BodySummary& summary, std::string body, bool json_mode, bool on_demand,
                      const std::string& version, std::shared_ptr<Responder> responder);
  // GET: the standalone stream, or a resumed one when Last-Event-ID names it.
  void handleGet(const Request& request, const std::string& version, std::shared_ptr<Responder> responder);
  // Delivers notifications/responses; false if the session is closed.
  bool deliver(std::string body);

 private:
  struct Stream {
    explicit Stream(std::size_t cap) : replay(cap) {}
    sh::ReplayBuffer replay;
    std::shared_ptr<ResponseStream> conn;  // null while no client is connected
    std::uint64_t delivered = 0;            // highest seq written to some connection
    std::set<std::string> pending;          // request ids still awaiting a response
    bool json_mode = false;
    bool on_demand = false;  // json_mode, until something else than a response comes
    std::string version;     // the POST's protocol version (for an on-demand priming event)
    std::shared_ptr<Responder> json_responder;
    std::vector<std::string> json_responses;
    bool batch = false;
  };

  std::shared_ptr<ResponseStream> openSse(Responder& responder, bool with_session_header);
  void attach(std::uint64_t num, const std::shared_ptr<ResponseStream>& conn);
  void retireIfDone(std::uint64_t num);
  void collectJsonAnswer(std::map<std::uint64_t, Stream>::iterator it, const std::string& id, std::string message,
                         std::shared_ptr<Responder>& done, std::string& body);
  static std::string jsonBody(Stream& s);
  // Caller holds mu_. Turns an on-demand JSON POST into an SSE stream; returns what to
  // write first (priming event, answers already collected for a batch).
  std::string upgradeToSse(std::uint64_t num, Stream& s);

  const std::string id_;
  // A copy: the session layer may keep this transport after the server is gone.
  const StreamableHttpServerOptions options_;
  std::weak_ptr<SessionRegistry> registry_;
  std::mutex deliver_mu_;  // serializes on_message calls
  std::atomic<std::thread::id> delivering_thread_{};  // the thread inside on_message, if any
  mutable std::mutex mu_;
  bool started_ = false;             // guarded by mu_
  bool closed_ = false;              // guarded by mu_
  TransportHandlers handlers_;       // guarded by mu_ (copied out before use)
  std::map<std::uint64_t, Stream> streams_;         // guarded by mu_; 0 is the GET stream
  std::map<std::string, std::uint64_t> request_stream_;  // guarded by mu_
  std::deque<std::uint64_t> finished_;             // guarded by mu_: done, kept for replay
  std::uint64_t next_stream_ = 1;                  // guarded by mu_
  std::chrono::steady_clock::time_point last_activity_{};  // guarded by mu_
};

// Sessions by id. Shared with the transports (weakly) so a transport closed by its
// session layer can remove itself even while the server is stopping.
class SessionRegistry {
 public:
  void add(const std::shared_ptr<SessionTransport>& t) {
    std::lock_guard lock(mu_);
    sessions_[t->id()] = t;
  }
  std::shared_ptr<SessionTransport> find(const std::string& id) {
    std::lock_guard lock(mu_);
    auto it = sessions_.find(id);
    return it == sessions_.end() ? nullptr : it->second;
  }
  void remove(const std::string& id) {
    std::lock_guard lock(mu_);
    sessions_.erase(id);
  }
  std::size_t size() const {
    std::lock_guard lock(mu_);
    return sessions_.size();
  }
  std::vector<std::shared_ptr<SessionTransport>> snapshot() const {
    std::lock_guard lock(mu_);
    std::vector<std::shared_ptr<SessionTransport>> out;
    for (const auto& [k, v] : sessions_) out.push_back(v);
    return out;
  }
  std::vector<std::shared_ptr<SessionTransport>> takeAll() {
    std::lock_guard lock(mu_);
    std::vector<std::shared_ptr<SessionTransport>> out;
    for (auto& [k, v] : sessions_) out.push_back(v);
    sessions_.clear();
    return out;
  }

 private:
  mutable std::mutex mu_;
  std::map<std::string, std::shared_ptr<SessionTransport>> sessions_;  // guarded by mu_
};

std::shared_ptr<ResponseStream> SessionTransport::openSse(Responder& responder, bool with_session_header) {
  Headers h{{"Content-Type", "text/event-stream"}, {"Cache-Control", "no-cache"}};
  if (with_session_header) h.add(std::string(kSessionHeader), id_);
  return responder.beginStream(200, std::move(h));
}

void SessionTransport::attach(std::uint64_t num, const std::shared_ptr<ResponseStream>& conn) {
  std::weak_ptr<SessionTransport> weak = weak_from_this();
  std::weak_ptr<ResponseStream> weak_conn = conn;
  conn->onClosed([weak, weak_conn, num] {
    auto self = weak.lock();
    if (!self) return;
    std::lock_guard lock(self->mu_);
    auto it = self->streams_.find(num);
    if (it != self->streams_.end() && it->second.conn == weak_conn.lock()) it->second.conn.reset();
  });
}

void SessionTransport::handleRequests(const sh::BodySummary& summary, std::string body, bool json_mode,
                                      bool on_demand, const std::string& version,
                                      std::shared_ptr<Responder> responder) {
  std::shared_ptr<ResponseStream> conn;
  bool with_session_header = summary.has_initialize;
  if (!json_mode) conn = openSse(*responder, with_session_header);
  std::uint64_t num = 0;
  {
    std::lock_guard lock(mu_);
    if (closed_) {
      if (conn) conn->close();
      else responder->respond(jsonRpcError(404, ErrorCode::kInvalidRequest, "session closed"));
      return;
    }
    num = next_stream_++;
    Stream& s = streams_.emplace(num, Stream(options_.replay_events)).first->second;
    s.json_mode = json_mode;
    s.on_demand = json_mode && on_demand;
    s.version = version;
    s.batch = summary.batch;
    for (const auto& id : summary.request_ids) {
      s.pending.insert(id);
      request_stream_[id] = num;
    }
    if (json_mode) {
      s.json_responder = std::move(responder);
    } else {
      s.conn = conn;
      if (version >= "2025-11-25") {
        (void)conn->write(http::formatSseEvent("", sh::formatEventId({num, 0}), {},
                                               options_.sse_retry.count()));
      }
    }
  }
  // Outside mu_: onClosed runs the callback at once if the stream has already ended.
  if (conn) attach(num, conn);
  deliver(std::move(body));
}

bool SessionTransport::deliver(std::string body) {
  std::lock_guard deliver_lock(deliver_mu_);
  std::function<void(std::string)> on_message;
  {
    std::lock_guard lock(mu_);
    if (closed_) return false;
    on_message = handlers_.on_message;
  }
  if (on_message) {
    delivering_thread_ = std::this_thread::get_id();
    try {
      on_message(std::move(body));
    } catch (const std::exception& e) {
      log::error("mcp http: session {} on_message threw: {}", id_, e.what());
    }
    delivering_thread_ = std::thread::id();
  }
  return true;
}

std::string SessionTransport::jsonBody(Stream& s) {
  if (!s.batch && s.json_responses.size() == 1) return s.json_responses.front();
  std::string out = "[";
  for (std::size_t i = 0; i < s.json_responses.size(); ++i) {
    if (i) out += ",";
    out += s.json_responses[i];
  }
  return out + "]";
}

std::string SessionTransport::upgradeToSse(std::uint64_t num, Stream& s) {
  s.conn = openSse(*s.json_responder, false);  // an initialize POST's responder adds the id
  s.json_responder.reset();
  s.json_mode = false;
  s.on_demand = false;
  std::string out;
  if (s.version >= "2025-11-25") {
    out = http::formatSseEvent("", sh::formatEventId({num, 0}), {}, options_.sse_retry.count());
  }
  for (auto& answer : s.json_responses) {
    std::string event = http::formatSseEvent(answer, sh::formatEventId({num, s.replay.lastSeq() + 1}), "message");
    s.replay.append(event);
    out += event;
  }
  s.json_responses.clear();
  return out;
}

Result<void> SessionTransport::send(std::string message, const SendOptions& options) {
  std::string response_id = sh::responseIdOf(message);
  std::string related = !response_id.empty() ? response_id : sh::canonicalId(options.related_request_id);
  std::shared_ptr<Responder> json_done;
  std::string json_text;
  std::shared_ptr<ResponseStream> conn;
  std::string event;
  bool close_conn = false;
  std::uint64_t upgraded = 0;  // the stream turned from on-demand JSON into SSE, if any
  {
    std::lock_guard lock(mu_);
    if (closed_) return fail(ErrorCode::kClosed, "session closed");
    std::uint64_t num = 0;
    if (!related.empty()) {
      if (auto it = request_stream_.find(related); it != request_stream_.end()) num = it->second;
    }
    auto sit = streams_.find(num);
    bool collected = false;
    if (num != 0 && sit != streams_.end() && sit->second.json_mode) {
      if (!response_id.empty()) {
        collected = true;
        collectJsonAnswer(sit, response_id, std::move(message), json_done, json_text);
      } else if (sit->second.on_demand) {
        event = upgradeToSse(num, sit->second);
        upgraded = num;
      } else {
        num = 0;  // a JSON response cannot carry notifications: use the GET stream
        sit = streams_.find(0);
      }
    }
    if (!collected) {
      if (sit == streams_.end()) sit = streams_.emplace(num, Stream(options_.replay_events)).first;
      Stream& s = sit->second;
      // Sequence numbers come from the replay buffer; format with the number it will get.
      std::uint64_t seq = s.replay.lastSeq() + 1;
      std::string formatted = http::formatSseEvent(message, sh::formatEventId({num, seq}), "message");
      s.replay.append(formatted);
      event += formatted;
      if (s.conn) {
        conn = s.conn;
        s.delivered = seq;
      }
      if (!response_id.empty() && num != 0) {
        s.pending.erase(response_id);
        request_stream_.erase(response_id);
        if (s.pending.empty()) {
          close_conn = true;
          retireIfDone(num);
        }
      }
    }
  }
  if (json_done) {
    auto r = Response::json(200, std::move(json_text));
    json_done->respond(std::move(r));
    return {};
  }
  // Outside mu_: onClosed runs the callback at once if the stream has already ended.
  if (upgraded != 0 && conn) attach(upgraded, conn);
  if (conn) {
    if (auto w = conn->write(std::move(event)); !w) {
      log::warn("mcp http: session {}: dropping a slow SSE stream: {}", id_, w.error().message);
      conn->close();
    } else if (close_conn) {
      conn->close();
    }
  }
  return {};
}

// Caller holds mu_. Adds an answer to a JSON-mode POST; when it was the last one, hands
// back the responder and the body to send (outside the lock).
void SessionTransport::collectJsonAnswer(std::map<std::uint64_t, Stream>::iterator it, const std::string& id,
                                         std::string message, std::shared_ptr<Responder>& done,
                                         std::string& body) {
  Stream& s = it->second;
  s.json_responses.push_back(std::move(message));
  s.pending.erase(id);
  request_stream_.erase(id);
  if (!s.pending.empty()) return;
  done = std::move(s.json_responder);
  body = jsonBody(s);
  streams_.erase(it);
}

// Caller holds mu_. Keeps a finished POST stream for replay; forgets the oldest ones.
void SessionTransport::retireIfDone(std::uint64_t num) {
  finished_.push_back(num);
  while (finished_.size() > kFinishedStreamsKept) {
    streams_.erase(finished_.front());
    finished_.pop_front();
  }
}

void SessionTransport::handleGet(const Request& request, const std::string& version,
                                 std::shared_ptr<Responder> responder) {
  auto last = request.headers.get("Last-Event-ID");
  std::optional<sh::EventId> resume;
  if (last) resume = sh::parseEventId(*last);
  std::vector<std::string> backlog;
  std::shared_ptr<ResponseStream> old_conn;
  std::shared_ptr<ResponseStream> conn;
  bool finished = false;
  std::uint64_t num = 0;
  {
    std::lock_guard lock(mu_);
    if (closed_) {
      responder->respond(jsonRpcError(404, ErrorCode::kInvalidRequest, "session closed"));
      return;
    }
    std::uint64_t after = 0;
    auto it = streams_.end();
    if (resume) {
      it = streams_.find(resume->stream);
      if (it != streams_.end()) {
        num = resume->stream;
        after = resume->seq;
      }
    }
    if (it == streams_.end()) {
      it = streams_.find(0);
      if (it == streams_.end()) it = streams_.emplace(0, Stream(options_.replay_events)).first;
      if (it->second.conn && it->second.conn->isOpen()) {
        responder->respond(jsonRpcError(409, ErrorCode::kInvalidRequest,
                                        "only one standalone SSE stream is allowed per session"));
        return;
      }
      after = it->second.delivered;
    }
    Stream& s = it->second;
    auto events = s.replay.after(after);
    if (!events) {
      responder->respond(jsonRpcError(400, ErrorCode::kInvalidRequest, events.error().message));
      return;
    }
    backlog = std::move(*events);
    conn = openSse(*responder, false);
    old_conn = std::exchange(s.conn, conn);
    s.delivered = s.replay.lastSeq();
    finished = num != 0 && s.pending.empty();
    if (!finished && version >= "2025-11-25" && !resume) {
      backlog.insert(backlog.begin(),
                     http::formatSseEvent("", sh::formatEventId({num, 0}), {}, options_.sse_retry.count()));
    }
    for (auto& e : backlog) (void)conn->write(std::move(e));
    if (finished) s.conn.reset();
  }
  if (old_conn) old_conn->close();
  if (finished) {
    conn->close();
  } else {
    attach(num, conn);
  }
}

void SessionTransport::closeWith(const Error& reason) {
  std::function<void(const Error&)> on_close;
  std::vector<std::shared_ptr<ResponseStream>> conns;
  std::vector<std::shared_ptr<Responder>> responders;
  {
    std::lock_guard lock(mu_);
    if (closed_) return;
    closed_ = true;
    on_close = std::move(handlers_.on_close);
    handlers_ = {};
    for (auto& [num, s] : streams_) {
      if (s.conn) conns.push_back(std::move(s.conn));
      if (s.json_responder) responders.push_back(std::move(s.json_responder));
    }
    streams_.clear();
    request_stream_.clear();
  }
  if (auto reg = registry_.lock()) reg->remove(id_);
  // Wait for a delivery in progress on another thread, so that after close() returns
  // the session layer's on_message is no longer running (it may free what it uses).
  if (delivering_thread_.load() != std::this_thread::get_id()) std::lock_guard wait(deliver_mu_);
  for (auto& c : conns) c->close();
  for (auto& r : responders) r->respond(jsonRpcError(404, ErrorCode::kClosed, "session closed"));
  if (on_close) on_close(reason);
}

}  // namespace

struct StreamableHttpServer::Impl {
  Impl(StreamableHttpServerOptions o, SessionRequestAcceptor a, const Clock* c)
      : options(std::move(o)),
        acceptor(std::move(a)),
        clock(c ? c : &system_clock),
        http(httpOptions(options)) {}

  static http::ServerOptions httpOptions(const StreamableHttpServerOptions& o) {
    http::ServerOptions h;
    h.bind_address = o.bind_address;
    h.port = o.port;
    h.threads = o.threads;
    h.max_body_bytes = o.max_body_bytes;
    // MCP POSTs may wait a long time for a tool's result; streams are held open.
    h.idle_timeout = std::chrono::minutes(10);
    return h;
  }

  void handle(Request request, std::shared_ptr<Responder> responder);
  void handlePost(Request& request, std::shared_ptr<Responder>& responder);
  std::optional<Response> checkHeaders(const Request& request) const;
  // Finds the session named by the request header; answers 400/404 itself if none.
  std::shared_ptr<SessionTransport> sessionFor(const Request& request, Responder& responder);
  // A new session handed to the acceptor with the request that opens it; null if the
  // acceptor did not start it.
  std::shared_ptr<SessionTransport> createSession(const Request& request);

  // Closes sessions idle for longer than options.session_idle_timeout.
  void sweepIdle();

  StreamableHttpServerOptions options;
  SessionRequestAcceptor acceptor;
  SystemClock system_clock;
  const Clock* clock;
  std::shared_ptr<SessionRegistry> registry = std::make_shared<SessionRegistry>();
  http::HttpServer http;
};

std::optional<Response> StreamableHttpServer::Impl::checkHeaders(const Request& request) const {
  auto host = request.headers.get("Host");
  if (!host || !sh::isAllowedHost(*host, options.allowed_hosts)) {
    return jsonRpcError(403, ErrorCode::kForbidden, "Host header not allowed");
  }
  if (auto origin = request.headers.get("Origin"); origin && !sh::isAllowedOrigin(*origin, options.allowed_origins)) {
    return jsonRpcError(403, ErrorCode::kForbidden, "Origin not allowed");
  }
  if (!options.bearer_token.empty()) {
    auto auth = request.headers.get("Authorization");
    if (!auth || !sh::bearerTokenMatches(*auth, options.bearer_token)) {
      return jsonRpcError(401, ErrorCode::kUnauthorized,
                          auth ? "Unauthorized: wrong bearer token" : "Unauthorized: a bearer token is required");
    }
  }
  if (auto v = request.headers.get(kVersionHeader)) {
    bool known = false;
    for (const auto& s : options.protocol_versions) known = known || s == *v;
    if (!known) {
      return jsonRpcError(400, ErrorCode::kInvalidRequest, "unsupported MCP-Protocol-Version: " + *v);
    }
  }
  return std::nullopt;
}

std::shared_ptr<SessionTransport> StreamableHttpServer::Impl::sessionFor(const Request& request,
                                                                         Responder& responder) {
  auto sid = request.headers.get(kSessionHeader);
  if (!sid || sid->empty()) {
    responder.respond(jsonRpcError(400, ErrorCode::kInvalidRequest, "Bad Request: Mcp-Session-Id header is required"));
    return nullptr;
  }
  if (options.session_ids.check) {
    if (auto valid = options.session_ids.check(*sid); !valid) {
      const bool stale = valid.error().code == ErrorCode::kNotFound;
      responder.respond(jsonRpcError(stale ? 404 : 400, ErrorCode::kInvalidRequest,
                                     (stale ? "Session not found: " : "Bad Request: ") +
                                         valid.error().message));
      return nullptr;
    }
  }
  auto session = registry->find(*sid);
  if (!session) {
    responder.respond(jsonRpcError(404, ErrorCode::kInvalidRequest, "Session not found"));
    return nullptr;
  }
  session->touch(clock->now());
  return session;
}

void StreamableHttpServer::Impl::handle(Request request, std::shared_ptr<Responder> responder) {
  if (auto rejected = checkHeaders(request)) {
    responder->respond(std::move(*rejected));
    return;
  }
  std::string version = request.headers.get(kVersionHeader).value_or("2025-03-26");
  if (request.method == "POST") {
    handlePost(request, responder);
  } else if (request.method == "GET") {
    if (!accepts(request.headers, "text/event-stream")) {
      responder->respond(jsonRpcError(406, ErrorCode::kInvalidRequest, "Not Acceptable: GET needs Accept: text/event-stream"));
      return;
    }
    if (auto session = sessionFor(request, *responder)) session->handleGet(request, version, std::move(responder));
  } else if (request.method == "DELETE") {
    if (auto session = sessionFor(request, *responder)) {
      session->closeWith(Error(ErrorCode::kClosed, "the client ended the session"));
      responder->respond(Response::text(200, ""));
    }
  } else {
    auto r = jsonRpcError(405, ErrorCode::kInvalidRequest, "Method Not Allowed");
    r.headers.set("Allow", "GET, POST, DELETE");
    responder->respond(std::move(r));
  }
}

void StreamableHttpServer::Impl::sweepIdle() {
  if (options.session_idle_timeout.count() <= 0) return;
  auto now = clock->now();
  for (auto& session : registry->snapshot()) {
    auto since = session->idleSince();
    if (since && now - *since >= options.session_idle_timeout) {
      session->closeWith(Error(ErrorCode::kTimeout, "the MCP session was idle too long"));
    }
  }
}

std::shared_ptr<SessionTransport> StreamableHttpServer::Impl::createSession(
    const Request& request) {
  auto session = std::make_shared<SessionTransport>(
      options.session_ids.issue ? options.session_ids.issue() : sh::newSessionId(), options, registry);
  const SessionRequest opened{
      [&request](std::string_view name) { return request.headers.get(name); }};
  try {
    acceptor(session, opened);
  } catch (const std::exception& e) {
    log::error("mcp http: session acceptor threw: {}", e.what());
  }
  if (!session->started()) return nullptr;
  session->touch(clock->now());
  registry->add(session);
  return session;
}

void StreamableHttpServer::Impl::handlePost(Request& request, std::shared_ptr<Responder>& responder) {
  auto ctype = request.headers.get("Content-Type");
  if (!ctype || ctype->find("application/json") == std::string::npos) {
    responder->respond(jsonRpcError(415, ErrorCode::kInvalidRequest, "Unsupported Media Type: Content-Type must be application/json"));
    return;
  }
  auto summary = sh::summarizeBody(request.body);
  if (!summary) {
    responder->respond(jsonRpcError(400, summary.error().code, summary.error().message));
    return;
  }
  bool wants_sse = accepts(request.headers, "text/event-stream");
  bool wants_json = accepts(request.headers, "application/json");
  if (!wants_sse && !wants_json && request.headers.has("Accept")) {
    responder->respond(jsonRpcError(406, ErrorCode::kInvalidRequest, "Not Acceptable: Accept application/json and text/event-stream"));
    return;
  }
  std::shared_ptr<SessionTransport> session;
  std::string version = request.headers.get(kVersionHeader).value_or("2025-03-26");
  if (summary->has_initialize) {
    if (request.headers.has(kSessionHeader)) {
      responder->respond(jsonRpcError(400, ErrorCode::kInvalidRequest, "initialize must not carry an Mcp-Session-Id"));
      return;
    }
    sweepIdle();
    if (registry->size() >= options.max_sessions) {
      responder->respond(jsonRpcError(503, ErrorCode::kUnavailable, "too many MCP sessions"));
      return;
    }
    session = createSession(request);
    if (!session) {
      responder->respond(jsonRpcError(500, ErrorCode::kInternalError, "the server did not accept the session"));
      return;
    }
    version = summary->initialize_version;
  } else {
    session = sessionFor(request, *responder);
    if (!session) return;
  }
  if (summary->request_ids.empty()) {
    if (!session->deliver(std::move(request.body))) {
      responder->respond(jsonRpcError(404, ErrorCode::kInvalidRequest, "Session not found"));
      return;
    }
    responder->respond(Response::text(202, "", "text/plain"));
    return;
  }
  const bool on_demand = !options.json_responses && options.sse_on_demand && wants_sse && wants_json;
  const bool json_mode = options.json_responses || !wants_sse || on_demand;
  if (json_mode && summary->has_initialize) {
    // The session id must reach the client with the JSON answer (or the on-demand stream).
    responder = std::make_shared<WithSession>(responder, session->id());
  }
  session->handleRequests(*summary, std::move(request.body), json_mode, on_demand, version,
                          std::move(responder));
}

StreamableHttpServer::StreamableHttpServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Result<std::unique_ptr<StreamableHttpServer>> StreamableHttpServer::start(StreamableHttpServerOptions options,
                                                                          SessionAcceptor acceptor,
                                                                          const Clock* clock) {
  if (!acceptor) return fail(ErrorCode::kInvalidInput, "a session acceptor is required");
  return start(
      std::move(options),
      [a = std::move(acceptor)](std::shared_ptr<Transport> t, const SessionRequest&) {
        a(std::move(t));
      },
      clock);
}

Result<std::unique_ptr<StreamableHttpServer>> StreamableHttpServer::start(
    StreamableHttpServerOptions options, SessionRequestAcceptor acceptor, const Clock* clock) {
  if (!acceptor) return fail(ErrorCode::kInvalidInput, "a session acceptor is required");
  auto impl = std::make_unique<Impl>(std::move(options), std::move(acceptor), clock);
  Impl* raw = impl.get();
  impl->http.route("*", impl->options.endpoint_path, [raw](Request req, std::shared_ptr<Responder> r) {
    raw->handle(std::move(req), std::move(r));
  });
  ONEMCP_TRY(impl->http.start());
  return std::unique_ptr<StreamableHttpServer>(new StreamableHttpServer(std::move(impl)));
}

StreamableHttpServer::~StreamableHttpServer() { stop(); }

std::uint16_t StreamableHttpServer::port() const { return impl_->http.port(); }

std::string StreamableHttpServer::url() const {
  std::string host = impl_->options.bind_address;
  if (host.find(':') != std::string::npos) host = "[" + host + "]";
  return "http://" + host + ":" + std::to_string(port()) + impl_->options.endpoint_path;
}

std::size_t StreamableHttpServer::sessionCount() const { return impl_->registry->size(); }

void StreamableHttpServer::stop() {
  for (auto& s : impl_->registry->takeAll()) s->closeWith(Error(ErrorCode::kClosed, "the server is stopping"));
  impl_->http.stop();
}

}  // namespace onemcp::mcp
