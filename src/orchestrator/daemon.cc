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

Json toolResult(Json structured, const std::string& text, bool is_error = false) {
  mcp::CallToolResult r = mcp::textResult(text, is_error);
  r.structuredContent = std::move(structured);
  return Json(r);
}

mcp::Tool metaTool(std::string name, std::string description, Json schema) {
  mcp::Tool t;
  t.name = std::move(name);
  t.description = std::move(description);
  t.inputSchema = std::move(schema);
  return t;
}

// A running server is reused for a task when its score is at least this share of the
// best offer's.
constexpr float kReuseScoreRatio = 0.8F;

bool needsConsent(ConsentPolicy policy, const Offer& offer) {
  return policy == ConsentPolicy::kAsk || !offer.verified || !offer.consent_reasons.empty();
}

std::int64_t epochMs(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

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

std::string consentText(const Offer& offer) {
  std::string why = offer.verified ? "" : "it has not been verified by the registry";
  for (const auto& r : offer.consent_reasons) why += (why.empty() ? "" : "; ") + r;
  return why;
}

}  // namespace

Result<ConsentPolicy> parseConsentPolicy(std::string_view text) {
  if (text == "ask") return ConsentPolicy::kAsk;
  if (text == "verified") return ConsentPolicy::kVerified;
  if (text == "never") return ConsentPolicy::kNever;
  return fail(ErrorCode::kInvalidInput, "consent must be ask, verified or never; got '" +
                                            std::string(text) + "'");
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

Result<Json> Daemon::onemcpPrompt(ProxySession& session, const Json& args,
                                  mcp::RequestScope& scope) {
  auto task = onemcpPromptTask(args);
  if (!task) return fail(task.error());
  auto found = findTools(session, Json{{"task", *task}}, scope);
  if (!found) return fail(found.error());
  return onemcpPromptResult(*task, found->value("structuredContent", Json::object()));
}

Daemon::~Daemon() {
  lifecycle_.request_stop();
  lifecycle_cv_.notify_all();
  if (lifecycle_.joinable()) lifecycle_.join();
  stopHttp();
  proxy_.reset();
}

void Daemon::registerMetaTools() {
  (void)proxy_->addLocalTool(
      metaTool("find_tools",
               "Find, start and add the tools a task needs. Describe the whole task in plain "
               "words (several needs at once are fine); the tools for each part are added to "
               "this session and listed in the result.",
               {{"type", "object"},
                {"properties", {{"task", {{"type", "string"}, {"description", "what needs doing"}}}}},
                {"required", {"task"}}}),
      [this](ProxySession& s, const Json& a, mcp::RequestScope& sc) { return findTools(s, a, sc); });
  (void)proxy_->addLocalTool(
      metaTool("list_running", "List the servers OneMCP runs and the tools this session has.",
               {{"type", "object"}, {"properties", Json::object()}}),
      [this](ProxySession& s, const Json&, mcp::RequestScope&) { return listRunning(s); });
  (void)proxy_->addLocalTool(
      metaTool("drop_tools", "Remove tools from this session (the servers keep running for others).",
               {{"type", "object"},
                {"properties", {{"tools", {{"type", "array"}, {"items", {{"type", "string"}}}}}}},
                {"required", {"tools"}}}),
      [this](ProxySession& s, const Json& a, mcp::RequestScope&) { return dropTools(s, a); });
  (void)proxy_->addLocalTool(
      metaTool("approve_server",
               "Start a server that find_tools offered but that needs the user's approval "
               "(network, host paths, secrets, or not verified). Call it only after the user agreed.",
               {{"type", "object"},
                {"properties", {{"server_id", {{"type", "string"}}}}},
                {"required", {"server_id"}}}),
      [this](ProxySession& s, const Json& a, mcp::RequestScope&) { return approveServer(s, a); });
  (void)proxy_->addLocalTool(
      metaTool("stop_server",
               "Stop a running server (by the name list_running shows) for every session; its "
               "tools leave all sessions. find_tools starts it again when a task needs it.",
               {{"type", "object"},
                {"properties", {{"server", {{"type", "string"}}}}},
                {"required", {"server"}}}),
      [this](ProxySession&, const Json& a, mcp::RequestScope&) { return stopServerTool(a); });
  (void)proxy_->addLocalTool(
      metaTool("set_secret",
               "Store a value a server needs (an API key, a token, a setting) that find_tools "
               "or approve_server said is missing. Only with a value the user gave for this "
               "purpose. It is kept in the user's private OneMCP config and never shown again.",
               {{"type", "object"},
                {"properties",
                 {{"server_id", {{"type", "string"}}},
                  {"name", {{"type", "string"}, {"description", "the variable's name, e.g. GITHUB_TOKEN"}}},
                  {"value", {{"type", "string"}}}}},
                {"required", {"server_id", "name", "value"}}}),
      [this](ProxySession&, const Json& a, mcp::RequestScope&) { return setSecret(a); });
}

std::vector<std::string> Daemon::missingSecrets(ProxySession* session, const Offer& offer,
                                                mcp::RequestScope* scope) {
  if (offer.secrets.empty()) return {};
  if (secrets_ == nullptr) return offer.secrets;
  auto missing = secrets_->missing(offer.server_id, offer.secrets);
  if (missing.empty() || session == nullptr || scope == nullptr ||
      !session->clientCapabilities().elicitation) {
    return missing;
  }
  Json properties = Json::object();
  for (const auto& name : missing) {
    properties[name] = {{"type", "string"}, {"title", name},
                        {"description", "needed by " + offer.name + " (" + offer.server_id + ")"}};
  }
  Json params = {{"message", "'" + offer.name + "' needs " + std::to_string(missing.size()) +
                                 " value(s) from you to start. OneMCP keeps them in your private "
                                 "config and passes them only to this server."},
                 {"requestedSchema", {{"type", "object"}, {"properties", properties}, {"required", missing}}}};
  mcp::RequestOptions ro;
  ro.timeout = std::chrono::minutes(5);
  auto answer = scope->request(std::string(mcp::method::kElicitationCreate), std::move(params), ro);
  if (answer && answer->value("action", "") == "accept") {
    const Json content = answer->value("content", Json::object());
    for (const auto& name : missing) {
      if (content.contains(name) && content[name].is_string() && !content[name].get<std::string>().empty()) {
        if (auto r = secrets_->put(offer.server_id, name, content[name].get<std::string>()); !r) {
          log::warn("daemon: cannot store a value for '{}': {}", offer.server_id, r.error().message);
        }
      }
    }
  }
  return secrets_->missing(offer.server_id, offer.secrets);
}

Result<Json> Daemon::setSecret(const Json& args) {
  const std::string id = args.value("server_id", "");
  const std::string name = args.value("name", "");
  if (id.empty() || name.empty() || !args.contains("value") || !args["value"].is_string()) {
    return fail(ErrorCode::kInvalidParams, "set_secret needs 'server_id', 'name' and a string 'value'");
  }
  if (secrets_ == nullptr) return fail(ErrorCode::kUnavailable, "this daemon has no secret store");
  if (auto r = secrets_->put(id, name, args["value"].get<std::string>()); !r) {
    return toolResult(Json{{"error", r.error().message}}, r.error().message, true);
  }
  log::info("daemon: stored a value of {} for '{}'", name, id);
  return toolResult(Json{{"stored", name}, {"server_id", id}},
                    name + " stored for '" + id + "'; call approve_server (or find_tools) to start it");
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
  if (auto r = state_->setConsent(server_id, "approved"); !r) log::warn("daemon: {}", r.error().message);
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
  for (int n = 2; taken.contains(name); ++n) name = sandbox::prefixFor(offer.name) + "-" + std::to_string(n);
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
    if (server_id.empty()) return fail(ErrorCode::kNotFound, "no running server named '" + backend + "'");
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

Result<Json> Daemon::stopServerTool(const Json& args) {
  const std::string server = args.value("server", "");
  if (server.empty()) return fail(ErrorCode::kInvalidParams, "stop_server needs 'server' (a name from list_running)");
  if (auto r = stopServer(server); !r) return toolResult(Json{{"error", r.error().message}}, r.error().message, true);
  return toolResult(Json{{"stopped", server}}, "'" + server + "' stopped");
}

bool Daemon::askConsent(ProxySession& session, const Offer& offer, mcp::RequestScope& scope) {
  if (!session.clientCapabilities().elicitation) return false;
  Json params = {{"message", "OneMCP found '" + offer.name + "' (" + offer.server_id +
                                 ") for this task. Start it? Because " + consentText(offer) + "."},
                 {"requestedSchema", {{"type", "object"}, {"properties", Json::object()}}}};
  mcp::RequestOptions ro;
  ro.timeout = std::chrono::minutes(5);
  auto answer = scope.request(std::string(mcp::method::kElicitationCreate), std::move(params), ro);
  return answer && answer->value("action", "") == "accept";
}

Daemon::Placement Daemon::place(ProxySession& session, const std::string& task,
                                mcp::RequestScope& scope) {
  Placement p;
  p.task = task;
  const auto usage = usageBonus();
  p.selection = selector_->select(task, options_.offers_per_task, usage);
  if (p.selection.source == "local") {
    if (placeLocal(p, p.selection)) return p;
    const float best_local = p.selection.best_local;
    p.selection = selector_->fromSource(task, options_.offers_per_task, usage);
    p.selection.best_local = best_local;
  }
  if (!p.selection.note.empty()) p.note += (p.note.empty() ? "" : "; ") + p.selection.note;
  if (p.selection.candidates.empty()) {
    if (p.selection.note.empty()) {
      p.note += (p.note.empty() ? "" : "; ") + std::string("no server in the ") +
                p.selection.source + " fits this task";
    }
    return p;
  }
  std::vector<Offer> offers;
  for (const auto& c : p.selection.candidates) {
    offers.push_back(c.offer);
    offers.back().score = c.score;  // with the usage bonus
  }
  // Running servers first: one among the offers is used as it is, unless it ranks far
  // below the best offer (in a small catalogue every server is "among the offers").
  const float best = offers.front().score;
  for (const auto& o : offers) {
    if (best > 0 && o.score < kReuseScoreRatio * best) continue;
    std::string backend;
    {
      std::lock_guard lock(mu_);
      if (auto it = backend_of_.find(o.server_id); it != backend_of_.end()) backend = it->second;
    }
    if (!backend.empty()) {
      p.server = backend;
      p.tools = toolsOf(backend);
      std::lock_guard lock(mu_);
      if (last_used_.contains(backend)) last_used_[backend] = clock_.now();
      return p;
    }
  }
  if (options_.consent == ConsentPolicy::kNever) {
    p.note = "no running server fits, and starting new servers is turned off (consent: never)";
    return p;
  }
  for (const auto& o : offers) {
    const bool asked = needsConsent(options_.consent, o) && !approvedBefore(o.server_id);
    if (asked && !askConsent(session, o, scope)) {
      p.needs_approval = o;
      p.note = "'" + o.name + "' fits, but needs the user's approval: " + consentText(o) +
               ". Ask the user, then call approve_server with server_id '" + o.server_id + "'.";
      std::string names;
      for (const auto& m : missingSecrets(nullptr, o, nullptr)) names += (names.empty() ? "" : ", ") + m;
      if (!names.empty()) {
        p.note += " Before that, ask the user for " + names + " and call set_secret (server_id, name, value) for each.";
      }
      std::lock_guard lock(mu_);
      pending_[o.server_id] = o;
      return p;
    }
    if (asked) rememberApproval(o.server_id);
    if (auto missing = missingSecrets(&session, o, &scope); !missing.empty()) {
      std::string names;
      for (const auto& m : missing) names += (names.empty() ? "" : ", ") + m;
      std::lock_guard lock(mu_);
      pending_[o.server_id] = o;
      p.needs_approval = o;
      p.note = "'" + o.name + "' fits, but needs " + names + " from the user. Ask the user, then call "
               "set_secret with server_id '" + o.server_id + "' for each, then approve_server.";
      return p;
    }
    auto backend = ensureRunning(o);
    if (!backend) {
      p.note += (p.note.empty() ? "" : "; ") + o.name + " did not start: " + backend.error().message;
      continue;  // the next offer
    }
    p.server = *backend;
    p.tools = toolsOf(*backend);
    p.started = true;
    return p;
  }
  return p;
}

bool Daemon::placeLocal(Placement& p, const Selection& selection) {
  for (const auto& c : selection.candidates) {
    if (c.match < selection.threshold) continue;
    bool running = false;
    {
      std::lock_guard lock(mu_);
      running = backend_of_.contains(c.offer.server_id);
    }
    // An installed server that was stopped starts again (its consent was given when it
    // first started), unless no server may start.
    if (!running && options_.consent == ConsentPolicy::kNever) continue;
    auto backend = ensureRunning(c.offer);
    if (!backend) {
      p.note += (p.note.empty() ? "" : "; ") + c.offer.name +
                " did not start again: " + backend.error().message;
      continue;
    }
    p.server = *backend;
    p.tools = toolsOf(*backend);
    p.started = !running;
    std::lock_guard lock(mu_);
    last_used_[*backend] = clock_.now();
    return true;
  }
  return false;
}

Result<Json> Daemon::findTools(ProxySession& session, const Json& args, mcp::RequestScope& scope) {
  const std::string task = args.value("task", "");
  if (task.empty()) return fail(ErrorCode::kInvalidParams, "find_tools needs a non-empty 'task'");
  SampleFn sample;
  if (session.clientCapabilities().sampling) {
    sample = [&scope](Json params, std::chrono::milliseconds timeout) {
      mcp::RequestOptions ro;
      ro.timeout = timeout;
      return scope.request(std::string(mcp::method::kSamplingCreateMessage), std::move(params), ro);
    };
  }
  const Plan plan = planTasks(task, sample, options_.planner);
  const std::vector<std::string>& parts = plan.tasks;
  Json tasks = Json::array();
  std::vector<std::string> granted;
  std::string text;
  for (const auto& part : parts) {
    Placement p = place(session, part, scope);
    granted.insert(granted.end(), p.tools.begin(), p.tools.end());
    Json entry = {{"task", p.task}, {"tools", p.tools}};
    if (!p.server.empty()) entry["server"] = p.server;
    if (p.started) entry["started"] = true;
    if (p.needs_approval) {
      entry["needs_approval"] = {{"server_id", p.needs_approval->server_id},
                                 {"name", p.needs_approval->name},
                                 {"reasons", consentText(*p.needs_approval)}};
    }
    if (!p.note.empty()) entry["note"] = p.note;
    entry["source"] = p.selection.source;
    entry["scores"] = selectionJson(p.selection);
    tasks.push_back(entry);
    text += "- " + p.task + ": ";
    text += p.tools.empty() ? (p.note.empty() ? "nothing found" : p.note)
                            : std::to_string(p.tools.size()) + " tools from '" + p.server + "'";
    text += "\n";
  }
  if (auto r = grant(session, granted); !r) return fail(r.error());
  Json out = {{"tasks", tasks}, {"planned_by", plan.by}};
  if (!plan.note.empty()) out["plan_note"] = plan.note;
  return toolResult(std::move(out), text);
}

Result<Json> Daemon::listRunning(ProxySession& session) {
  Json servers = Json::array();
  for (const auto& b : proxy_->backends()) {
    servers.push_back({{"name", b.name}, {"up", b.up}, {"tools", b.tools}, {"restarts", b.restarts},
                       {"last_error", b.last_error}, {"runs", b.describe}});
  }
  Json pending = Json::array();
  {
    std::lock_guard lock(mu_);
    for (const auto& [id, o] : pending_) {
      pending.push_back({{"server_id", id}, {"name", o.name}, {"reasons", consentText(o)}});
    }
  }
  // A view keeps the names of a stopped server's tools (they return if it starts again under
  // its name); what a session holds is what of its view is exposed now.
  std::set<std::string> exposed;
  for (const auto& t : proxy_->tools()) exposed.insert(t.name);
  const auto held = [&exposed](const ProxySession& s, std::set<std::string>& into) {
    for (const auto& t : s.view().value_or(std::set<std::string>{})) {
      if (exposed.contains(t)) into.insert(t);
    }
  };
  std::set<std::string> view;
  held(session, view);
  Json out = {{"servers", servers}, {"session_tools", view}, {"pending_approvals", pending}};
  // A session tagged with an editor window also hears what all that window's sessions hold
  // (VS Code chat's and the extension's own).
  if (auto window = windows_.windowOf(session.id())) {
    std::set<std::string> tools;
    auto ids = windows_.sessionsOf(
        *window, [this](const std::string& id) { return proxy_->session(id) != nullptr; });
    for (const auto& id : ids) {
      if (auto other = proxy_->session(id)) held(*other, tools);
    }
    out["window"] = {{"id", *window}, {"sessions", ids.size()}, {"tools", tools}};
  }
  return toolResult(out, out.dump(2));
}

Result<Json> Daemon::dropTools(ProxySession& session, const Json& args) {
  auto names = args.value("tools", Json::array());
  if (!names.is_array()) return fail(ErrorCode::kInvalidParams, "drop_tools needs 'tools': [names]");
  std::set<std::string> view = session.view().value_or(std::set<std::string>{});
  int dropped = 0;
  {
    std::lock_guard lock(mu_);
    for (const auto& n : names) {
      if (!n.is_string()) continue;
      dropped += static_cast<int>(view.erase(n.get<std::string>()));
      recent_[session.id()].remove(n.get<std::string>());
    }
  }
  if (auto r = proxy_->setView(session.id(), view); !r) return fail(r.error());
  return toolResult(Json{{"dropped", dropped}}, std::to_string(dropped) + " tools dropped");
}

Result<Json> Daemon::approveServer(ProxySession& session, const Json& args) {
  const std::string id = args.value("server_id", "");
  std::optional<Offer> offer;
  {
    std::lock_guard lock(mu_);
    if (auto it = pending_.find(id); it != pending_.end()) offer = it->second;
  }
  if (!offer) {
    return fail(ErrorCode::kInvalidParams,
                "no server '" + id + "' is waiting for approval; call find_tools first");
  }
  rememberApproval(offer->server_id);
  if (auto missing = missingSecrets(&session, *offer, nullptr); !missing.empty()) {
    std::string names;
    for (const auto& m : missing) names += (names.empty() ? "" : ", ") + m;
    const std::string msg = "'" + offer->name + "' still needs " + names +
                            ": call set_secret for each with a value from the user, then approve_server again";
    return toolResult(Json{{"error", msg}, {"missing", missing}}, msg, true);
  }
  auto backend = ensureRunning(*offer);
  if (!backend) return toolResult(Json{{"error", backend.error().message}}, backend.error().message, true);
  auto tools = toolsOf(*backend);
  if (auto r = grant(session, tools); !r) return fail(r.error());
  return toolResult(Json{{"server", *backend}, {"tools", tools}},
                    std::to_string(tools.size()) + " tools from '" + *backend + "' added");
}

}  // namespace onemcp::orchestrator
