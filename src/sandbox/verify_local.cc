// A SpecRunner that runs a spec as a plain child process of this one (no container):
// for the fixture corpus and tests of the verifier. Only specs that need no install.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <thread>

#include "onemcp/common/process.h"
#include "onemcp/mcp/stdio_transport.h"
#include "onemcp/mcp/streamable_http_client.h"
#include "onemcp/sandbox/verify.h"

namespace onemcp::sandbox {
namespace {

using std::chrono::milliseconds;

// Container paths of the spec's grants, mapped back to the host folders.
std::string toHost(const RunSpec& spec, const std::string& path) {
  for (const auto& g : spec.grants) {
    if (path == g.container_path) return g.host_path;
    if (path.starts_with(g.container_path + "/")) return g.host_path + path.substr(g.container_path.size());
  }
  return path;
}

std::string mapValue(const RunSpec& spec, const std::string& value) {
  for (const auto& g : spec.grants) {
    auto pos = value.find(g.container_path);
    if (pos != std::string::npos) return value.substr(0, pos) + toHost(spec, value.substr(pos));
  }
  return value;
}

Result<std::uint16_t> freePort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return fail(ErrorCode::kIo, "socket() failed");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    ::close(fd);
    return fail(ErrorCode::kIo, "no free port");
  }
  ::close(fd);
  return ntohs(addr.sin_port);
}

bool accepts(std::uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

class LocalServer final : public RunningServer {
 public:
  LocalServer(std::unique_ptr<Process> proc, std::shared_ptr<mcp::Transport> transport)
      : proc_(std::move(proc)), transport_(std::move(transport)) {
    if (proc_->stderrFd() >= 0) {
      drain_ = std::jthread([this, fd = proc_->takeStderr()](std::stop_token stop) {
        char buf[4096];
        while (!stop.stop_requested()) {
          pollfd p{fd.get(), POLLIN, 0};
          if (::poll(&p, 1, 100) <= 0) continue;
          ssize_t n = ::read(fd.get(), buf, sizeof buf);
          if (n <= 0) break;
          std::lock_guard lock(mu_);
          stderr_.append(buf, static_cast<std::size_t>(n));
          if (stderr_.size() > 4000) stderr_.erase(0, stderr_.size() - 2000);
        }
      });
    }
  }
  ~LocalServer() override {
    if (transport_) transport_->close();
    proc_->terminate(milliseconds(1000));
  }
  std::shared_ptr<mcp::Transport> transport() override { return transport_; }
  std::string diagnose() override {
    auto status = proc_->tryWait();
    if (!status) {
      // A crash races with the transport closing: give the exit a moment to land.
      auto waited = proc_->wait(milliseconds(500));
      if (!waited) return {};
      status = *waited;
    }
    std::lock_guard lock(mu_);
    std::string tail = stderr_.size() > 400 ? stderr_.substr(stderr_.size() - 400) : stderr_;
    while (!tail.empty() && (tail.back() == '\n' || tail.back() == '\r')) tail.pop_back();
    return status->toString() + (tail.empty() ? "" : ": " + tail);
  }

 private:
  std::unique_ptr<Process> proc_;
  std::shared_ptr<mcp::Transport> transport_;
  std::mutex mu_;
  std::string stderr_;  // guarded by mu_
  std::jthread drain_;  // last: stops before the members it uses go
};

class LocalRunner final : public SpecRunner {
 public:
  std::unique_ptr<RunningServer> start(const StartRequest& req, std::optional<StartFailure>& failure) override {
    const RunSpec& spec = req.spec;
    auto fail_with = [&failure](StartStage stage, ErrorCode code, std::string message) {
      failure = StartFailure{stage, Error(code, std::move(message))};
      return nullptr;
    };
    if (spec.install.kind != InstallKind::kNone || spec.runtime == Runtime::kImage || spec.command.empty()) {
      return fail_with(StartStage::kInstall, ErrorCode::kInvalidInput,
                       "the local runner runs only specs without an install step or image");
    }
    ProcessSpec ps;
    ps.argv = spec.command;
    ps.cwd = toHost(spec, spec.working_dir);
    for (const auto& e : spec.env) {
      if (e.value) ps.env[e.name] = mapValue(spec, *e.value);
    }
    for (const auto& [k, v] : req.env_values) ps.env[k] = v;
    std::uint16_t port = 0;
    if (spec.transport.kind != TransportKind::kStdio) {
      auto p = freePort();
      if (!p) return fail_with(StartStage::kStart, p.error().code, p.error().message);
      port = *p;
      ps.env["PORT"] = std::to_string(port);
    }
    auto proc = Process::spawn(ps);
    if (!proc) return fail_with(StartStage::kStart, proc.error().code, proc.error().message);
    if (spec.transport.kind == TransportKind::kStdio) {
      auto transport = mcp::StdioTransport::forChild(**proc, mcp::StdioOptions{4u << 20, spec.name});
      return std::make_unique<LocalServer>(std::move(*proc), std::move(transport));
    }
    auto deadline = std::chrono::steady_clock::now() + req.budget;
    while (!accepts(port)) {
      if ((*proc)->tryWait()) return fail_with(StartStage::kStart, ErrorCode::kClosed, "exited before listening");
      if (std::chrono::steady_clock::now() >= deadline) {
        return fail_with(StartStage::kStart, ErrorCode::kTimeout, "never listened on its port");
      }
      std::this_thread::sleep_for(milliseconds(50));
    }
    mcp::StreamableHttpClientOptions options;
    options.url = "http://127.0.0.1:" + std::to_string(port) + spec.transport.path;
    options.open_get_stream = false;
    auto transport = mcp::StreamableHttpClientTransport::create(options);
    if (!transport) return fail_with(StartStage::kStart, transport.error().code, transport.error().message);
    return std::make_unique<LocalServer>(std::move(*proc), std::shared_ptr<mcp::Transport>(std::move(*transport)));
  }
};

}  // namespace

std::unique_ptr<SpecRunner> makeLocalRunner() { return std::make_unique<LocalRunner>(); }

}  // namespace onemcp::sandbox
