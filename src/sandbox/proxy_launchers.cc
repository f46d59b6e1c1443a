#include "onemcp/sandbox/proxy_launchers.h"

#include <unistd.h>

#include <cerrno>

#include "onemcp/common/log.h"
#include "onemcp/mcp/legacy_sse_client.h"
#include "onemcp/mcp/stdio_transport.h"
#include "onemcp/mcp/streamable_http_client.h"

namespace onemcp::sandbox {
namespace {

constexpr std::size_t kStderrTail = 4096;

std::string joined(const std::vector<std::string>& argv) {
  std::string out;
  for (const auto& a : argv) {
    if (!out.empty()) out += ' ';
    out += a;
  }
  return out;
}

}  // namespace

struct ProcessLauncher::StderrTail {
  std::mutex mu;
  std::string text;  // guarded by mu; the last kStderrTail bytes
};

Result<BackendLauncher::Connection> ProcessLauncher::launch() {
  stop();
  ProcessSpec spec = spec_;
  spec.pipe_stderr = true;
  auto child = Process::spawn(spec);
  if (!child) return fail(child.error().wrap("starting '" + joined(spec_.argv) + "'"));
  auto tail = std::make_shared<StderrTail>();
  Fd err = (*child)->takeStderr();
  std::string name = spec_.argv.empty() ? "server" : spec_.argv.front();
  std::jthread reader([tail, fd = std::move(err), name] {
    char buf[4096];
    for (;;) {
      ssize_t n = ::read(fd.get(), buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return;
      std::lock_guard lock(tail->mu);
      tail->text.append(buf, static_cast<std::size_t>(n));
      if (tail->text.size() > kStderrTail) tail->text.erase(0, tail->text.size() - kStderrTail);
    }
  });
  auto transport = mcp::StdioTransport::forChild(**child);
  std::lock_guard lock(mu_);
  child_ = std::move(*child);
  transport_ = transport;
  tail_ = tail;
  stderr_reader_ = std::move(reader);
  return Connection{transport, {}};
}

void ProcessLauncher::stop() {
  std::unique_ptr<Process> child;
  std::shared_ptr<mcp::Transport> transport;
  std::jthread reader;
  {
    std::lock_guard lock(mu_);
    child = std::move(child_);
    transport = std::move(transport_);
    reader = std::move(stderr_reader_);
  }
  if (transport) transport->close();
  if (child) child->terminate(std::chrono::milliseconds(1000));
  // The child is gone, so its stderr pipe is at EOF and the reader returns... unless a
  // grandchild still holds it; the process group was signalled with the child.
}

std::string ProcessLauncher::diagnose() {
  std::string out;
  std::shared_ptr<StderrTail> tail;
  {
    std::lock_guard lock(mu_);
    if (child_) {
      auto status = child_->wait(std::chrono::milliseconds(500));
      out = status ? status->toString() : "still running";
    }
    tail = tail_;
  }
  if (tail) {
    std::lock_guard lock(tail->mu);
    if (!tail->text.empty()) {
      auto start = tail->text.find_last_not_of("\n");
      std::string text = tail->text.substr(0, start == std::string::npos ? 0 : start + 1);
      if (text.size() > 600) text = "..." + text.substr(text.size() - 600);
      out += (out.empty() ? "" : "; ") + std::string("stderr: ") + text;
    }
  }
  return out;
}

std::string ProcessLauncher::describe() const { return "stdio: " + joined(spec_.argv); }

Result<BackendLauncher::Connection> HttpLauncher::launch() {
  stop();
  Connection conn;
  if (legacy_sse_) {
    mcp::LegacySseClientOptions o;
    o.url = url_;
    o.headers = headers_;
    auto t = mcp::LegacySseClientTransport::create(std::move(o));
    if (!t) return fail(t.error().wrap("connecting to " + url_));
    conn.transport = std::shared_ptr<mcp::Transport>(std::move(*t));
  } else {
    mcp::StreamableHttpClientOptions o;
    o.url = url_;
    o.headers = headers_;
    auto t = mcp::StreamableHttpClientTransport::create(std::move(o));
    if (!t) return fail(t.error().wrap("connecting to " + url_));
    std::shared_ptr<mcp::StreamableHttpClientTransport> http = std::move(*t);
    conn.on_initialized = [weak = std::weak_ptr(http)](const std::string& version) {
      if (auto h = weak.lock()) h->setProtocolVersion(version);
    };
    conn.transport = http;
  }
  std::lock_guard lock(mu_);
  transport_ = conn.transport;
  return conn;
}

void HttpLauncher::stop() {
  std::shared_ptr<mcp::Transport> transport;
  {
    std::lock_guard lock(mu_);
    transport = std::move(transport_);
  }
  if (transport) transport->close();
}

std::string HttpLauncher::describe() const { return (legacy_sse_ ? "sse: " : "http: ") + url_; }

Result<BackendLauncher::Connection> SandboxLauncher::launch() {
  stop();
  auto hosted = host_.start(spec_, options_);
  if (!hosted) return fail(hosted.error());
  std::lock_guard lock(mu_);
  hosted_ = std::move(*hosted);
  if (spec_.transport.kind == TransportKind::kStdio) {
    std::shared_ptr<mcp::Transport> transport = hosted_->takeTransport();
    if (!transport) return fail(ErrorCode::kInternalError, "the container gave no stdio stream");
    return Connection{transport, {}};
  }
  http_owner_ = std::make_unique<HttpLauncher>(
      hosted_->url(), std::vector<std::pair<std::string, std::string>>{},
      spec_.transport.kind == TransportKind::kSse);
  http_ = http_owner_.get();
  return http_->launch();
}

void SandboxLauncher::stop() {
  std::unique_ptr<HostedServer> hosted;
  std::unique_ptr<HttpLauncher> http;
  {
    std::lock_guard lock(mu_);
    hosted = std::move(hosted_);
    http = std::move(http_owner_);
    http_ = nullptr;
    if (hosted) last_diagnosis_ = hosted->diagnose();
  }
  if (http) http->stop();
  if (hosted) (void)hosted->remove();
}

std::string SandboxLauncher::diagnose() {
  std::lock_guard lock(mu_);
  return hosted_ ? hosted_->diagnose() : last_diagnosis_;
}

std::string SandboxLauncher::containerId() {
  std::lock_guard lock(mu_);
  return hosted_ ? hosted_->containerId() : std::string();
}

std::string SandboxLauncher::describe() const {
  return "sandbox: " + spec_.name + " (" + std::string(toString(spec_.transport.kind)) + ")";
}

}  // namespace onemcp::sandbox
