// A SpecRunner over the server host: the spec runs in a hardened container, installed by
// the networked install step; stdio through the attach stream, HTTP through its URL.
#include "onemcp/mcp/streamable_http_client.h"
#include "onemcp/sandbox/server_host.h"
#include "onemcp/sandbox/verify_sandbox.h"

namespace onemcp::sandbox {
namespace {

using std::chrono::milliseconds;

class SandboxServer final : public RunningServer {
 public:
  SandboxServer(std::unique_ptr<HostedServer> hosted, std::shared_ptr<mcp::Transport> transport)
      : hosted_(std::move(hosted)), transport_(std::move(transport)) {}
  ~SandboxServer() override {
    if (transport_) transport_->close();
    (void)hosted_->remove();
  }
  std::shared_ptr<mcp::Transport> transport() override { return transport_; }
  std::string diagnose() override {
    auto info = hosted_->inspect();
    if (info && info->state.running) return {};
    return hosted_->diagnose();
  }

 private:
  std::unique_ptr<HostedServer> hosted_;
  std::shared_ptr<mcp::Transport> transport_;
};

class SandboxRunner final : public SpecRunner {
 public:
  SandboxRunner(ServerHost& host, ImageBuilder& images, ProgressFn progress)
      : host_(host), images_(images), progress_(std::move(progress)) {}

  std::unique_ptr<RunningServer> start(const StartRequest& req, std::optional<StartFailure>& failure) override {
    StartOptions options;
    options.env_values = req.env_values;
    options.install_timeout = req.budget;
    options.ready_timeout = std::min<milliseconds>(req.budget, std::chrono::seconds(30));
    options.progress = progress_;
    auto image = images_.imageFor(req.spec, progress_);
    if (!image) {
      failure = StartFailure{StartStage::kInstall, image.error().wrap("runtime image")};
      return nullptr;
    }
    if (auto installed = host_.ensureInstalled(req.spec, *image, options); !installed) {
      failure = StartFailure{StartStage::kInstall, installed.error()};
      return nullptr;
    }
    auto hosted = host_.start(req.spec, options);
    if (!hosted) {
      failure = StartFailure{StartStage::kStart, hosted.error()};
      return nullptr;
    }
    std::shared_ptr<mcp::Transport> transport;
    if (req.spec.transport.kind == TransportKind::kStdio) {
      transport = (*hosted)->takeTransport();
    } else {
      mcp::StreamableHttpClientOptions http;
      http.url = (*hosted)->url();
      http.open_get_stream = false;
      auto t = mcp::StreamableHttpClientTransport::create(http);
      if (!t) {
        failure = StartFailure{StartStage::kStart, t.error()};
        return nullptr;
      }
      transport = std::move(*t);
    }
    return std::make_unique<SandboxServer>(std::move(*hosted), std::move(transport));
  }

 private:
  ServerHost& host_;
  ImageBuilder& images_;
  ProgressFn progress_;
};

}  // namespace

std::unique_ptr<SpecRunner> makeSandboxRunner(ServerHost& host, ImageBuilder& images, ProgressFn progress) {
  return std::make_unique<SandboxRunner>(host, images, std::move(progress));
}

}  // namespace onemcp::sandbox
