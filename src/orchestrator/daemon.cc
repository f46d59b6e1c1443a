#include "onemcp/orchestrator/daemon.h"

#include <algorithm>

#include "onemcp/common/log.h"
#include "onemcp/mcp/protocol.h"
#include "onemcp/sandbox/proxy_names.h"

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

bool needsConsent(ConsentPolicy policy, const Offer& offer) {
  return policy == ConsentPolicy::kAsk || !offer.verified || !offer.consent_reasons.empty();
}

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

Daemon::Daemon(DaemonOptions options, ToolSource& source, const Clock& clock)
    : options_(std::move(options)), source_(source), clock_(clock) {
  sandbox::ProxyOptions po;
  po.info = {"onemcp", "0.1.0", std::nullopt};
  po.instructions =
      "OneMCP finds the tools a task needs. Call find_tools with the task in plain words; the "
      "tools it adds to this session appear in tools/list (you are sent tools/list_changed).";
  po.initial_view = std::set<std::string>{};  // a new session sees the meta-tools only
  po.on_call = [this](const sandbox::CallRecord& call) { touch(call.session_id, call.exposed); };
  proxy_ = std::make_unique<sandbox::McpProxy>(std::move(po), clock_);
  registerMetaTools();
}

Daemon::~Daemon() {
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
}

Result<std::string> Daemon::serveHttp(const std::string& token) {
  mcp::StreamableHttpServerOptions o;
  o.bind_address = options_.bind;
  o.port = options_.port;
  o.bearer_token = token;
  o.allowed_origins = options_.allowed_origins;
  auto http = mcp::StreamableHttpServer::start(o, [this](std::shared_ptr<mcp::Transport> t) {
    if (auto s = proxy_->serve(std::move(t)); !s) {
      log::warn("daemon: cannot start a session: {}", s.error().toString());
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

Result<std::string> Daemon::ensureRunning(const Offer& offer) {
  std::lock_guard start(start_mu_);
  {
    std::lock_guard lock(mu_);
    if (auto it = backend_of_.find(offer.server_id); it != backend_of_.end()) return it->second;
  }
  auto launcher = source_.launcher(offer);
  if (!launcher) return fail(launcher.error());
  std::string name = sandbox::prefixFor(offer.name.empty() ? offer.server_id : offer.name);
  std::set<std::string> taken;
  for (const auto& b : proxy_->backends()) taken.insert(b.name);
  for (int n = 2; taken.contains(name); ++n) name = sandbox::prefixFor(offer.name) + "-" + std::to_string(n);
  sandbox::BackendOptions bo;
  bo.name = name;
  bo.call_timeout = options_.call_timeout;
  if (auto up = proxy_->attach(std::move(bo), std::move(*launcher)); !up) return fail(up.error());
  std::lock_guard lock(mu_);
  backend_of_[offer.server_id] = name;
  pending_.erase(offer.server_id);
  return name;
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
  auto offers = source_.find(task, options_.offers_per_task);
  if (!offers) {
    p.note = "searching the catalogue failed: " + offers.error().message;
    return p;
  }
  if (offers->empty()) {
    p.note = "no server in the catalogue fits this task";
    return p;
  }
  // Running servers first: one among the offers is used as it is.
  for (const auto& o : *offers) {
    std::string backend;
    {
      std::lock_guard lock(mu_);
      if (auto it = backend_of_.find(o.server_id); it != backend_of_.end()) backend = it->second;
    }
    if (!backend.empty()) {
      p.server = backend;
      p.tools = toolsOf(backend);
      return p;
    }
  }
  if (options_.consent == ConsentPolicy::kNever) {
    p.note = "no running server fits, and starting new servers is turned off (consent: never)";
    return p;
  }
  for (const auto& o : *offers) {
    if (needsConsent(options_.consent, o) && !askConsent(session, o, scope)) {
      std::lock_guard lock(mu_);
      pending_[o.server_id] = o;
      p.needs_approval = o;
      p.note = "'" + o.name + "' fits, but needs the user's approval: " + consentText(o) +
               ". Ask the user, then call approve_server with server_id '" + o.server_id + "'.";
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
  auto view = session.view().value_or(std::set<std::string>{});
  Json out = {{"servers", servers}, {"session_tools", view}};
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
  auto backend = ensureRunning(*offer);
  if (!backend) return toolResult(Json{{"error", backend.error().message}}, backend.error().message, true);
  auto tools = toolsOf(*backend);
  if (auto r = grant(session, tools); !r) return fail(r.error());
  return toolResult(Json{{"server", *backend}, {"tools", tools}},
                    std::to_string(tools.size()) + " tools from '" + *backend + "' added");
}

}  // namespace onemcp::orchestrator
