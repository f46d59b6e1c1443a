#include "engine_http.h"

#include <sys/socket.h>

#include <deque>
#include <mutex>
#include <utility>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/http/file_body.hpp>

#include "onemcp/sandbox/stream_frames.h"

namespace onemcp::sandbox::detail {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using Socket = asio::local::stream_protocol::socket;
using Endpoint = asio::local::stream_protocol::endpoint;
constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

http::verb verbOf(Method m) {
  switch (m) {
    case Method::kGet: return http::verb::get;
    case Method::kPost: return http::verb::post;
    case Method::kDelete: return http::verb::delete_;
    case Method::kHead: return http::verb::head;
  }
  return http::verb::get;
}

// Why a connection failed, in words a user can act on.
Error connectError(const std::string& path, const boost::system::error_code& ec) {
  return Error(ErrorCode::kUnavailable,
               "Docker engine not reachable at unix://" + path + " (" + ec.message() +
                   "); start it (scripts/ensure-docker) or set DOCKER_HOST");
}

Error ioError(const std::string& path, std::string_view stage,
              const boost::system::error_code& ec) {
  return Error(ErrorCode::kDocker, "Docker engine at unix://" + path + ": " +
                                       std::string(stage) + " failed: " + ec.message());
}

// Runs `ctx` for at most `timeout`; on expiry closes the socket, drains, and says so.
bool runBounded(asio::io_context& ctx, Socket& sock, std::chrono::milliseconds timeout,
                const bool& done) {
  ctx.run_for(timeout);
  if (done) return true;
  boost::system::error_code ignored;
  sock.close(ignored);
  ctx.restart();
  ctx.run();
  return false;
}

template <typename Body>
Result<HttpReply> roundTrip(const std::string& path, http::request<Body>& req,
                            std::size_t max_body, std::chrono::milliseconds timeout) {
  asio::io_context ctx;
  Socket sock(ctx);
  HttpReply reply;
  std::optional<Error> error;
  bool done = false;
  asio::co_spawn(
      ctx,
      [&]() -> asio::awaitable<void> {
        auto [cec] = co_await sock.async_connect(Endpoint(path), kTuple);
        if (cec) {
          error = connectError(path, cec);
          done = true;
          co_return;
        }
        auto [wec, wn] = co_await http::async_write(sock, req, kTuple);
        if (wec) {
          error = ioError(path, "sending " + std::string(req.target()), wec);
          done = true;
          co_return;
        }
        beast::flat_buffer buf;
        http::response_parser<http::string_body> parser;
        parser.body_limit(max_body);
        if (req.method() == http::verb::head) parser.skip(true);
        auto [rec, rn] = co_await http::async_read(sock, buf, parser, kTuple);
        if (rec) {
          error = ioError(path, "reading the reply to " + std::string(req.target()), rec);
        } else {
          reply.status = parser.get().result_int();
          reply.body = std::move(parser.get().body());
        }
        done = true;
      },
      asio::detached);
  if (!runBounded(ctx, sock, timeout, done)) {
    return fail(ErrorCode::kTimeout,
                "Docker engine at unix://" + path + " did not answer " +
                    std::string(req.target()) + " within " +
                    std::to_string(timeout.count()) + " ms");
  }
  if (error) return fail(*error);
  return reply;
}

template <typename Body>
void prepare(http::request<Body>& req, const HttpRequest& r) {
  req.method(verbOf(r.method));
  req.target(r.target);
  req.version(11);
  req.set(http::field::host, "docker");
  req.set(http::field::user_agent, "onemcp");
  if (r.method == Method::kPost) req.set(http::field::content_type, r.content_type);
}

// The hijacked attach connection; see AttachStream for the threading contract.
class SocketAttachStream final : public AttachStream {
 public:
  SocketAttachStream(std::unique_ptr<asio::io_context> ctx, std::unique_ptr<Socket> sock,
                     std::string leftover)
      : ctx_(std::move(ctx)), sock_(std::move(sock)), leftover_(std::move(leftover)) {}
  ~SocketAttachStream() override {
    boost::system::error_code ignored;
    sock_->close(ignored);
  }

  Result<StreamChunk> read() override {
    while (queue_.empty()) {
      std::string bytes;
      if (!leftover_.empty()) {
        bytes = std::exchange(leftover_, {});
      } else {
        std::array<char, 16384> buf{};
        boost::system::error_code ec;
        const std::size_t n = sock_->read_some(asio::buffer(buf), ec);
        if (ec || n == 0) {
          return fail(ErrorCode::kClosed, ec && ec != asio::error::eof
                                              ? "attach stream ended: " + ec.message()
                                              : "attach stream ended");
        }
        bytes.assign(buf.data(), n);
      }
      ONEMCP_TRY(demux_.feed(bytes, [this](StreamKind kind, std::string_view data) {
        queue_.push_back(StreamChunk{kind, std::string(data)});
      }));
    }
    StreamChunk chunk = std::move(queue_.front());
    queue_.pop_front();
    return chunk;
  }

  Result<void> write(std::string_view data) override {
    std::lock_guard lock(write_mu_);
    boost::system::error_code ec;
    asio::write(*sock_, asio::buffer(data.data(), data.size()), ec);
    if (ec) return fail(ErrorCode::kClosed, "writing to the container's stdin: " + ec.message());
    return {};
  }

  Result<void> closeWrite() override {
    std::lock_guard lock(write_mu_);
    ::shutdown(sock_->native_handle(), SHUT_WR);
    return {};
  }

  // shutdown(2) rather than close: safe while another thread is blocked in read().
  void close() override { ::shutdown(sock_->native_handle(), SHUT_RDWR); }

 private:
  std::unique_ptr<asio::io_context> ctx_;
  std::unique_ptr<Socket> sock_;
  std::string leftover_;          // read() only
  FrameDemuxer demux_;            // read() only
  std::deque<StreamChunk> queue_;  // read() only
  std::mutex write_mu_;           // serializes write() and closeWrite()
};

}  // namespace

EngineHttp::EngineHttp(std::string socket_path, std::size_t max_body)
    : socket_path_(std::move(socket_path)), max_body_(max_body) {}

Result<HttpReply> EngineHttp::request(const HttpRequest& r, std::chrono::milliseconds timeout) {
  if (!r.body_file.empty()) {
    http::request<http::file_body> req;
    prepare(req, r);
    beast::error_code ec;
    req.body().open(r.body_file.c_str(), beast::file_mode::scan, ec);
    if (ec) {
      return fail(ErrorCode::kIo, "opening " + r.body_file.string() + ": " + ec.message());
    }
    req.prepare_payload();
    return roundTrip(socket_path_, req, max_body_, timeout);
  }
  http::request<http::string_body> req;
  prepare(req, r);
  req.body() = r.body;
  req.prepare_payload();
  return roundTrip(socket_path_, req, max_body_, timeout);
}

Result<std::unique_ptr<AttachStream>> EngineHttp::hijack(const std::string& target,
                                                         std::chrono::milliseconds timeout) {
  auto ctx = std::make_unique<asio::io_context>();
  auto sock = std::make_unique<Socket>(*ctx);
  http::request<http::empty_body> req{http::verb::post, target, 11};
  req.set(http::field::host, "docker");
  req.set(http::field::connection, "Upgrade");
  req.set(http::field::upgrade, "tcp");
  std::optional<Error> error;
  std::string leftover;
  bool done = false;
  asio::co_spawn(
      *ctx,
      [&]() -> asio::awaitable<void> {
        auto [cec] = co_await sock->async_connect(Endpoint(socket_path_), kTuple);
        if (cec) {
          error = connectError(socket_path_, cec);
        } else if (auto [wec, wn] = co_await http::async_write(*sock, req, kTuple); wec) {
          error = ioError(socket_path_, "sending attach", wec);
        } else {
          beast::flat_buffer buf;
          http::response_parser<http::empty_body> parser;
          auto [rec, rn] = co_await http::async_read_header(*sock, buf, parser, kTuple);
          const unsigned status = parser.get().result_int();
          if (rec) {
            error = ioError(socket_path_, "reading the attach reply", rec);
          } else if (status != 101 && status != 200) {
            error = Error(status == 404 ? ErrorCode::kNotFound : ErrorCode::kDocker,
                          "attach " + target + " answered HTTP " + std::to_string(status));
          } else {
            leftover.assign(static_cast<const char*>(buf.data().data()), buf.size());
          }
        }
        done = true;
      },
      asio::detached);
  if (!runBounded(*ctx, *sock, timeout, done)) {
    return fail(ErrorCode::kTimeout, "Docker engine at unix://" + socket_path_ +
                                         " did not accept attach within " +
                                         std::to_string(timeout.count()) + " ms");
  }
  if (error) return fail(*error);
  ctx->restart();
  return std::unique_ptr<AttachStream>(
      std::make_unique<SocketAttachStream>(std::move(ctx), std::move(sock), std::move(leftover)));
}

}  // namespace onemcp::sandbox::detail
