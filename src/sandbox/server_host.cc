#include "onemcp/sandbox/server_host.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <random>
#include <thread>
#include <vector>

#include "onemcp/common/log.h"
#include "onemcp/common/process.h"
#include "onemcp/sandbox/source_build.h"

namespace onemcp::sandbox {
namespace {

using std::chrono::milliseconds;
using SteadyClock = std::chrono::steady_clock;

// One TCP connect attempt to ip:port, bounded by `timeout`.
bool tcpConnects(const std::string& ip, std::uint16_t port, milliseconds timeout) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  if (::inet_pton(AF_INET, ip.c_str(), &addr.sin_addr) != 1) return false;
  Fd fd(::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return false;
  if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) return true;
  if (errno != EINPROGRESS) return false;
  pollfd p{fd.get(), POLLOUT, 0};
  if (::poll(&p, 1, static_cast<int>(timeout.count())) != 1) return false;
  int err = 0;
  socklen_t len = sizeof err;
  ::getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &err, &len);
  return err == 0;
}

// The last `lines` lines of a container's log that are not JSON-RPC messages: a stdio
// server's stdout is its protocol traffic, which explains nothing about a crash.
std::string lastOutput(const std::string& logs, std::size_t lines) {
  std::vector<std::string> kept;
  std::size_t start = 0;
  while (start < logs.size()) {
    auto end = logs.find('\n', start);
    if (end == std::string::npos) end = logs.size();
    std::string line = logs.substr(start, end - start);
    start = end + 1;
    while (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || line.rfind("{\"jsonrpc\"", 0) == 0) continue;
    kept.push_back(std::move(line));
  }
  if (kept.size() > lines) kept.erase(kept.begin(), kept.end() - static_cast<long>(lines));
  std::string out;
  for (const auto& l : kept) out += (out.empty() ? "" : "\n") + l;
  return out;
}

}  // namespace

std::string randomInstanceId() {
  std::random_device rd;
  std::uniform_int_distribution<int> d(0, 15);
  std::string out;
  for (int i = 0; i < 10; ++i) out.push_back("0123456789abcdef"[d(rd)]);
  return out;
}

// ---- HostedServer ----------------------------------------------------------------

HostedServer::HostedServer(DockerClient& docker, RunSpec spec, std::string container_id,
                           std::string network_id, RecoveryOptions recovery)
    : docker_(docker), spec_(std::move(spec)), id_(std::move(container_id)),
      network_id_(std::move(network_id)), recovery_(std::move(recovery)) {
  started_at_ = now();
}

HostedServer::~HostedServer() {
  if (!released_) (void)remove();
}

std::unique_ptr<mcp::Transport> HostedServer::takeTransport() { return std::move(transport_); }

Result<ContainerInfo> HostedServer::inspect() { return docker_.inspectContainer(id_); }

Result<std::string> HostedServer::logs(int tail) { return docker_.containerLogs(id_, tail); }

Result<WaitResult> HostedServer::wait(milliseconds timeout) {
  return docker_.waitContainer(id_, timeout);
}

Result<void> HostedServer::stop(std::chrono::seconds grace) {
  if (transport_) transport_->close();
  return docker_.stopContainer(id_, grace);
}

Result<void> HostedServer::attachAndStart(milliseconds ready_timeout) {
  const std::string who = "server '" + spec_.name + "'";
  // Each run gets its own record of garbage on stdout, so diagnose() speaks of this run.
  stats_ = std::make_shared<AttachStats>();
  if (spec_.transport.kind == TransportKind::kStdio) {
    auto stream = docker_.attachContainer(id_);
    if (!stream) return fail(stream.error().wrap("attaching to " + who));
    transport_ = std::make_unique<AttachTransport>(
        std::move(*stream), AttachTransportOptions{spec_.name, stats_});
  }
  auto started = docker_.startContainer(id_);
  if (!started) return fail(started.error().wrap("starting " + who));
  started_at_ = now();
  if (spec_.transport.kind != TransportKind::kStdio) return resolveEndpoint(ready_timeout);
  return {};
}

Result<void> HostedServer::reattach(milliseconds ready_timeout) {
  stats_ = std::make_shared<AttachStats>();
  started_at_ = now();
  if (spec_.transport.kind != TransportKind::kStdio) return resolveEndpoint(ready_timeout);
  auto stream = docker_.attachContainer(id_);
  if (!stream) return fail(stream.error().wrap("attaching again to server '" + spec_.name + "'"));
  transport_ = std::make_unique<AttachTransport>(std::move(*stream),
                                                 AttachTransportOptions{spec_.name, stats_});
  return {};
}

Result<void> HostedServer::resolveEndpoint(milliseconds ready_timeout) {
  const auto deadline = SteadyClock::now() + ready_timeout;
  const std::uint16_t port = spec_.transport.port;
  for (;;) {
    auto info = docker_.inspectContainer(id_);
    if (!info) return fail(info.error());
    if (!info->state.running) {
      return fail(explain(Error(ErrorCode::kUnavailable, "stopped before its HTTP port opened")));
    }
    std::string ip = "127.0.0.1";
    std::uint16_t host_port = port;
    if (auto it = info->published.find(port); it != info->published.end()) {
      host_port = it->second;
    } else if (!info->network_ips.empty()) {
      ip = info->network_ips.begin()->second;
    }
    if (!ip.empty() && tcpConnects(ip, host_port, milliseconds(200))) {
      url_ = "http://" + ip + ":" + std::to_string(host_port) + spec_.transport.path;
      return {};
    }
    if (SteadyClock::now() >= deadline) {
      return fail(explain(Error(ErrorCode::kTimeout,
                                "HTTP port " + std::to_string(port) + " did not open within " +
                                    std::to_string(ready_timeout.count()) + " ms")));
    }
    // The engine has no event for "port open": poll at a short, bounded interval.
    std::this_thread::sleep_for(milliseconds(100));
  }
}

Result<void> HostedServer::restart(milliseconds ready_timeout) {
  if (transport_) transport_->close();
  transport_.reset();
  auto info = docker_.inspectContainer(id_);
  if (!info) return fail(info.error());
  if (info->state.running) ONEMCP_TRY(docker_.stopContainer(id_, std::chrono::seconds(5)));
  return attachAndStart(ready_timeout);
}

std::chrono::steady_clock::time_point HostedServer::now() const {
  return recovery_.clock != nullptr ? recovery_.clock->now() : SteadyClock::now();
}

milliseconds HostedServer::backoffFor(int restarts) const {
  const auto& p = recovery_.policy;
  milliseconds wait = p.initial_backoff;
  for (int i = 0; i < restarts && wait < p.max_backoff; ++i) wait *= 2;
  return std::min(wait, p.max_backoff);
}

Result<CrashReport> HostedServer::recover(milliseconds ready_timeout) {
  if (transport_) transport_->close();
  transport_.reset();
  auto info = docker_.inspectContainer(id_);
  if (!info) return fail(explain(info.error()));
  const bool http = spec_.transport.kind != TransportKind::kStdio;
  CrashReport report;
  if (http && info->state.running) {
    // The engine's on-failure policy restarted it already: find its port again.
    report.cause = "restarted by the engine (restart count " +
                   std::to_string(info->restart_count) + ")";
    ONEMCP_TRY(resolveEndpoint(ready_timeout));
    last_crash_ = report;
    return report;
  }
  if (info->state.running) {
    // A stdio server whose stream ended but whose process lives on cannot be re-attached
    // (its stdin closed with the old attach): stop it, then restart it as after a crash.
    ONEMCP_TRY(docker_.stopContainer(id_, std::chrono::seconds(2)));
  }
  report.cause = diagnose();
  report.exit_code = info->state.exit_code;
  report.oom_killed = info->state.oom_killed;
  const auto& policy = recovery_.policy;
  if (now() - started_at_ >= policy.reset_after) restarts_ = 0;
  if (restarts_ >= policy.max_restarts) {
    last_crash_ = report;
    return fail(ErrorCode::kUnavailable,
                "server '" + spec_.name + "': crashed " + std::to_string(restarts_ + 1) +
                    " time(s) in a row, not restarted again (max_restarts " +
                    std::to_string(policy.max_restarts) + "); last crash: " + report.cause);
  }
  report.backoff = backoffFor(restarts_);
  report.restarts = ++restarts_;
  last_crash_ = report;
  log::warn("server '{}': crashed ({}); restart {} of {} in {} ms", spec_.name, report.cause,
            restarts_, policy.max_restarts, report.backoff.count());
  if (recovery_.sleep) {
    recovery_.sleep(report.backoff);
  } else {
    std::this_thread::sleep_for(report.backoff);
  }
  auto started = attachAndStart(ready_timeout);
  if (!started) {
    return fail(ErrorCode::kUnavailable, "server '" + spec_.name + "': restart after a crash (" +
                                             report.cause + ") failed: " +
                                             started.error().message);
  }
  return report;
}

Result<void> HostedServer::remove() {
  if (removed_) return {};
  removed_ = true;
  if (transport_) transport_->close();
  transport_.reset();
  auto r = docker_.removeContainer(id_, true);
  if (!r && r.error().code != ErrorCode::kNotFound) {
    log::warn("server '{}': removing container {}: {}", spec_.name, id_, r.error().message);
  }
  if (!network_id_.empty()) {
    auto n = docker_.removeNetwork(network_id_);
    if (!n && n.error().code != ErrorCode::kNotFound) return fail(n.error());
  }
  if (!r && r.error().code != ErrorCode::kNotFound) return fail(r.error());
  return {};
}

std::string HostedServer::diagnose() {
  std::string out;
  if (auto info = docker_.inspectContainer(id_)) {
    const auto& s = info->state;
    if (s.oom_killed) {
      out = "killed: memory limit reached (OOM)";
    } else if (s.running) {
      out = "still running";
    } else if (s.status == "created") {
      out = "never started" + (s.error.empty() ? "" : ": " + s.error);
    } else {
      out = "exited with code " + std::to_string(s.exit_code);
      if (s.exit_code == 137) out += " (killed)";
      if (!s.error.empty()) out += ": " + s.error;
    }
  } else {
    out = "container state unknown (" + info.error().message + ")";
  }
  if (stats_->garbage_lines > 0) {
    std::lock_guard lock(stats_->mu);
    out += "; printed " + std::to_string(stats_->garbage_lines.load()) +
           " non-JSON line(s) on stdout, first: '" + stats_->first_garbage + "'";
  }
  if (auto logs = docker_.containerLogs(id_, 20); logs && !logs->empty()) {
    std::string tail = lastOutput(*logs, 5);
    if (tail.size() > 600) tail = tail.substr(tail.size() - 600);
    if (!tail.empty()) out += "; last output: " + tail;
  }
  return out;
}

Error HostedServer::explain(const Error& error) {
  Error e = error;
  e.message = "server '" + spec_.name + "': " + error.message + " [" + diagnose() + "]";
  return e;
}

// ---- ServerHost ------------------------------------------------------------------

ServerHost::ServerHost(DockerClient& docker, ImageBuilder& images, HostPolicy policy)
    : docker_(docker), images_(images), policy_(std::move(policy)) {}

Result<std::string> ServerHost::sourceKey(const RunSpec& spec) {
  if (!spec.install.from_source) return std::string();
  auto src = sourceFolder(spec);
  ONEMCP_TRY(src);
  auto key = folderFingerprint(src->host_path);
  if (!key) return fail(key.error().wrap("server '" + spec.name + "'"));
  return *key;
}

Result<bool> ServerHost::ensureInstalled(const RunSpec& spec, const std::string& image,
                                         const StartOptions& options) {
  if (spec.install.kind == InstallKind::kNone) return false;
  auto key = sourceKey(spec);
  ONEMCP_TRY(key);
  const std::string volume = packageVolumeName(spec, image, *key);
  auto have = docker_.inspectVolume(volume);
  ONEMCP_TRY(have);
  if (*have) return false;
  const std::string who = "server '" + spec.name + "'";
  // The package cache is shared by every owner (keyed by image and packages), like images.
  HostPolicy shared = policy_;
  shared.owner = std::string(kCacheOwner);
  Labels labels = serverLabels(shared, spec, "", "install-cache");
  ONEMCP_TRY(docker_.createVolume(volume, labels));
  if (options.progress) options.progress("==> installing " + spec.name + " into " + volume);
  std::error_code ec;
  const bool ca = std::filesystem::exists(policy_.ca_bundle, ec);
  ContainerConfig config = installConfig(spec, image, policy_, randomInstanceId(), ca, *key);
  auto cleanup = [&](const std::string& id) {
    if (!id.empty()) (void)docker_.removeContainer(id, true);
    (void)docker_.removeVolume(volume, true);
  };
  auto id = docker_.createContainer(config);
  if (!id) {
    cleanup("");
    return fail(id.error().wrap("installing " + who));
  }
  auto started = docker_.startContainer(*id);
  auto waited = started ? docker_.waitContainer(*id, options.install_timeout)
                        : Result<WaitResult>(started.error());
  if (!waited || waited->exit_code != 0) {
    std::string detail;
    if (auto logs = docker_.containerLogs(*id, 15)) detail = *logs;
    cleanup(*id);
    const std::string what = "installing " + who + " (" +
                             std::string(toString(spec.install.kind)) + " install" +
                             (spec.install.from_source ? " from source" : "") +
                             (spec.install.build_command.empty() ? "" : ", then the build");
    if (!waited) return fail(waited.error().wrap(what + ")"));
    return fail(ErrorCode::kUnavailable, what + ") failed with exit code " +
                                             std::to_string(waited->exit_code) + ": " + detail);
  }
  (void)docker_.removeContainer(*id, true);
  return true;
}

Result<std::string> ServerHost::ensureDataVolume(const RunSpec& spec) {
  const std::string volume = dataVolumeName(policy_.owner, spec);
  auto have = docker_.inspectVolume(volume);
  ONEMCP_TRY(have);
  if (!*have) ONEMCP_TRY(docker_.createVolume(volume, serverLabels(policy_, spec, "", "data")));
  return volume;
}

Result<std::string> ServerHost::privateNetwork(const RunSpec& spec, const std::string& instance) {
  const std::string name = "onemcp-net-" + sanitizeName(spec.name).substr(0, 30) + "-" + instance;
  return docker_.createNetwork(name, serverLabels(policy_, spec, instance, "network"), true);
}

Result<std::unique_ptr<HostedServer>> ServerHost::start(const RunSpec& spec,
                                                        const StartOptions& options) {
  const std::string who = "server '" + spec.name + "'";
  if (options.adopt_running) {
    if (auto adopted = adoptRunning(spec, options)) return std::move(*adopted);
  }
  auto image = images_.imageFor(spec, options.progress);
  if (!image) {
    if (image.error().message.find(who) != std::string::npos) return fail(image.error());
    return fail(image.error().wrap("starting " + who));
  }
  auto installed = ensureInstalled(spec, *image, options);
  ONEMCP_TRY(installed);
  auto key = sourceKey(spec);
  ONEMCP_TRY(key);
  auto data = ensureDataVolume(spec);
  if (!data) return fail(data.error().wrap("starting " + who));
  RunInputs in{*image, randomInstanceId(), options.env_values, "", *key};
  std::string network_id;
  if (spec.transport.kind != TransportKind::kStdio && !spec.network) {
    auto net = privateNetwork(spec, in.instance);
    if (!net) return fail(net.error().wrap("starting " + who));
    network_id = *net;
    in.private_network = "onemcp-net-" + sanitizeName(spec.name).substr(0, 30) + "-" + in.instance;
  }
  auto config = runConfig(spec, policy_, in);
  if (config) {
    config->labels[std::string(kLabelTransport)] = std::string(toString(spec.transport.kind));
    if (spec.transport.kind != TransportKind::kStdio) {
      config->labels[std::string(kLabelPort)] = std::to_string(spec.transport.port);
      config->labels[std::string(kLabelPath)] = spec.transport.path;
    }
  }
  auto id = config ? docker_.createContainer(*config) : Result<std::string>(config.error());
  if (!id) {
    if (!network_id.empty()) (void)docker_.removeNetwork(network_id);
    return fail(id.error().code == ErrorCode::kInvalidInput
                    ? id.error()
                    : id.error().wrap("creating the container of " + who));
  }
  auto server = std::make_unique<HostedServer>(docker_, spec, *id, network_id,
                                               RecoveryOptions{options.restart, nullptr, {}});
  ONEMCP_TRY(server->attachAndStart(options.ready_timeout));
  log::info("{}: started container {} ({})", who, id->substr(0, 12), describe(*config));
  return server;
}

std::string ServerHost::networkOf(const std::string& container_id, const std::string& owner) {
  auto info = docker_.inspectContainer(container_id);
  auto nets = docker_.listNetworks({{std::string(kLabelOwner), owner}});
  if (!info || !nets) return "";
  for (const auto& n : *nets) {
    if (info->network_ips.contains(n.name)) return n.id;
  }
  return "";
}

std::optional<std::unique_ptr<HostedServer>> ServerHost::adoptRunning(const RunSpec& spec,
                                                                      const StartOptions& options) {
  auto mine = docker_.listContainers({{std::string(kLabelManaged), "true"},
                                      {std::string(kLabelOwner), policy_.owner},
                                      {std::string(kLabelServer), spec.name},
                                      {std::string(kLabelRole), "server"}},
                                     true);
  if (!mine) return std::nullopt;
  std::unique_ptr<HostedServer> adopted;
  const bool stdio = spec.transport.kind == TransportKind::kStdio;
  for (const auto& c : *mine) {
    auto transport = c.labels.find(std::string(kLabelTransport));
    const bool same_kind = transport != c.labels.end() &&
                           transport->second == toString(spec.transport.kind);
    if (!adopted && c.state == "running" && same_kind && (!stdio || policy_.reattachable_stdio)) {
      auto server = std::make_unique<HostedServer>(docker_, spec, c.id, networkOf(c.id, policy_.owner),
                                                   RecoveryOptions{options.restart, nullptr, {}});
      if (server->reattach(options.ready_timeout)) {
        log::info("server '{}': adopted running container {}", spec.name, c.id.substr(0, 12));
        adopted = std::move(server);
        continue;
      }
      server->release();
    }
    log::info("server '{}': removing leftover container {}", spec.name, c.id.substr(0, 12));
    (void)docker_.removeContainer(c.id, true);
  }
  if (!adopted) return std::nullopt;
  return std::optional<std::unique_ptr<HostedServer>>(std::move(adopted));
}

Result<std::vector<ContainerSummary>> ServerHost::list() {
  return docker_.listContainers(
      {{std::string(kLabelManaged), "true"}, {std::string(kLabelOwner), policy_.owner}}, true);
}

Result<std::vector<std::unique_ptr<HostedServer>>> ServerHost::adoptOrRemove() {
  auto all = list();
  ONEMCP_TRY(all);
  std::vector<std::unique_ptr<HostedServer>> adopted;
  for (const auto& c : *all) {
    auto label = [&](std::string_view k) {
      auto it = c.labels.find(std::string(k));
      return it == c.labels.end() ? std::string() : it->second;
    };
    // A stdio server cannot be re-attached (its stdin closed with the old attach).
    const bool http = label(kLabelTransport) == "http";
    if (c.state == "running" && http && label(kLabelRole) == "server") {
      RunSpec spec;
      spec.name = label(kLabelServer);
      spec.transport.kind = TransportKind::kHttp;
      spec.transport.port = static_cast<std::uint16_t>(std::atoi(label(kLabelPort).c_str()));
      spec.transport.path = label(kLabelPath);
      auto server = std::make_unique<HostedServer>(docker_, spec, c.id,
                                                   networkOf(c.id, policy_.owner));
      if (server->resolveEndpoint(std::chrono::seconds(5))) {
        log::info("server '{}': adopted container {}", spec.name, c.id.substr(0, 12));
        adopted.push_back(std::move(server));
        continue;
      }
      server->release();
    }
    log::info("removing leftover container {} of owner '{}'", c.id.substr(0, 12), policy_.owner);
    (void)docker_.removeContainer(c.id, true);
  }
  // Private networks no adopted server uses any more.
  auto nets = docker_.listNetworks({{std::string(kLabelOwner), policy_.owner}});
  if (nets) {
    for (const auto& n : *nets) {
      bool used = false;
      for (const auto& s : adopted) used = used || s->networkId() == n.id;
      if (!used) (void)docker_.removeNetwork(n.id);
    }
  }
  return adopted;
}

Result<int> ServerHost::removeAll(bool volumes) {
  int removed = 0;
  const LabelFilter mine{{std::string(kLabelManaged), "true"},
                         {std::string(kLabelOwner), policy_.owner}};
  auto cs = docker_.listContainers(mine, true);
  ONEMCP_TRY(cs);
  for (const auto& c : *cs) removed += docker_.removeContainer(c.id, true) ? 1 : 0;
  auto ns = docker_.listNetworks(mine);
  ONEMCP_TRY(ns);
  for (const auto& n : *ns) removed += docker_.removeNetwork(n.id) ? 1 : 0;
  if (volumes) {
    auto vs = docker_.listVolumes(mine);
    ONEMCP_TRY(vs);
    for (const auto& v : *vs) removed += docker_.removeVolume(v.name, true) ? 1 : 0;
  }
  return removed;
}

}  // namespace onemcp::sandbox
