#include "onemcp/mcp/stdio_transport.h"

#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "onemcp/common/log.h"
#include "onemcp/mcp/jsonrpc.h"

namespace onemcp::mcp {

// Everything the reader thread touches, kept alive by the thread itself so that the
// transport object may go away first (for example when destroyed from a callback).
struct StdioTransport::Reader {
  Fd read_fd;
  Pipe wake;  // written by close() to interrupt poll()
  StdioOptions options;
  TransportHandlers handlers;
  std::atomic<bool> closing{false};
  std::atomic<bool> close_reported{false};
  std::mutex write_mu;
  Fd write_fd;  // guarded by write_mu

  Result<void> write(std::string message) {
    message.push_back('\n');
    std::lock_guard lock(write_mu);
    if (!write_fd.valid() || closing) {
      return fail(ErrorCode::kClosed, options.name + " transport is closed");
    }
    return writeAll(write_fd.get(), message);
  }

  void reportClose(const Error& reason) {
    if (close_reported.exchange(true)) return;
    if (handlers.on_close) handlers.on_close(reason);
  }
};

namespace {

bool blankLine(std::string_view line) {
  return line.find_first_not_of(" \t\r") == std::string_view::npos;
}

}  // namespace

StdioTransport::StdioTransport(Fd read_fd, Fd write_fd, StdioOptions options)
    : reader_(std::make_shared<Reader>()) {
  reader_->read_fd = std::move(read_fd);
  reader_->write_fd = std::move(write_fd);
  reader_->options = std::move(options);
  if (auto wake = makePipe()) reader_->wake = std::move(*wake);
}

Result<std::shared_ptr<StdioTransport>> StdioTransport::forThisProcess(StdioOptions options) {
  Fd in(::dup(STDIN_FILENO));
  Fd out(::dup(STDOUT_FILENO));
  if (!in.valid() || !out.valid()) {
    return fail(ErrorCode::kIo, std::string("cannot duplicate stdin/stdout: ") + std::strerror(errno));
  }
  return std::make_shared<StdioTransport>(std::move(in), std::move(out), std::move(options));
}

std::shared_ptr<StdioTransport> StdioTransport::forChild(Process& child, StdioOptions options) {
  return std::make_shared<StdioTransport>(child.takeStdout(), child.takeStdin(),
                                          std::move(options));
}

StdioTransport::~StdioTransport() {
  close();
  // Destroyed from its own callback: the reader thread holds its own state (Reader) and
  // ends right after this call returns; joining here would deadlock.
  if (thread_.joinable()) thread_.detach();
}

Result<void> StdioTransport::start(TransportHandlers handlers) {
  if (!reader_->read_fd.valid()) return fail(ErrorCode::kClosed, "stdio transport has no input");
  reader_->handlers = std::move(handlers);
  std::lock_guard lock(join_mu_);
  thread_ = std::jthread([reader = reader_] { readLoop(reader); });
  return {};
}

Result<void> StdioTransport::send(std::string message, const SendOptions& /*options*/) {
  return reader_->write(std::move(message));
}

void StdioTransport::close() {
  reader_->closing = true;
  if (reader_->wake.write.valid()) (void)::write(reader_->wake.write.get(), "x", 1);
  {
    std::lock_guard lock(reader_->write_mu);
    reader_->write_fd.reset();
  }
  std::lock_guard lock(join_mu_);
  if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id()) {
    thread_.join();
  } else if (!thread_.joinable()) {
    reader_->reportClose(Error(ErrorCode::kClosed, "closed locally"));
  }
}

void StdioTransport::readLoop(const std::shared_ptr<Reader>& r) {
  std::string buffer;
  bool discarding = false;  // inside an oversized line, dropping until its newline
  char chunk[65536];
  Error reason(ErrorCode::kClosed, r->options.name + ": closed locally");
  const std::size_t cap = r->options.max_line_bytes;
  while (!r->closing) {
    pollfd fds[2] = {{r->read_fd.get(), POLLIN, 0}, {r->wake.read.get(), POLLIN, 0}};
    int n = ::poll(fds, r->wake.read.valid() ? 2 : 1, -1);
    if (n < 0 && errno == EINTR) continue;
    if (r->closing || (fds[1].revents & POLLIN) != 0) break;
    ssize_t got = ::read(r->read_fd.get(), chunk, sizeof chunk);
    if (got < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (got <= 0) {
      reason = buffer.empty() && !discarding
                   ? Error(ErrorCode::kClosed, r->options.name + ": peer closed the stream")
                   : Error(ErrorCode::kClosed, r->options.name + ": peer closed mid-message");
      break;
    }
    std::string_view data(chunk, static_cast<std::size_t>(got));
    while (!data.empty() && !r->closing) {
      auto nl = data.find('\n');
      std::string_view part = data.substr(0, nl);
      if (!discarding) buffer.append(part);
      if (!discarding && buffer.size() > cap) {
        discarding = true;
        buffer.clear();
        buffer.shrink_to_fit();
        log::warn("{}: dropping a message over {} bytes", r->options.name, cap);
        (void)r->write(serialize(makeErrorResponse(
            std::nullopt,
            Error(ErrorCode::kInvalidRequest, "message exceeds " + std::to_string(cap) + " bytes"))));
      }
      if (nl == std::string_view::npos) break;
      data.remove_prefix(nl + 1);
      if (discarding) {
        discarding = false;
      } else if (!blankLine(buffer)) {
        if (!buffer.empty() && buffer.back() == '\r') buffer.pop_back();
        if (r->handlers.on_message) r->handlers.on_message(std::move(buffer));
      }
      buffer.clear();
    }
  }
  r->reportClose(reason);
}

}  // namespace onemcp::mcp
