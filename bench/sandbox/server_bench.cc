// server-everything three ways, in one run: hosted by OneMCP's sandbox (hardened
// container, attach), a bare `docker run -i` of the same image/command/package volume with
// a direct client (the floor), and the server started directly on this host (no
// container). Cold start = request -> initialize answered; round trip = tools/call echo.
// Image build and package install happen once, before any timing.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdio>
#include <memory>
#include <vector>

#include "onemcp/common/process.h"
#include "onemcp/mcp/stdio_transport.h"
#include "onemcp/sandbox/apt_sources.h"
#include "onemcp/sandbox/engine_client.h"
#include "onemcp/sandbox/host_config.h"
#include "onemcp/sandbox/image_builder.h"
#include "onemcp/sandbox/mcp_probe.h"
#include "onemcp/sandbox/server_host.h"

namespace onemcp::sandbox {
namespace {

using nlohmann::json;
using std::chrono::seconds;
constexpr const char* kPackage = "@modelcontextprotocol/server-everything";

struct Env {
  std::unique_ptr<DockerClient> docker;
  std::unique_ptr<ImageBuilder> images;
  std::unique_ptr<ServerHost> host;
  RunSpec spec;
  std::string image;
  std::string pkg_volume;
  std::string error;
};

Env& env() {
  static Env e = [] {
    Env v;
    auto docker = makeEngineClient(EngineOptions::fromEnv(processEnv()));
    auto debian = readHostDebian();
    if (!docker || !debian) {
      v.error = !docker ? docker.error().message : debian.error().message;
      return v;
    }
    v.docker = std::move(*docker);
    v.images = std::make_unique<ImageBuilder>(
        *v.docker, BuildEnvironment{std::string(ONEMCP_SOURCE_DIR) + "/images", debian->mirror,
                                    debian->suite, std::string(ONEMCP_BINARY_DIR) + "/images-work",
                                    {}});
    HostPolicy policy;
    policy.owner = "bench";
    // ONEMCP_BENCH_CPUS=N overrides the CPU limit (0: none), to show what CFS quota costs.
    if (const char* cpus = std::getenv("ONEMCP_BENCH_CPUS")) {
      policy.limits.nano_cpus = static_cast<std::int64_t>(std::atof(cpus) * 1e9);
    }
    policy.install_env = hostInstallEnv(processEnv());
    v.host = std::make_unique<ServerHost>(*v.docker, *v.images, policy);
    v.spec.name = "everything";
    v.spec.install = {InstallKind::kNpm, {kPackage}};
    v.spec.command = {"mcp-server-everything"};
    auto image = v.images->imageFor(v.spec, [](std::string_view l) {
      std::fprintf(stderr, "%.*s\n", static_cast<int>(l.size()), l.data());
    });
    if (!image) {
      v.error = image.error().message;
      return v;
    }
    v.image = *image;
    auto installed = v.host->ensureInstalled(v.spec, v.image, StartOptions{});
    if (!installed) v.error = installed.error().message;
    v.pkg_volume = packageVolumeName(v.spec, v.image);
    return v;
  }();
  return e;
}

// Records one sample per iteration and reports p50/p99 in microseconds.
class Samples {
 public:
  void add(std::chrono::steady_clock::duration d) {
    us_.push_back(std::chrono::duration<double, std::micro>(d).count());
  }
  void report(benchmark::State& state) {
    if (us_.empty()) return;
    std::sort(us_.begin(), us_.end());
    auto at = [&](double q) { return us_[std::min(us_.size() - 1, static_cast<std::size_t>(q * us_.size()))]; };
    state.counters["p50_us"] = at(0.50);
    state.counters["p99_us"] = at(0.99);
  }

 private:
  std::vector<double> us_;
};

// A probe over a child process's stdio (bare docker run, or the server run directly).
struct ChildServer {
  std::unique_ptr<Process> proc;
  std::unique_ptr<McpProbe> probe;
};

Result<ChildServer> spawnChild(std::vector<std::string> argv, const std::string& name) {
  ProcessSpec ps;
  ps.argv = std::move(argv);
  ps.pipe_stderr = false;
  auto proc = Process::spawn(ps);
  if (!proc) return fail(proc.error());
  ChildServer c;
  c.proc = std::move(*proc);
  auto transport = std::make_unique<mcp::StdioTransport>(c.proc->takeStdout(), c.proc->takeStdin());
  auto probe = McpProbe::open(std::move(transport), name);
  if (!probe) return fail(probe.error());
  c.probe = std::move(*probe);
  return c;
}

std::vector<std::string> bareDockerRun() {
  const Env& e = env();
  return {"docker", "run", "-i", "--rm", "--network", "none", "--user", "1000:1000",
          "-v", e.pkg_volume + ":/opt/onemcp/pkg:ro", "-w", "/opt/onemcp/pkg",
          "--label", "io.onemcp.owner=bench", e.image, "mcp-server-everything"};
}

std::vector<std::string> direct() {
  return {"node", std::string(ONEMCP_SOURCE_DIR) +
                      "/tools/node/node_modules/@modelcontextprotocol/server-everything/dist/index.js"};
}

bool ready(benchmark::State& state) {
  if (!env().error.empty()) {
    state.SkipWithError(env().error.c_str());
    return false;
  }
  return true;
}

json echoCall() { return {{"name", "echo"}, {"arguments", {{"message", "ping"}}}}; }

void BM_ColdStart_Sandboxed(benchmark::State& state) {
  if (!ready(state)) return;
  Samples s;
  for (auto _ : state) {
    const auto t0 = std::chrono::steady_clock::now();
    auto server = env().host->start(env().spec, StartOptions{});
    if (!server) return state.SkipWithError(server.error().message.c_str());
    auto probe = McpProbe::open((*server)->takeTransport(), "everything");
    auto init = probe ? (*probe)->initialize(seconds(60)) : Result<json>(probe.error());
    if (!init) return state.SkipWithError(init.error().message.c_str());
    s.add(std::chrono::steady_clock::now() - t0);
    state.PauseTiming();
    probe->reset();
    server->reset();
    state.ResumeTiming();
  }
  s.report(state);
}

void coldStartChild(benchmark::State& state, const std::vector<std::string>& argv) {
  Samples s;
  for (auto _ : state) {
    const auto t0 = std::chrono::steady_clock::now();
    auto child = spawnChild(argv, "everything");
    if (!child) return state.SkipWithError(child.error().message.c_str());
    auto init = child->probe->initialize(seconds(60));
    if (!init) return state.SkipWithError(init.error().message.c_str());
    s.add(std::chrono::steady_clock::now() - t0);
    state.PauseTiming();
    child->probe.reset();
    (void)child->proc->wait(seconds(20));
    state.ResumeTiming();
  }
  s.report(state);
}

void BM_ColdStart_BareDockerRun(benchmark::State& state) {
  if (ready(state)) coldStartChild(state, bareDockerRun());
}
void BM_ColdStart_Direct(benchmark::State& state) {
  if (ready(state)) coldStartChild(state, direct());
}

void roundTrip(benchmark::State& state, McpProbe& probe) {
  Samples s;
  for (auto _ : state) {
    const auto t0 = std::chrono::steady_clock::now();
    auto r = probe.request("tools/call", echoCall(), seconds(30));
    if (!r) return state.SkipWithError(r.error().message.c_str());
    s.add(std::chrono::steady_clock::now() - t0);
  }
  state.counters["calls_per_s"] = benchmark::Counter(static_cast<double>(state.iterations()),
                                                     benchmark::Counter::kIsRate);
  s.report(state);
}

void BM_RoundTrip_Sandboxed(benchmark::State& state) {
  if (!ready(state)) return;
  auto server = env().host->start(env().spec, StartOptions{});
  if (!server) return state.SkipWithError(server.error().message.c_str());
  auto probe = McpProbe::open((*server)->takeTransport(), "everything");
  auto init = probe ? (*probe)->initialize(seconds(60)) : Result<json>(probe.error());
  if (!init) return state.SkipWithError(init.error().message.c_str());
  roundTrip(state, **probe);
}

void roundTripChild(benchmark::State& state, const std::vector<std::string>& argv) {
  auto child = spawnChild(argv, "everything");
  if (!child) return state.SkipWithError(child.error().message.c_str());
  auto init = child->probe->initialize(seconds(60));
  if (!init) return state.SkipWithError(init.error().message.c_str());
  roundTrip(state, *child->probe);
  child->probe.reset();
  (void)child->proc->wait(seconds(20));
}

void BM_RoundTrip_BareDockerRun(benchmark::State& state) {
  if (ready(state)) roundTripChild(state, bareDockerRun());
}
void BM_RoundTrip_Direct(benchmark::State& state) {
  if (ready(state)) roundTripChild(state, direct());
}

BENCHMARK(BM_ColdStart_Sandboxed)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_ColdStart_BareDockerRun)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_ColdStart_Direct)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_RoundTrip_Sandboxed)->Unit(benchmark::kMicrosecond)->UseRealTime();
BENCHMARK(BM_RoundTrip_BareDockerRun)->Unit(benchmark::kMicrosecond)->UseRealTime();
BENCHMARK(BM_RoundTrip_Direct)->Unit(benchmark::kMicrosecond)->UseRealTime();

}  // namespace
}  // namespace onemcp::sandbox

BENCHMARK_MAIN();
