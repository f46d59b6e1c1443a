// StreamableHttpServer: headers, session lookup and creation, idle sweeping; each
// session's streams are in streamable_http_session.cc. Threading: HTTP handlers run on
// the HttpServer's io threads. Each session is a SessionTransport whose stream table is guarded by
// its mu_; messages are delivered to the session layer under deliver_mu_, so on_message calls for
// one session never overlap even when two POSTs arrive on two threads. No lock is held while
// calling the session layer or writing to an HTTP stream's queue... except deliver_mu_.
#include "onemcp/mcp/streamable_http_server.h"

#include <memory>
#include <optional>
#include <string>

#include "onemcp/common/log.h"
#include "onemcp/http/server.h"
#include "onemcp/mcp/streamable_http_common.h"
#include "streamable_http_session.h"

namespace onemcp::mcp {

namespace sh = streamable_http;
using http::Headers;
using http::Request;
using http::Responder;
using http::Response;
using http::ResponseStream;

using sh::accepts;
using sh::jsonRpcError;
using sh::kSessionHeader;
using sh::kVersionHeader;
using sh::SessionRegistry;
using sh::SessionTransport;
using sh::WithSession;

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
  if (auto origin = request.headers.get("Origin");
      origin && !sh::isAllowedOrigin(*origin, options.allowed_origins)) {
    return jsonRpcError(403, ErrorCode::kForbidden, "Origin not allowed");
  }
  if (!options.bearer_token.empty()) {
    auto auth = request.headers.get("Authorization");
    if (!auth || !sh::bearerTokenMatches(*auth, options.bearer_token)) {
      return jsonRpcError(
          401, ErrorCode::kUnauthorized,
          auth ? "Unauthorized: wrong bearer token" : "Unauthorized: a bearer token is required");
    }
  }
  if (auto v = request.headers.get(kVersionHeader)) {
    bool known = false;
    for (const auto& s : options.protocol_versions) known = known || s == *v;
    if (!known) {
      return jsonRpcError(400, ErrorCode::kInvalidRequest,
                          "unsupported MCP-Protocol-Version: " + *v);
    }
  }
  return std::nullopt;
}

std::shared_ptr<SessionTransport> StreamableHttpServer::Impl::sessionFor(const Request& request,
                                                                         Responder& responder) {
  auto sid = request.headers.get(kSessionHeader);
  if (!sid || sid->empty()) {
    responder.respond(jsonRpcError(400, ErrorCode::kInvalidRequest,
                                   "Bad Request: Mcp-Session-Id header is required"));
    return nullptr;
  }
  if (options.session_ids.check) {
    if (auto valid = options.session_ids.check(*sid); !valid) {
      const bool stale = valid.error().code == ErrorCode::kNotFound;
      responder.respond(
          jsonRpcError(stale ? 404 : 400, ErrorCode::kInvalidRequest,
                       (stale ? "Session not found: " : "Bad Request: ") + valid.error().message));
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
      responder->respond(jsonRpcError(406, ErrorCode::kInvalidRequest,
                                      "Not Acceptable: GET needs Accept: text/event-stream"));
      return;
    }
    if (auto session = sessionFor(request, *responder))
      session->handleGet(request, version, std::move(responder));
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
      options.session_ids.issue ? options.session_ids.issue() : sh::newSessionId(), options,
      registry);
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

void StreamableHttpServer::Impl::handlePost(Request& request,
                                            std::shared_ptr<Responder>& responder) {
  auto ctype = request.headers.get("Content-Type");
  if (!ctype || ctype->find("application/json") == std::string::npos) {
    responder->respond(
        jsonRpcError(415, ErrorCode::kInvalidRequest,
                     "Unsupported Media Type: Content-Type must be application/json"));
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
    responder->respond(
        jsonRpcError(406, ErrorCode::kInvalidRequest,
                     "Not Acceptable: Accept application/json and text/event-stream"));
    return;
  }
  std::shared_ptr<SessionTransport> session;
  std::string version = request.headers.get(kVersionHeader).value_or("2025-03-26");
  if (summary->has_initialize) {
    if (request.headers.has(kSessionHeader)) {
      responder->respond(jsonRpcError(400, ErrorCode::kInvalidRequest,
                                      "initialize must not carry an Mcp-Session-Id"));
      return;
    }
    sweepIdle();
    if (registry->size() >= options.max_sessions) {
      responder->respond(jsonRpcError(503, ErrorCode::kUnavailable, "too many MCP sessions"));
      return;
    }
    session = createSession(request);
    if (!session) {
      responder->respond(
          jsonRpcError(500, ErrorCode::kInternalError, "the server did not accept the session"));
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
  const bool on_demand =
      !options.json_responses && options.sse_on_demand && wants_sse && wants_json;
  const bool json_mode = options.json_responses || !wants_sse || on_demand;
  if (json_mode && summary->has_initialize) {
    // The session id must reach the client with the JSON answer (or the on-demand stream).
    responder = std::make_shared<WithSession>(responder, session->id());
  }
  session->handleRequests(*summary, std::move(request.body), json_mode, on_demand, version,
                          std::move(responder));
}

StreamableHttpServer::StreamableHttpServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Result<std::unique_ptr<StreamableHttpServer>> StreamableHttpServer::start(
    StreamableHttpServerOptions options, SessionAcceptor acceptor, const Clock* clock) {
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
  impl->http.route("*", impl->options.endpoint_path,
                   [raw](Request req, std::shared_ptr<Responder> r) {
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
  for (auto& s : impl_->registry->takeAll())
    s->closeWith(Error(ErrorCode::kClosed, "the server is stopping"));
  impl_->http.stop();
}

}  // namespace onemcp::mcp
