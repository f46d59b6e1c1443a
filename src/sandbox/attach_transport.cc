#include "onemcp/sandbox/attach_transport.h"

#include <nlohmann/json.hpp>

#include "onemcp/common/log.h"
#include "onemcp/sandbox/stream_frames.h"

namespace onemcp::sandbox {

AttachTransport::AttachTransport(std::unique_ptr<AttachStream> stream,
                                 AttachTransportOptions options)
    : stream_(std::move(stream)), options_(std::move(options)) {
  if (!options_.stats) options_.stats = std::make_shared<AttachStats>();
}

AttachTransport::~AttachTransport() {
  close();
  if (reader_.joinable() && reader_.get_id() != std::this_thread::get_id()) reader_.join();
  if (reader_.joinable()) reader_.detach();  // only if destroyed from its own callback
}

Result<void> AttachTransport::start(mcp::TransportHandlers handlers) {
  if (reader_.joinable()) return fail(ErrorCode::kInvalidRequest, "transport already started");
  handlers_ = std::move(handlers);
  reader_ = std::jthread([this] { readLoop(); });
  return {};
}

Result<void> AttachTransport::send(std::string message, const mcp::SendOptions&) {
  if (closed_) {
    return fail(ErrorCode::kClosed, "server '" + options_.server + "': transport closed");
  }
  message.push_back('\n');
  auto r = stream_->write(message);
  if (!r) return fail(r.error().wrap("server '" + options_.server + "'"));
  return {};
}

Result<void> AttachTransport::closeInput() { return stream_->closeWrite(); }

void AttachTransport::close() {
  if (closed_.exchange(true)) return;
  stream_->close();
}

void AttachTransport::finish(const Error& reason) {
  if (finished_.exchange(true)) return;
  if (handlers_.on_close) handlers_.on_close(reason);
}

void AttachTransport::readLoop() {
  LineSplitter out(options_.max_message_bytes);
  LineSplitter err(options_.max_stderr_line);
  const std::string& server = options_.server;
  auto on_stdout = [&](std::string line, bool overflow) {
    if (line.empty()) return;
    if (overflow || !nlohmann::json::accept(line)) {
      AttachStats& stats = *options_.stats;
      if (stats.garbage_lines.fetch_add(1) == 0) {
        std::lock_guard lock(stats.mu);
        stats.first_garbage = line.substr(0, 200);
      }
      log::warn("server '{}': dropped a non-JSON line on stdout: {}", server, line.substr(0, 200));
      return;
    }
    if (handlers_.on_message) handlers_.on_message(std::move(line));
  };
  auto on_stderr = [&](std::string line, bool) {
    log::info("[{}] {}", server, line);
  };
  for (;;) {
    auto chunk = stream_->read();
    if (!chunk) {
      if (auto rest = err.takeRest(); !rest.empty()) on_stderr(std::move(rest), false);
      const std::string why = closed_ ? "transport closed"
                                      : "the container's stdout ended (server exited?)";
      finish(Error(ErrorCode::kClosed, "server '" + server + "': " + why));
      return;
    }
    if (chunk->kind == StreamKind::kStderr) {
      err.feed(chunk->data, on_stderr);
    } else {
      out.feed(chunk->data, on_stdout);
    }
  }
}

}  // namespace onemcp::sandbox
