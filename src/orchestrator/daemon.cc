#include "onemcp/orchestrator/daemon.h"

#include <algorithm>
#include <functional>

#include "onemcp/common/log.h"
#include "onemcp/mcp/protocol.h"
#include "onemcp/orchestrator/lifecycle.h"
#include "onemcp/sandbox/proxy_names.h"
#include "onemcp_prompt.h"

namespace onemcp::orchestrator {
namespace {

using sandbox::ProxySession;

// Forwards to the source's launcher and reports the container of every (re)start, so
// that the daemon's record of the containers it owns follows crash restarts too.
class TrackingLauncher final : public sandbox::BackendLauncher {
 public:
  TrackingLauncher(std::unique_ptr<sandbox::BackendLauncher> inner,
                   std::function<void(const std::string& container_id)> on_launch)
      : inner_(std::move(inner)), on_launch_(std::move(on_launch)) {}
  ~TrackingLauncher() override { inner_->stop(); }
  Result<Connection> launch() override {
    auto c = inner_->launch();
    if (c) on_launch_(inner_->containerId());
    return c;
  }
  void stop() override { inner_->stop(); }
  std::string diagnose() override { return inner_->diagnose(); }
  std::string containerId() override { return inner_->containerId(); }
  [[nodiscard]] std::string describe() const override { return inner_->describe(); }

 private:
  std::unique_ptr<sandbox::BackendLauncher> inner_;
  std::function<void(const std::string&)> on_launch_;
};
}  // namespace

Result<ConsentPolicy> parseConsentPolicy(std::string_view text) {
  if (text == "ask") return ConsentPolicy::kAsk;
  if (text == "verified") return ConsentPolicy::kVerified;
  if (text == "never") return ConsentPolicy::kNever;
  return fail(ErrorCode::kInvalidInput,
              "consent must be ask, verified or never; got '" + std::string(text) + "'");
}

Daemon::Daemon(DaemonOptions options, ToolSource& source, const Clock& clock, StateStore* state,
               SecretStore* secrets, ObjectGc* gc)
    : options_(std::move(options)),
      source_(source),
      clock_(clock),
      state_(state),
      secrets_(secrets),
      gc_(gc) {
  sandbox::ProxyOptions po;
  po.info = {"onemcp", "0.1.0", std::nullopt};
  po.instructions =
      "OneMCP finds the tools a task needs. Call find_tools with the task in plain words; the "
      "tools it adds to this session appear in tools/list (you are sent tools/list_changed).";
  po.initial_view = std::set<std::string>{};  // a new session sees the meta-tools only
  po.on_call = [this](const sandbox::CallRecord& call) { onCall(call); };
  proxy_ = std::make_unique<sandbox::McpProxy>(std::move(po), clock_);
  selector_ = std::make_unique<Selector>(options_.selector, source_, options_.encoder);
  registerMetaTools();
  // The local index starts with every server started before (stopped ones too).
  if (state_ != nullptr) {
    auto records = state_->servers();
    auto tools = state_->tools();
    if (records && tools) {
      std::lock_guard lock(mu_);
      for (const auto& r : *records) {
        auto it = tools->find(r.offer.server_id);
        installed_[r.offer.server_id] = {r.offer,
                                         it == tools->end() ? std::vector<ToolInfo>{} : it->second};
      }
    }
  }
  rebuildLocalIndex();
  (void)proxy_->addLocalPrompt(onemcpPromptDefinition(),
                               [this](ProxySession& s, const Json& a, mcp::RequestScope& sc) {
                                 return onemcpPrompt(s, a, sc);
                               });
}

Daemon::~Daemon() {
  lifecycle_.request_stop();
  lifecycle_cv_.notify_all();
  if (lifecycle_.joinable()) lifecycle_.join();
  stopHttp();
  proxy_.reset();
}

void Daemon::onCall(const sandbox::CallRecord& call) {
  touch(call.session_id, call.exposed);
  if (call.backend.empty()) return;  // a meta-tool
  {
    std::lock_guard lock(mu_);
    if (last_used_.contains(call.backend)) last_used_[call.backend] = clock_.now();
  }
  if (state_ != nullptr) {
    state_->recordUsage({epochMs(clock_.wallNow()), call.session_id, call.backend, call.tool,
                         call.duration.count(), call.ok});
  }
}

bool Daemon::approvedBefore(const std::string& server_id) {
  if (state_ == nullptr) return false;
  auto decision = state_->consent(server_id);
  return decision && *decision && **decision == "approved";
}

void Daemon::rememberApproval(const std::string& server_id) {
  if (state_ == nullptr) return;
  if (auto r = state_->setConsent(server_id, "approved"); !r)
    log::warn("daemon: {}", r.error().message);
}

Result<std::string> Daemon::serveHttp(const std::string& token) {
  mcp::StreamableHttpServerOptions o;
  o.bind_address = options_.bind;
  o.port = options_.port;
  o.bearer_token = token;
  o.allowed_origins = options_.allowed_origins;
  // Plain JSON answers for calls that send nothing else: VS Code's POST-response SSE
  // handler logs "Failed to parse message" for the empty priming event of every stream
  // (microsoft/vscode#303695), and JSON lets connections be kept alive.
  o.sse_on_demand = true;
  auto http = mcp::StreamableHttpServer::start(
      o, [this](std::shared_ptr<mcp::Transport> t, const mcp::SessionRequest& request) {
        auto s = proxy_->serve(std::move(t));
        if (!s) {
          log::warn("daemon: cannot start a session: {}", s.error().toString());
          return;
        }
        // Tagged before its initialize is delivered, so before any of its calls.
        if (auto header = request.header(kWindowHeader)) {
          if (auto window = parseWindowId(*header)) {
            windows_.tag((*s)->id(), *window);
          } else {
            log::warn("daemon: session {} is not tagged with a window: {}", (*s)->id(),
                      window.error().message);
          }
        }
      });
  if (!http) return fail(http.error());
  http_ = std::move(*http);
  return http_->url();
}

void Daemon::stopHttp() {
  if (http_) http_->stop();
}

std::vector<std::string> Daemon::toolsOf(const std::string& backend) const {
  std::vector<std::string> out;
  for (const auto& t : proxy_->tools()) {
    if (t.backend == backend) out.push_back(t.name);
  }
  return out;
}

void Daemon::touch(const std::string& session_id, const std::string& tool) {
  std::lock_guard lock(mu_);
  auto& recent = recent_[session_id];
  recent.remove(tool);
  recent.push_back(tool);
}

Result<void> Daemon::grant(ProxySession& session, const std::vector<std::string>& tools) {
  std::set<std::string> view = session.view().value_or(std::set<std::string>{});
  {
    std::lock_guard lock(mu_);
    auto& recent = recent_[session.id()];
    for (const auto& t : tools) {
      view.insert(t);
      recent.remove(t);
      recent.push_back(t);
    }
    // Over budget: the least recently used tools leave the session first.
    while (view.size() > options_.max_session_tools && !recent.empty()) {
      view.erase(recent.front());
      recent.pop_front();
    }
  }
  return proxy_->setView(session.id(), std::move(view));
}

Result<std::string> Daemon::ensureRunning(const Offer& offer, const std::string& preferred) {
  std::lock_guard start(start_mu_);
  {
    std::lock_guard lock(mu_);
    if (auto it = backend_of_.find(offer.server_id); it != backend_of_.end()) return it->second;
  }
  auto launcher = source_.launcher(offer);
  if (!launcher) return fail(launcher.error());
  std::set<std::string> taken;
  for (const auto& b : proxy_->backends()) taken.insert(b.name);
  std::string name = !preferred.empty() && !taken.contains(preferred)
                         ? preferred
                         : sandbox::prefixFor(offer.name.empty() ? offer.server_id : offer.name);
  for (int n = 2; taken.contains(name); ++n)
    name = sandbox::prefixFor(offer.name) + "-" + std::to_string(n);
  sandbox::BackendOptions bo;
  bo.name = name;
  bo.call_timeout = options_.call_timeout;
  auto tracked = std::make_unique<TrackingLauncher>(
      std::move(*launcher), [this, id = offer.server_id](const std::string& container) {
        if (gc_ != nullptr) {
          if (auto r = gc_->recordLaunch(id, container); !r)
            log::warn("daemon: {}", r.error().message);
        }
        if (state_ == nullptr) return;
        std::vector<std::string> ids;
        if (!container.empty()) ids.push_back(container);
        if (auto r = state_->setContainers(id, ids); !r) log::warn("daemon: {}", r.error().message);
      });
  if (auto up = proxy_->attach(std::move(bo), std::move(tracked)); !up) return fail(up.error());
  if (state_ != nullptr) {
    if (auto r = state_->putServer({offer, name, true, epochMs(clock_.wallNow())}); !r) {
      log::warn("daemon: {}", r.error().message);
    }
  }
  {
    std::lock_guard lock(mu_);
    backend_of_[offer.server_id] = name;
    last_used_[name] = clock_.now();
    pending_.erase(offer.server_id);
  }
  rememberTools(offer, name);
  return name;
}

void Daemon::rememberTools(const Offer& offer, const std::string& backend) {
  auto tools = toolInfosOf(proxy_->tools(), backend);
  if (state_ != nullptr) {
    if (auto r = state_->setTools(offer.server_id, tools); !r)
      log::warn("daemon: {}", r.error().message);
  }
  {
    std::lock_guard lock(mu_);
    installed_[offer.server_id] = {offer, std::move(tools)};
  }
  rebuildLocalIndex();
}

void Daemon::rebuildLocalIndex() {
  std::vector<LocalServer> servers;
  {
    std::lock_guard lock(mu_);
    for (const auto& [id, s] : installed_) servers.push_back(s);
  }
  if (auto r = selector_->setServers(std::move(servers)); !r) {
    log::warn("daemon: the local index keeps its previous servers: {}", r.error().message);
  }
}

std::map<std::string, float> Daemon::usageBonus() {
  if (state_ == nullptr) return {};
  constexpr std::size_t kHistoryRows = 5000;  // the newest calls; older ones weigh little anyway
  auto history = state_->usage(kHistoryRows);
  auto records = state_->servers();
  if (!history || !records) return {};
  return usagePriorById(*history, *records, epochMs(clock_.wallNow()), options_.usage);
}

int Daemon::restore() {
  if (state_ == nullptr) return 0;
  auto records = state_->servers();
  if (!records) {
    log::warn("daemon: cannot read what ran before: {}", records.error().message);
    return 0;
  }
  int started = 0;
  for (const auto& r : *records) {
    if (!r.running) continue;
    auto backend = ensureRunning(r.offer, r.backend);
    if (backend) {
      log::info("daemon: '{}' runs again as '{}'", r.offer.server_id, *backend);
      ++started;
      continue;
    }
    log::warn("daemon: '{}' did not start again: {}", r.offer.server_id, backend.error().message);
    (void)state_->setRunning(r.offer.server_id, false);
    (void)state_->setContainers(r.offer.server_id, {});
  }
  return started;
}

Result<void> Daemon::stopServer(const std::string& backend) {
  std::string server_id;
  {
    std::lock_guard lock(mu_);
    for (const auto& [id, b] : backend_of_) {
      if (b == backend) server_id = id;
    }
    if (server_id.empty())
      return fail(ErrorCode::kNotFound, "no running server named '" + backend + "'");
    backend_of_.erase(server_id);
    last_used_.erase(backend);
  }
  auto detached = proxy_->detach(backend);  // stops it: the sandbox removes its container
  if (state_ != nullptr) {
    (void)state_->setRunning(server_id, false);
    (void)state_->setContainers(server_id, {});
  }
  log::info("daemon: stopped '{}' ({})", backend, server_id);
  return detached;
}

std::vector<std::string> Daemon::stopIdle() {
  std::vector<std::string> idle;
  {
    std::lock_guard lock(mu_);
    idle = idleBackends(last_used_, clock_.now(), options_.idle_stop);
  }
  std::vector<std::string> stopped;
  for (const auto& b : idle) {
    if (stopServer(b)) stopped.push_back(b);
  }
  return stopped;
}

void Daemon::startLifecycle() {
  lifecycle_ = std::jthread([this](const std::stop_token& stop) {
    auto next_gc = clock_.now();
    while (!stop.stop_requested()) {
      {
        std::unique_lock lock(lifecycle_mu_);
        lifecycle_cv_.wait_for(lock, stop, options_.lifecycle_interval, [] { return false; });
      }
      if (stop.stop_requested()) break;
      for (const auto& b : stopIdle()) log::info("daemon: '{}' was idle and is stopped", b);
      if (gc_ != nullptr && clock_.now() >= next_gc) {
        next_gc = clock_.now() + options_.gc_interval;
        // An engine that does not answer is logged; the next round tries again.
        if (auto round = gc_->collect(); !round) log::warn("daemon gc: {}", round.error().message);
      }
    }
  });
}

}  // namespace onemcp::orchestrator
