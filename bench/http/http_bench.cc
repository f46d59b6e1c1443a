// HTTP layer figures: SSE parse throughput (bytes/s, events/s) and loopback round trips
// (plain POST through HttpClient/HttpServer; an MCP request through the streamable HTTP
// client transport and server), with p50/p99 latency counters in microseconds.
#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "onemcp/http/client.h"
#include "onemcp/http/server.h"
#include "onemcp/http/sse.h"
#include "onemcp/mcp/streamable_http_client.h"
#include "onemcp/mcp/streamable_http_server.h"

namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

void reportLatency(benchmark::State& state, std::vector<double>& micros) {
  if (micros.empty()) return;
  std::sort(micros.begin(), micros.end());
  state.counters["p50_us"] = micros[micros.size() / 2];
  state.counters["p99_us"] = micros[std::min(micros.size() - 1, micros.size() * 99 / 100)];
  state.counters["calls_per_s"] = benchmark::Counter(static_cast<double>(micros.size()), benchmark::Counter::kIsRate);
}

void BM_SseParse(benchmark::State& state) {
  // ~1 KB JSON-RPC messages as a server would stream them, fed in 4 KiB chunks.
  std::string payload = R"({"jsonrpc":"2.0","id":1,"result":{"content":[{"type":"text","text":")" +
                        std::string(900, 'x') + R"("}]}})";
  std::string stream;
  for (int i = 0; i < 256; ++i) stream += onemcp::http::formatSseEvent(payload, std::to_string(i), "message");
  std::size_t events = 0;
  for (auto _ : state) {
    onemcp::http::SseParser parser;
    for (std::size_t off = 0; off < stream.size(); off += 4096) {
      parser.feed(std::string_view(stream).substr(off, 4096), [&](onemcp::http::SseEvent e) {
        benchmark::DoNotOptimize(e.data.data());
        ++events;
      });
    }
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * stream.size()));
  state.counters["events_per_s"] = benchmark::Counter(static_cast<double>(events), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_SseParse);

void BM_LoopbackPost(benchmark::State& state) {
  onemcp::http::HttpServer server({});
  server.route("POST", "/echo", [](onemcp::http::Request req, std::shared_ptr<onemcp::http::Responder> r) {
    r->respond(onemcp::http::Response::json(200, std::move(req.body)));
  });
  if (!server.start()) {
    state.SkipWithError("cannot start server");
    return;
  }
  onemcp::http::HttpClient client;
  onemcp::http::ClientRequest req;
  req.method = "POST";
  req.url = "http://127.0.0.1:" + std::to_string(server.port()) + "/echo";
  req.body = std::string(1024, 'a');
  std::vector<double> micros;
  for (auto _ : state) {
    auto t0 = Clock::now();
    auto r = client.send(req);
    micros.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
    if (!r || r->status != 200) {
      state.SkipWithError("request failed");
      break;
    }
  }
  reportLatency(state, micros);
}
BENCHMARK(BM_LoopbackPost)->UseRealTime();

// An MCP request/response through StreamableHttpClientTransport -> StreamableHttpServer
// -> a trivial session that answers at once (SSE answer stream).
void BM_StreamableHttpRoundTrip(benchmark::State& state) {
  using namespace onemcp::mcp;
  StreamableHttpServerOptions so;
  so.json_responses = state.range(0) == 1;
  auto server = StreamableHttpServer::start(so, [](std::shared_ptr<Transport> t) {
    std::weak_ptr<Transport> weak = t;
    (void)t->start({.on_message = [weak](std::string m) {
                      auto idpos = m.find("\"id\":");
                      if (idpos == std::string::npos) return;
                      auto end = m.find_first_of(",}", idpos);
                      std::string id = m.substr(idpos + 5, end - idpos - 5);
                      std::string res = R"({"jsonrpc":"2.0","id":)" + id +
                                        R"(,"result":{"protocolVersion":"2025-06-18","content":[]}})";
                      if (auto s = weak.lock()) (void)s->send(res, {.related_request_id = id});
                    },
                    .on_close = [](const onemcp::Error&) {}});
  });
  if (!server) {
    state.SkipWithError("cannot start server");
    return;
  }
  StreamableHttpClientOptions co;
  co.url = (*server)->url();
  co.open_get_stream = false;
  auto client = StreamableHttpClientTransport::create(co);
  std::mutex mu;
  std::condition_variable cv;
  int answered = 0;
  (void)(*client)->start({.on_message = [&](std::string) {
                            std::lock_guard lock(mu);
                            ++answered;
                            cv.notify_all();
                          },
                          .on_close = [](const onemcp::Error&) {}});
  auto call = [&](int id, const std::string& method) {
    std::unique_lock lock(mu);
    int before = answered;
    lock.unlock();
    (void)(*client)->send(R"({"jsonrpc":"2.0","id":)" + std::to_string(id) + R"(,"method":")" + method +
                          R"(","params":{"name":"echo","arguments":{"message":"hi"}}})");
    lock.lock();
    return cv.wait_for(lock, 10s, [&] { return answered > before; });
  };
  if (!call(0, "initialize")) {
    state.SkipWithError("initialize failed");
    return;
  }
  std::vector<double> micros;
  int id = 1;
  for (auto _ : state) {
    auto t0 = Clock::now();
    if (!call(id++, "tools/call")) {
      state.SkipWithError("call timed out");
      break;
    }
    micros.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
  }
  reportLatency(state, micros);
  (*client)->close();
}
BENCHMARK(BM_StreamableHttpRoundTrip)->Arg(0)->Arg(1)->ArgName("json")->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
