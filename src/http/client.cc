// HttpClient: Boost.Beast over Asio, one io_context run by one std::jthread. Each
// exchange owns its socket; all of an exchange's work runs on that single io thread, and
// cancel() from other threads is posted there, so exchange state needs no lock. A TCP
// connection whose response was read to its end (and which the server keeps alive) goes
// back to a small per-host pool for the next exchange; a pooled connection the server
// has closed meanwhile is replaced once by a fresh one.
#include "onemcp/http/client.h"

#include <array>
#include <map>
#include <optional>
#include <future>
#include <mutex>
#include <thread>
#include <vector>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/url/parse.hpp>

#include "onemcp/common/log.h"

namespace onemcp::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using local = asio::local::stream_protocol;

Result<ParsedUrl> parseUrl(std::string_view url) {
  auto parsed = boost::urls::parse_uri(url);
  if (!parsed) return fail(ErrorCode::kInvalidInput, "not a valid URL: '" + std::string(url) + "'");
  const auto& u = *parsed;
  ParsedUrl out;
  std::string scheme(u.scheme());
  if (scheme == "http+unix") {
    out.unix_socket = true;
    out.host = u.encoded_host().decode();
    out.host_header = "localhost";
    if (out.host.empty()) return fail(ErrorCode::kInvalidInput, "http+unix URL without a socket path");
  } else if (scheme == "http") {
    out.host = std::string(u.host_address());
    if (out.host.empty()) return fail(ErrorCode::kInvalidInput, "URL without a host: '" + std::string(url) + "'");
    out.port = u.has_port() ? std::string(u.port()) : "80";
    out.host_header = std::string(u.encoded_host_and_port());
    // IPv6 literals come bracketed in the URL; the resolver wants them bare.
    if (out.host.size() > 1 && out.host.front() == '[') out.host = out.host.substr(1, out.host.size() - 2);
  } else {
    return fail(ErrorCode::kInvalidInput, "unsupported URL scheme '" + scheme + "' (http, http+unix)");
  }
  out.target = std::string(u.encoded_path());
  if (out.target.empty()) out.target = "/";
  if (u.has_query()) out.target += "?" + std::string(u.encoded_query());
  return out;
}

struct HttpClient::Impl : std::enable_shared_from_this<HttpClient::Impl> {
  explicit Impl(ClientOptions o) : options(o) {}
  ClientOptions options;
  asio::io_context ioc;
  asio::executor_work_guard<asio::io_context::executor_type> guard{ioc.get_executor()};
  std::jthread thread;
  std::mutex mu;
  std::vector<std::weak_ptr<Exchange>> exchanges;  // guarded by mu
  // Kept-alive TCP connections by "host:port"; io thread only.
  std::map<std::string, std::vector<tcp::socket>> idle;
  static constexpr std::size_t kIdlePerHost = 16;
};

namespace {

template <typename Protocol>
class ExchangeImpl final : public Exchange,
                           public std::enable_shared_from_this<ExchangeImpl<Protocol>> {
 public:
  ExchangeImpl(std::shared_ptr<HttpClient::Impl> client, ClientRequest request, ParsedUrl url,
               StreamHandlers handlers)
      : client_(std::move(client)),
        request_(std::move(request)),
        url_(std::move(url)),
        handlers_(std::move(handlers)),
        stream_(client_->ioc),
        resolver_(client_->ioc) {}

  void start() {
    asio::post(client_->ioc, [self = this->shared_from_this()] { self->connect(); });
  }

  void cancel() override {
    asio::post(client_->ioc, [self = this->shared_from_this()] {
      self->finish(fail(ErrorCode::kClosed, "request cancelled"));
    });
  }

 private:
  void connect() {
    if (done_) return;
    stream_.expires_after(request_.timeout);
    auto self = this->shared_from_this();
    if constexpr (std::is_same_v<Protocol, local>) {
      std::string path = request_.unix_socket.empty() ? url_.host : request_.unix_socket;
      stream_.async_connect(local::endpoint(path), [self, path](beast::error_code ec) {
        if (ec) return self->failWith(ErrorCode::kUnavailable, "cannot connect to " + path, ec);
        self->writeRequest();
      });
    } else {
      auto pooled = client_->idle.find(poolKey());
      if (client_->options.keep_alive && pooled != client_->idle.end() && !pooled->second.empty()) {
        stream_.socket() = std::move(pooled->second.back());
        pooled->second.pop_back();
        reused_ = true;
        return writeRequest();
      }
      resolver_.async_resolve(url_.host, url_.port, [self](beast::error_code ec, tcp::resolver::results_type results) {
        if (self->done_) return;
        if (ec) return self->failWith(ErrorCode::kUnavailable, "cannot resolve " + self->url_.host, ec);
        self->stream_.async_connect(results, [self](beast::error_code ec2, const tcp::endpoint&) {
          if (ec2) {
            return self->failWith(ErrorCode::kUnavailable,
                                  "cannot connect to " + self->url_.host + ":" + self->url_.port, ec2);
          }
          self->writeRequest();
        });
      });
    }
  }

  void writeRequest() {
    if (done_) return;
    req_.method_string(request_.method);
    req_.target(url_.target);
    req_.version(11);
    req_.set(bhttp::field::host, url_.host_header);
    for (const auto& [k, v] : request_.headers.fields()) {
      if (equalsIgnoreCase(k, "Host")) {
        req_.set(bhttp::field::host, v);  // the caller's Host replaces the URL's
      } else {
        req_.insert(k, v);
      }
    }
    // TCP connections are kept alive (HTTP/1.1's default); unix sockets are not pooled.
    if (!request_.headers.has("Connection") && !(kPooled && client_->options.keep_alive)) {
      req_.set(bhttp::field::connection, "close");
    }
    req_.body() = request_.body;
    if (!request_.body.empty() || request_.method == "POST" || request_.method == "PUT") req_.prepare_payload();
    sendRequest();
  }

  void sendRequest() {
    bhttp::async_write(stream_, req_, [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) {
        if (self->retryStale()) return;
        return self->failWith(ErrorCode::kIo, "sending the request failed", ec);
      }
      self->readHead();
    });
  }

  // A pooled connection that fails before any byte of the response arrived was closed by
  // the server while idle (it read nothing of ours): send once more on a new connection.
  bool retryStale() {
    if (!reused_ || done_) return false;
    reused_ = false;
    beast::error_code ignored;
    stream_.socket().close(ignored);
    buffer_.clear();
    parser_.reset();
    stream_.expires_after(request_.timeout);
    if constexpr (kPooled) {
      resolver_.async_resolve(url_.host, url_.port, [self = this->shared_from_this()](beast::error_code ec, tcp::resolver::results_type results) {
        if (self->done_) return;
        if (ec) return self->failWith(ErrorCode::kUnavailable, "cannot resolve " + self->url_.host, ec);
        self->stream_.async_connect(results, [self](beast::error_code ec2, const tcp::endpoint&) {
          if (ec2) {
            return self->failWith(ErrorCode::kUnavailable,
                                  "cannot connect to " + self->url_.host + ":" + self->url_.port, ec2);
          }
          self->sendRequest();
        });
      });
    }
    return true;
  }

  std::string poolKey() const { return url_.host + ":" + url_.port; }

  void readHead() {
    if (done_) return;
    parser_.emplace();
    parser_->body_limit(boost::none);
    parser_->header_limit(static_cast<std::uint32_t>(client_->options.max_header_bytes));
    if (request_.method == "HEAD") parser_->skip(true);
    bhttp::async_read_header(stream_, buffer_, *parser_, [self = this->shared_from_this()](beast::error_code ec, std::size_t n) {
      if (ec) {
        if (n == 0 && self->buffer_.size() == 0 && ec != beast::error::timeout && self->retryStale()) return;
        if (ec == beast::error::timeout) return self->failWith(ErrorCode::kTimeout, "no response in time", ec);
        return self->failWith(ErrorCode::kIo, "reading the response failed", ec);
      }
      self->onHead();
    });
  }

  void onHead() {
    if (done_) return;
    reused_ = false;  // the server answered on it: no more retries
    const auto& msg = parser_->get();
    Headers headers;
    for (const auto& f : msg) headers.add(std::string(f.name_string()), std::string(f.value()));
    bool go_on = true;
    if (handlers_.on_head) go_on = handlers_.on_head(static_cast<int>(msg.result_int()), headers);
    if (!go_on) return finish({});
    if (parser_->is_done()) return finish({}, parser_->keep_alive());
    readBody();
  }

  void readBody() {
    if (done_) return;
    if (request_.body_idle_timeout.count() > 0) {
      stream_.expires_after(request_.body_idle_timeout);
    } else {
      stream_.expires_never();
    }
    parser_->get().body().data = chunk_.data();
    parser_->get().body().size = chunk_.size();
    bhttp::async_read_some(stream_, buffer_, *parser_, [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
      if (self->done_) return;
      if (ec == bhttp::error::need_buffer) ec = {};
      std::size_t n = self->chunk_.size() - self->parser_->get().body().size;
      if (n > 0 && self->handlers_.on_data) {
        if (!self->handlers_.on_data(std::string_view(self->chunk_.data(), n))) return self->finish({});
      }
      if (ec) {
        if (ec == beast::error::timeout) return self->failWith(ErrorCode::kTimeout, "the response body stalled", ec);
        if (ec == bhttp::error::end_of_stream || ec == bhttp::error::partial_message) {
          return self->failWith(ErrorCode::kClosed, "the server closed the connection mid-body", ec);
        }
        return self->failWith(ErrorCode::kIo, "reading the response body failed", ec);
      }
      if (self->parser_->is_done()) return self->finish({}, self->parser_->keep_alive());
      self->readBody();
    });
  }

  void failWith(ErrorCode code, const std::string& what, beast::error_code ec) {
    if (done_) return;
    if (ec == asio::error::operation_aborted && cancelled_) return;
    finish(fail(code, what + ": " + ec.message()));
  }

  // `reusable`: the response was read to its end and the server keeps the connection.
  void finish(Result<void> result, bool reusable = false) {
    if (done_) return;
    done_ = true;
    if (!result && result.error().code == ErrorCode::kClosed) cancelled_ = true;
    beast::error_code ec;
    resolver_.cancel();
    bool pooled = false;
    if constexpr (kPooled) {
      auto& pool = client_->idle[poolKey()];
      if (client_->options.keep_alive && reusable && result && buffer_.size() == 0 &&
          pool.size() < HttpClient::Impl::kIdlePerHost) {
        stream_.expires_never();
        pool.push_back(std::move(stream_.socket()));
        pooled = true;
      }
    }
    if (!pooled) {
      stream_.socket().shutdown(Protocol::socket::shutdown_both, ec);
      stream_.close();
    }
    auto on_done = std::move(handlers_.on_done);
    handlers_ = {};
    if (on_done) on_done(std::move(result));
  }

  std::shared_ptr<HttpClient::Impl> client_;  // first: destroyed last
  ClientRequest request_;
  ParsedUrl url_;
  StreamHandlers handlers_;
  beast::basic_stream<Protocol> stream_;
  tcp::resolver resolver_;
  beast::flat_buffer buffer_;
  bhttp::request<bhttp::string_body> req_;
  std::optional<bhttp::response_parser<bhttp::buffer_body>> parser_;  // one per attempt
  std::array<char, 16384> chunk_{};
  bool done_ = false;
  bool cancelled_ = false;
  bool reused_ = false;  // on a pooled connection, no response byte read yet
  static constexpr bool kPooled = std::is_same_v<Protocol, tcp>;
};

class FailedExchange final : public Exchange {
 public:
  void cancel() override {}
};

class TimerExchange final : public Exchange, public std::enable_shared_from_this<TimerExchange> {
 public:
  TimerExchange(std::shared_ptr<HttpClient::Impl> client, std::function<void()> fn)
      : client_(std::move(client)), timer_(client_->ioc), fn_(std::move(fn)) {}
  void start(std::chrono::milliseconds delay) {
    timer_.expires_after(delay);
    timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
      if (ec || self->cancelled_) return;
      auto fn = std::move(self->fn_);
      self->fn_ = nullptr;
      if (fn) fn();
    });
  }
  void cancel() override {
    asio::post(client_->ioc, [self = shared_from_this()] {
      self->cancelled_ = true;
      self->fn_ = nullptr;
      self->timer_.cancel();
    });
  }

 private:
  std::shared_ptr<HttpClient::Impl> client_;  // first: destroyed last
  asio::steady_timer timer_;
  std::function<void()> fn_;  // io thread only
  bool cancelled_ = false;    // io thread only
};

}  // namespace

HttpClient::HttpClient(ClientOptions options) : impl_(std::make_shared<Impl>(options)) {
  // The thread shares ownership so that a client destroyed from one of its own callbacks
  // (a transport closed by its session) can let the thread finish instead of joining it.
  impl_->thread = std::jthread([impl = impl_] {
    try {
      impl->ioc.run();
    } catch (const std::exception& e) {
      log::error("http client: io thread stopped by exception: {}", e.what());
    }
  });
}

HttpClient::~HttpClient() {
  std::vector<std::shared_ptr<Exchange>> live;
  {
    std::lock_guard lock(impl_->mu);
    for (auto& w : impl_->exchanges) {
      if (auto e = w.lock()) live.push_back(std::move(e));
    }
    impl_->exchanges.clear();
  }
  for (auto& e : live) e->cancel();
  live.clear();
  impl_->guard.reset();
  if (impl_->thread.get_id() == std::this_thread::get_id()) {
    // Destroyed from one of its callbacks: a thread cannot join itself. Everything was
    // cancelled and the work guard released, so run() returns right after this callback.
    impl_->thread.detach();
  } else if (impl_->thread.joinable()) {
    impl_->thread.join();
  }
}

std::shared_ptr<Exchange> HttpClient::stream(ClientRequest request, StreamHandlers handlers) {
  auto url = parseUrl(request.url);
  if (!url) {
    auto on_done = std::move(handlers.on_done);
    asio::post(impl_->ioc, [on_done = std::move(on_done), err = url.error()] {
      if (on_done) on_done(fail(err));
    });
    return std::make_shared<FailedExchange>();
  }
  std::shared_ptr<Exchange> exchange;
  if (url->unix_socket || !request.unix_socket.empty()) {
    auto e = std::make_shared<ExchangeImpl<local>>(impl_, std::move(request), std::move(*url), std::move(handlers));
    e->start();
    exchange = e;
  } else {
    auto e = std::make_shared<ExchangeImpl<tcp>>(impl_, std::move(request), std::move(*url), std::move(handlers));
    e->start();
    exchange = e;
  }
  std::lock_guard lock(impl_->mu);
  std::erase_if(impl_->exchanges, [](const auto& w) { return w.expired(); });
  impl_->exchanges.push_back(exchange);
  return exchange;
}

std::shared_ptr<Exchange> HttpClient::schedule(std::chrono::milliseconds delay, std::function<void()> fn) {
  auto t = std::make_shared<TimerExchange>(impl_, std::move(fn));
  t->start(delay);
  std::lock_guard lock(impl_->mu);
  std::erase_if(impl_->exchanges, [](const auto& w) { return w.expired(); });
  impl_->exchanges.push_back(t);
  return t;
}

bool HttpClient::onIoThread() const { return impl_->thread.get_id() == std::this_thread::get_id(); }

Result<ClientResponse> HttpClient::send(ClientRequest request) {
  if (impl_->thread.get_id() == std::this_thread::get_id()) {
    return fail(ErrorCode::kInternalError, "HttpClient::send called from the client's own thread");
  }
  auto response = std::make_shared<ClientResponse>();
  auto promise = std::make_shared<std::promise<Result<void>>>();
  auto future = promise->get_future();
  std::size_t cap = impl_->options.max_body_bytes;
  StreamHandlers h;
  h.on_head = [response](int status, const Headers& headers) {
    response->status = status;
    response->headers = headers;
    return true;
  };
  h.on_data = [response, cap](std::string_view data) {
    if (response->body.size() + data.size() > cap) return false;
    response->body.append(data);
    return true;
  };
  h.on_done = [promise](Result<void> r) { promise->set_value(std::move(r)); };
  auto exchange = stream(std::move(request), std::move(h));
  Result<void> r = future.get();
  if (!r) return fail(std::move(r).error());
  if (response->status == 0) return fail(ErrorCode::kIo, "no response");
  return std::move(*response);
}

}  // namespace onemcp::http
