// HttpServer: Boost.Beast over Asio. Threading: one io_context run by a fixed pool of
// std::jthreads; each connection's socket and state live on its own strand, so a
// connection's handlers never run concurrently. Responder and ResponseStream may be used
// from any thread: they post onto the connection's strand through ServerState, which
// refuses posts once the server has stopped.
#include "onemcp/http/server.h"

#include <atomic>
#include <deque>
#include <map>
#include <mutex>
#include <shared_mutex>
#include <thread>
#include <vector>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "onemcp/common/log.h"

namespace onemcp::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

namespace {

class Connection;
class StreamImpl;

// Shared by the server and every connection: lets objects that outlive the server (a
// Responder kept by a session) find out that posting is no longer allowed.
struct ServerState {
  explicit ServerState(ServerOptions o) : options(std::move(o)) {}
  const ServerOptions options;
  std::shared_mutex mu;
  bool stopped = false;  // guarded by mu
  std::mutex conns_mu;
  std::vector<std::weak_ptr<Connection>> connections;  // guarded by conns_mu
  // Every stream handed out, so stop() can end those whose start never ran.
  std::vector<std::weak_ptr<StreamImpl>> streams;       // guarded by conns_mu

};

struct Routes {
  std::map<std::string, std::map<std::string, Handler>> by_path;  // path -> method -> h
  Handler fallback;
};

class StreamImpl final : public ResponseStream, public std::enable_shared_from_this<StreamImpl> {
 public:
  StreamImpl(std::shared_ptr<Connection> conn, std::size_t cap) : conn_(std::move(conn)), cap_(cap) {}
  Result<void> write(std::string data) override;
  void close() override;
  [[nodiscard]] bool isOpen() const override {
    std::lock_guard lock(mu_);
    return open_;
  }
  void onClosed(std::function<void()> callback) override {
    std::unique_lock lock(mu_);
    if (!open_) {
      lock.unlock();
      if (callback) callback();
      return;
    }
    callbacks_.push_back(std::move(callback));
  }
  // Called on the connection's strand (or the stopping thread) when the stream ends.
  void markClosed() {
    std::vector<std::function<void()>> callbacks;
    {
      std::lock_guard lock(mu_);
      if (!open_) return;
      open_ = false;
      callbacks.swap(callbacks_);
    }
    for (auto& cb : callbacks) {
      if (cb) cb();
    }
  }
  void released(std::size_t n) { pending_.fetch_sub(n); }

 private:
  std::shared_ptr<Connection> conn_;
  std::size_t cap_;
  std::atomic<std::size_t> pending_{0};
  mutable std::mutex mu_;
  bool open_ = true;                                 // guarded by mu_
  std::vector<std::function<void()>> callbacks_;     // guarded by mu_
};

class ResponderImpl;

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(tcp::socket socket, std::shared_ptr<ServerState> state,
             std::shared_ptr<const Routes> routes)
      : stream_(std::in_place, std::move(socket)),
        state_(std::move(state)),
        routes_(std::move(routes)),
        options_(state_->options) {
    beast::error_code ec;
    auto ep = stream_->socket().remote_endpoint(ec);
    if (!ec) remote_ = ep.address().to_string();
  }

  // Runs fn on this connection's strand; false (fn dropped) once the server has stopped.
  // The stopped check and the post happen under ServerState::mu, so stop() can drop the
  // strand safely afterwards.
  template <typename Fn>
  bool post(Fn&& fn) {
    std::shared_lock lock(state_->mu);
    if (state_->stopped) return false;
    asio::post(executor_, std::forward<Fn>(fn));
    return true;
  }
  const ServerOptions& options() const { return options_; }

  void start() {
    executor_ = stream_->get_executor();
    readRequest();
  }

  // --- all below run on the strand ---
  void sendResponse(Response response, bool keep_alive);
  void beginStream(const std::shared_ptr<StreamImpl>& stream, int status, const Headers& headers);
  void queueChunk(const std::shared_ptr<StreamImpl>& stream, std::string data);
  void endStream(const std::shared_ptr<StreamImpl>& stream);
  // Closes the socket and ends any stream. On the strand, or on the stopping thread once
  // no io thread runs.
  void shutdownNow();
  // After stop(): drops everything tied to the io_context, which is about to go.
  void registerStream(const std::shared_ptr<StreamImpl>& s) {
    std::lock_guard lock(state_->conns_mu);
    std::erase_if(state_->streams, [](const auto& w) { return w.expired(); });
    state_->streams.push_back(s);
  }
  void releaseSocket() {
    stream_.reset();
    executor_ = {};
  }

 private:
  void readRequest();
  void onRead(beast::error_code ec);
  void dispatch(Request request, bool keep_alive);
  void rejectAndClose(int status, std::string message);
  void flush();
  void watchPeer();

  std::optional<beast::tcp_stream> stream_;
  asio::any_io_executor executor_;
  std::shared_ptr<ServerState> state_;
  std::shared_ptr<const Routes> routes_;
  const ServerOptions& options_;
  std::string remote_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  std::shared_ptr<bhttp::response<bhttp::string_body>> response_;
  // Streaming state (strand-owned).
  std::shared_ptr<StreamImpl> stream_impl_;
  std::deque<std::pair<std::string, std::size_t>> out_;  // bytes, payload size to release
  bool writing_ = false;
  bool ending_ = false;  // last chunk queued; close after flush
  bool closed_ = false;
};

class ResponderImpl final : public Responder {
 public:
  ResponderImpl(std::shared_ptr<Connection> conn, bool keep_alive)
      : conn_(std::move(conn)), keep_alive_(keep_alive) {}
  ~ResponderImpl() override {
    if (!answered_.exchange(true)) {
      auto conn = conn_;
      conn->post([conn, ka = keep_alive_] {
        conn->sendResponse(Response::text(500, "no response\n"), ka);
      });
    }
  }
  void respond(Response response) override {
    if (answered_.exchange(true)) return;
    auto conn = conn_;
    conn->post([conn, r = std::move(response), ka = keep_alive_]() mutable {
      conn->sendResponse(std::move(r), ka);
    });
  }
  std::shared_ptr<ResponseStream> beginStream(int status, Headers headers) override {
    auto stream = std::make_shared<StreamImpl>(conn_, conn_->options().max_pending_stream_bytes);
    conn_->registerStream(stream);
    if (answered_.exchange(true)) {
      stream->markClosed();
      return stream;
    }
    auto conn = conn_;
    if (!conn->post([conn, stream, status, h = std::move(headers)] {
          conn->beginStream(stream, status, h);
        })) {
      stream->markClosed();
    }
    return stream;
  }

 private:
  std::shared_ptr<Connection> conn_;
  bool keep_alive_;
  std::atomic<bool> answered_{false};
};

Result<void> StreamImpl::write(std::string data) {
  if (!isOpen()) return fail(ErrorCode::kClosed, "the response stream is closed");
  if (data.empty()) return {};
  std::size_t n = data.size();
  if (pending_.fetch_add(n) + n > cap_) {
    pending_.fetch_sub(n);
    return fail(ErrorCode::kTooLarge, "the peer is not reading the stream fast enough");
  }
  auto conn = conn_;
  if (!conn->post([conn, self = shared_from_this(), d = std::move(data)]() mutable {
        conn->queueChunk(self, std::move(d));
      })) {
    pending_.fetch_sub(n);
    return fail(ErrorCode::kClosed, "the server has stopped");
  }
  return {};
}

void StreamImpl::close() {
  if (!isOpen()) return;
  auto conn = conn_;
  conn->post([conn, self = shared_from_this()] { conn->endStream(self); });
}

void Connection::readRequest() {
  if (closed_ || !stream_) return;
  parser_.emplace();
  parser_->body_limit(options_.max_body_bytes);
  parser_->header_limit(static_cast<std::uint32_t>(options_.max_header_bytes));
  stream_->expires_after(options_.idle_timeout);
  bhttp::async_read(*stream_, buffer_, *parser_,
                    [self = shared_from_this()](beast::error_code ec, std::size_t) { self->onRead(ec); });
}

void Connection::onRead(beast::error_code ec) {
  if (ec == bhttp::error::body_limit) {
    rejectAndClose(413, "request body too large\n");
    return;
  }
  if (ec == bhttp::error::header_limit) {
    rejectAndClose(431, "request header too large\n");
    return;
  }
  if (ec) {
    if (ec != bhttp::error::end_of_stream && ec != asio::error::operation_aborted &&
        ec != beast::error::timeout && ec != asio::error::connection_reset) {
      rejectAndClose(400, "bad request\n");
      return;
    }
    shutdownNow();
    return;
  }
  auto msg = parser_->release();
  Request req;
  req.method = std::string(msg.method_string());
  req.target = std::string(msg.target());
  auto q = req.target.find('?');
  req.path = req.target.substr(0, q);
  if (q != std::string::npos) req.query = req.target.substr(q + 1);
  for (const auto& f : msg) req.headers.add(std::string(f.name_string()), std::string(f.value()));
  req.body = std::move(msg.body());
  req.remote_address = remote_;
  stream_->expires_never();
  dispatch(std::move(req), msg.keep_alive());
}

void Connection::dispatch(Request request, bool keep_alive) {
  const Handler* handler = nullptr;
  std::string allow;
  bool path_known = false;
  if (auto it = routes_->by_path.find(request.path); it != routes_->by_path.end()) {
    path_known = true;
    if (auto m = it->second.find(request.method); m != it->second.end()) {
      handler = &m->second;
    } else if (auto any = it->second.find("*"); any != it->second.end()) {
      handler = &any->second;
    } else {
      for (const auto& [method, h] : it->second) allow += (allow.empty() ? "" : ", ") + method;
    }
  }
  if (!handler && routes_->fallback) handler = &routes_->fallback;
  auto responder = std::make_shared<ResponderImpl>(shared_from_this(), keep_alive);
  if (!handler) {
    if (!path_known) {
      responder->respond(Response::text(404, "not found\n"));
    } else {
      auto r = Response::text(405, "method not allowed\n");
      r.headers.set("Allow", allow);
      responder->respond(std::move(r));
    }
    return;
  }
  try {
    (*handler)(std::move(request), responder);
  } catch (const std::exception& e) {
    log::error("http: handler threw: {}", e.what());
    responder->respond(Response::text(500, "internal error\n"));
  } catch (...) {
    log::error("http: handler threw a non-exception");
    responder->respond(Response::text(500, "internal error\n"));
  }
}

void Connection::rejectAndClose(int status, std::string message) {
  sendResponse(Response::text(status, std::move(message)), false);
}

void Connection::sendResponse(Response response, bool keep_alive) {
  if (closed_ || !stream_ || response_ || stream_impl_) return;
  auto res = std::make_shared<bhttp::response<bhttp::string_body>>();
  res->result(static_cast<unsigned>(response.status));
  res->version(11);
  for (const auto& [k, v] : response.headers.fields()) res->insert(k, v);
  res->body() = std::move(response.body);
  res->keep_alive(keep_alive);
  res->prepare_payload();
  response_ = res;
  stream_->expires_after(options_.read_timeout);
  bhttp::async_write(*stream_, *res, [self = shared_from_this(), keep_alive](beast::error_code ec, std::size_t) {
    self->response_.reset();
    if (ec || !keep_alive) {
      self->shutdownNow();
      return;
    }
    self->readRequest();
  });
}

void Connection::beginStream(const std::shared_ptr<StreamImpl>& stream, int status,
                             const Headers& headers) {
  if (closed_ || !stream_ || stream_impl_ || response_) {
    stream->markClosed();
    return;
  }
  stream_impl_ = stream;
  std::string head = "HTTP/1.1 " + std::to_string(status) + " " + std::string(reasonPhrase(status)) + "\r\n";
  for (const auto& [k, v] : headers.fields()) {
    if (equalsIgnoreCase(k, "Content-Length") || equalsIgnoreCase(k, "Transfer-Encoding") ||
        equalsIgnoreCase(k, "Connection")) {
      continue;
    }
    head += k + ": " + v + "\r\n";
  }
  // A streamed response ends its connection: the peer-watching read cannot be handed
  // back to the request reader cleanly, and MCP clients open a connection per POST.
  head += "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n";
  out_.emplace_back(std::move(head), 0);
  stream_->expires_never();
  flush();
  watchPeer();
}

void Connection::watchPeer() {
  if (closed_ || !stream_) return;
  // Anything the peer sends now is ignored; an error or EOF means it has gone.
  if (buffer_.size() > options_.max_header_bytes) buffer_.consume(buffer_.size());
  auto buf = buffer_.prepare(4096);
  stream_->async_read_some(buf, [self = shared_from_this()](beast::error_code ec, std::size_t n) {
    if (ec) {
      self->shutdownNow();
      return;
    }
    self->buffer_.commit(n);
    self->buffer_.consume(self->buffer_.size());
    self->watchPeer();
  });
}

void Connection::queueChunk(const std::shared_ptr<StreamImpl>& stream, std::string data) {
  if (stream != stream_impl_ || closed_ || ending_) {
    stream->released(data.size());
    return;
  }
  char size_hex[20];
  int len = std::snprintf(size_hex, sizeof size_hex, "%zx\r\n", data.size());
  std::string chunk;
  chunk.reserve(data.size() + static_cast<std::size_t>(len) + 2);
  chunk.append(size_hex, static_cast<std::size_t>(len));
  chunk += data;
  chunk += "\r\n";
  out_.emplace_back(std::move(chunk), data.size());
  flush();
}

void Connection::endStream(const std::shared_ptr<StreamImpl>& stream) {
  if (stream != stream_impl_ || closed_ || ending_) return;
  ending_ = true;
  out_.emplace_back("0\r\n\r\n", 0);
  flush();
}

void Connection::flush() {
  if (writing_ || out_.empty() || closed_ || !stream_) {
    if (!writing_ && out_.empty() && ending_) shutdownNow();
    return;
  }
  writing_ = true;
  asio::async_write(*stream_, asio::buffer(out_.front().first),
                    [self = shared_from_this()](beast::error_code ec, std::size_t) {
                      self->writing_ = false;
                      if (self->closed_ || self->out_.empty()) return;
                      if (self->stream_impl_) self->stream_impl_->released(self->out_.front().second);
                      self->out_.pop_front();
                      if (ec) {
                        self->shutdownNow();
                        return;
                      }
                      self->flush();
                    });
}

void Connection::shutdownNow() {
  if (closed_) return;
  closed_ = true;
  if (stream_) {
    beast::error_code ec;
    stream_->socket().shutdown(tcp::socket::shutdown_both, ec);
    stream_->socket().close(ec);
  }
  if (auto s = std::move(stream_impl_)) s->markClosed();
  out_.clear();
}

}  // namespace

struct HttpServer::Impl {
  explicit Impl(ServerOptions o) : options(std::move(o)) {}

  ServerOptions options;
  std::shared_ptr<Routes> routes = std::make_shared<Routes>();
  std::shared_ptr<ServerState> state = std::make_shared<ServerState>(options);
  asio::io_context ioc;
  std::optional<tcp::acceptor> acceptor;
  std::vector<std::jthread> threads;
  std::uint16_t port = 0;
  bool started = false;
  std::mutex stop_mu;
  bool stopped = false;  // guarded by stop_mu

  void accept() {
    acceptor->async_accept(asio::make_strand(ioc), [this](beast::error_code ec, tcp::socket socket) {
      if (ec) {
        if (ec == asio::error::operation_aborted) return;
        log::warn("http: accept failed: {}", ec.message());
      } else {
        auto conn = std::make_shared<Connection>(std::move(socket), state, routes);
        {
          std::lock_guard lock(state->conns_mu);
          std::erase_if(state->connections, [](const auto& w) { return w.expired(); });
          state->connections.push_back(conn);
        }
        conn->start();
      }
      if (acceptor && acceptor->is_open()) accept();
    });
  }
};

HttpServer::HttpServer(ServerOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}

HttpServer::~HttpServer() { stop(); }

void HttpServer::route(std::string method, std::string path, Handler handler) {
  impl_->routes->by_path[std::move(path)][std::move(method)] = std::move(handler);
}

void HttpServer::fallback(Handler handler) { impl_->routes->fallback = std::move(handler); }

Result<void> HttpServer::start() {
  if (impl_->started) return fail(ErrorCode::kInvalidInput, "http server already started");
  beast::error_code ec;
  auto address = asio::ip::make_address(impl_->options.bind_address, ec);
  if (ec) return fail(ErrorCode::kInvalidInput, "bad bind address '" + impl_->options.bind_address + "'");
  tcp::endpoint endpoint(address, impl_->options.port);
  auto& acc = impl_->acceptor.emplace(impl_->ioc);
  acc.open(endpoint.protocol(), ec);
  if (!ec) acc.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acc.bind(endpoint, ec);
  if (!ec) acc.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    impl_->acceptor.reset();
    return fail(ErrorCode::kUnavailable, "cannot listen on " + impl_->options.bind_address + ":" +
                                             std::to_string(impl_->options.port) + ": " + ec.message());
  }
  impl_->port = acc.local_endpoint().port();
  impl_->started = true;
  impl_->accept();
  std::size_t n = std::max<std::size_t>(1, impl_->options.threads);
  for (std::size_t i = 0; i < n; ++i) {
    impl_->threads.emplace_back([this] {
      try {
        impl_->ioc.run();
      } catch (const std::exception& e) {
        log::error("http: io thread stopped by exception: {}", e.what());
      }
    });
  }
  return {};
}

std::uint16_t HttpServer::port() const { return impl_->port; }
const std::string& HttpServer::bindAddress() const { return impl_->options.bind_address; }

void HttpServer::stop() {
  {
    std::lock_guard lock(impl_->stop_mu);
    if (impl_->stopped) return;
    impl_->stopped = true;
  }
  {
    std::unique_lock lock(impl_->state->mu);
    impl_->state->stopped = true;
  }
  impl_->ioc.stop();
  for (auto& t : impl_->threads) t.join();
  impl_->threads.clear();
  // No io thread runs now, and nothing can post: finish connections on this thread.
  std::vector<std::shared_ptr<Connection>> live;
  std::vector<std::shared_ptr<StreamImpl>> streams;
  {
    std::lock_guard lock(impl_->state->conns_mu);
    for (auto& w : impl_->state->connections) {
      if (auto c = w.lock()) live.push_back(std::move(c));
    }
    impl_->state->connections.clear();
    for (auto& w : impl_->state->streams) {
      if (auto s = w.lock()) streams.push_back(std::move(s));
    }
    impl_->state->streams.clear();
  }
  for (auto& c : live) {
    c->shutdownNow();
    c->releaseSocket();
  }
  for (auto& s : streams) s->markClosed();  // including any whose start never ran
  if (impl_->acceptor) {
    beast::error_code ec;
    impl_->acceptor->close(ec);
    impl_->acceptor.reset();
  }
}

}  // namespace onemcp::http
