// The proxy's own CPU per relayed tools/call, without processes, pipes or wake-ups: an
// McpProxy between two transports that this benchmark drives by hand on one thread. Each
// iteration delivers a client's tools/call, reads the request the proxy sent the backend,
// delivers the backend's answer and reads the reply the proxy sent the client. What is
// left is the proxy's code: parsing, routing, id remapping, deadlines, serialising. It
// does not depend on the machine's load the way the end-to-end figures of
// proxy_bench.cc do, so it is the figure to compare changes to the hot path by.
#include <benchmark/benchmark.h>

#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <string>

#include "onemcp/common/clock.h"
#include "onemcp/mcp/jsonrpc.h"
#include "onemcp/sandbox/proxy.h"

namespace {

using namespace onemcp;
using namespace onemcp::sandbox;
using mcp::Json;

// Delivers what the benchmark passes to deliver() on the calling thread; keeps what the
// proxy sends. An optional responder answers (synchronously) what it recognises.
class HandTransport final : public mcp::Transport {
 public:
  // Returns the answer to deliver, "" to drop the message, nullopt to keep it.
  using Responder = std::function<std::optional<std::string>(const std::string& sent)>;

  explicit HandTransport(Responder responder = {}) : responder_(std::move(responder)) {}

  Result<void> start(mcp::TransportHandlers handlers) override {
    handlers_ = std::move(handlers);
    return {};
  }
  Result<void> send(std::string message, const mcp::SendOptions& /*options*/) override {
    if (responder_) {
      if (auto answer = responder_(message)) {
        if (!answer->empty()) deliver(std::move(*answer));
        return {};
      }
    }
    {
      std::lock_guard lock(mu_);
      sent_.push_back(std::move(message));
    }
    cv_.notify_all();
    return {};
  }
  void close() override {
    if (!closed_.exchange(true) && handlers_.on_close) {
      handlers_.on_close(Error(ErrorCode::kClosed, "closed"));
    }
  }
  void deliver(std::string message) { handlers_.on_message(std::move(message)); }
  // The oldest message the proxy sent and nobody took yet (waits: some replies come from
  // a worker thread).
  std::string take() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [this] { return !sent_.empty(); });
    std::string out = std::move(sent_.front());
    sent_.pop_front();
    return out;
  }

 private:
  const Responder responder_;
  mcp::TransportHandlers handlers_;
  std::atomic<bool> closed_{false};
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::string> sent_;  // guarded by mu_
};

// The backend: answers the start-up requests itself and leaves tools/call to the bench.
std::optional<std::string> answerStartup(const std::string& sent) {
  // Not parsed: the benchmark measures the proxy's parsing, not its own.
  if (sent.find("\"tools/call\"") != std::string::npos) return std::nullopt;
  auto parsed = mcp::parse(sent);
  if (!parsed || parsed->messages.empty()) return std::nullopt;
  const auto* req = std::get_if<mcp::Request>(&parsed->messages[0]);
  if (req == nullptr) return std::string();  // notifications/initialized
  if (req->method == "initialize") {
    return mcp::serialize(mcp::makeResponse(
        req->id, Json{{"protocolVersion", req->params->value("protocolVersion", "")},
                      {"capabilities", {{"tools", Json::object()}}},
                      {"serverInfo", {{"name", "echo"}, {"version", "1"}}}}));
  }
  if (req->method == "tools/list") {
    Json tool = {
        {"name", "echo"},
        {"description", "Echoes back the input"},
        {"inputSchema", {{"type", "object"}, {"properties", {{"message", {{"type", "string"}}}}}}}};
    return mcp::serialize(mcp::makeResponse(req->id, Json{{"tools", Json::array({tool})}}));
  }
  return std::nullopt;
}

class HandLauncher final : public BackendLauncher {
 public:
  explicit HandLauncher(std::shared_ptr<HandTransport> transport)
      : transport_(std::move(transport)) {}
  Result<Connection> launch() override { return Connection{transport_, {}}; }
  void stop() override {}
  [[nodiscard]] std::string describe() const override { return "by hand"; }

 private:
  std::shared_ptr<HandTransport> transport_;
};

// The id the proxy gave its request to the backend: serialize() writes it first.
std::string idOf(const std::string& request) {
  const auto start = request.find(':') + 1;
  return request.substr(start, request.find(',', start) - start);
}

void BM_ProxyRelayToolsCall(benchmark::State& state) {
  SystemClock clock;
  ProxyOptions options;
  options.worker_threads = 2;
  McpProxy proxy(options, clock);
  auto backend = std::make_shared<HandTransport>(answerStartup);
  BackendOptions bo;
  bo.name = "everything";
  if (auto a = proxy.attach(bo, std::make_unique<HandLauncher>(backend)); !a) {
    state.SkipWithError(a.error().toString().c_str());
    return;
  }
  auto client = std::make_shared<HandTransport>();
  if (auto s = proxy.serve(client); !s) {
    state.SkipWithError(s.error().toString().c_str());
    return;
  }
  client->deliver(
      R"({"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"bench","version":"1"}}})");
  (void)client->take();
  client->deliver(R"({"jsonrpc":"2.0","method":"notifications/initialized"})");
  std::int64_t i = 0;
  for (auto _ : state) {
    ++i;
    const std::string n = std::to_string(i);
    client->deliver(
        R"({"jsonrpc":"2.0","id":)" + n +
        R"(,"method":"tools/call","params":{"name":"everything__echo","arguments":{"message":"ping-)" +
        n + R"("}}})");
    const std::string forwarded = backend->take();
    backend->deliver(R"({"result":{"content":[{"type":"text","text":"Echo: ping-)" + n +
                     R"("}]},"jsonrpc":"2.0","id":)" + idOf(forwarded) + "}");
    const std::string reply = client->take();
    if (reply.find("Echo: ping-" + n) == std::string::npos) {
      state.SkipWithError(("unexpected reply: " + reply).c_str());
      return;
    }
  }
  state.counters["calls"] = static_cast<double>(i);
}
BENCHMARK(BM_ProxyRelayToolsCall)->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
