// What a client session asks of the daemon: the meta-tools (find_tools and its task
// placement, list_running, drop_tools, approve_server, stop_server, set_secret), the
// /onemcp prompt, and the consent and secrets they ask the user for. The daemon's
// lifecycle (starting, restoring, stopping servers, the HTTP endpoint) is daemon.cc.
#include <algorithm>

#include "onemcp/common/log.h"
#include "onemcp/mcp/protocol.h"
#include "onemcp/orchestrator/daemon.h"
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

std::string consentText(const Offer& offer) {
  std::string why = offer.verified ? "" : "it has not been verified by the registry";
  for (const auto& r : offer.consent_reasons) why += (why.empty() ? "" : "; ") + r;
  return why;
}

}  // namespace

Result<Json> Daemon::onemcpPrompt(ProxySession& session, const Json& args,
                                  mcp::RequestScope& scope) {
  auto task = onemcpPromptTask(args);
  if (!task) return fail(task.error());
  auto found = findTools(session, Json{{"task", *task}}, scope);
  if (!found) return fail(found.error());
  return onemcpPromptResult(*task, found->value("structuredContent", Json::object()));
}

void Daemon::registerMetaTools() {
  (void)proxy_->addLocalTool(
      metaTool(
          "find_tools",
          "Find, start and add the tools a task needs. Describe the whole task in plain "
          "words (several needs at once are fine); the tools for each part are added to "
          "this session and listed in the result.",
          {{"type", "object"},
           {"properties", {{"task", {{"type", "string"}, {"description", "what needs doing"}}}}},
           {"required", {"task"}}}),
      [this](ProxySession& s, const Json& a, mcp::RequestScope& sc) {
        return findTools(s, a, sc);
      });
  (void)proxy_->addLocalTool(
      metaTool("list_running", "List the servers OneMCP runs and the tools this session has.",
               {{"type", "object"}, {"properties", Json::object()}}),
      [this](ProxySession& s, const Json&, mcp::RequestScope&) { return listRunning(s); });
  (void)proxy_->addLocalTool(
      metaTool("drop_tools",
               "Remove tools from this session (the servers keep running for others).",
               {{"type", "object"},
                {"properties", {{"tools", {{"type", "array"}, {"items", {{"type", "string"}}}}}}},
                {"required", {"tools"}}}),
      [this](ProxySession& s, const Json& a, mcp::RequestScope&) { return dropTools(s, a); });
  (void)proxy_->addLocalTool(
      metaTool(
          "approve_server",
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
                  {"name",
                   {{"type", "string"}, {"description", "the variable's name, e.g. GITHUB_TOKEN"}}},
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
    properties[name] = {{"type", "string"},
                        {"title", name},
                        {"description", "needed by " + offer.name + " (" + offer.server_id + ")"}};
  }
  Json params = {
      {"message", "'" + offer.name + "' needs " + std::to_string(missing.size()) +
                      " value(s) from you to start. OneMCP keeps them in your private "
                      "config and passes them only to this server."},
      {"requestedSchema", {{"type", "object"}, {"properties", properties}, {"required", missing}}}};
  mcp::RequestOptions ro;
  ro.timeout = std::chrono::minutes(5);
  auto answer = scope->request(std::string(mcp::method::kElicitationCreate), std::move(params), ro);
  if (answer && answer->value("action", "") == "accept") {
    const Json content = answer->value("content", Json::object());
    for (const auto& name : missing) {
      if (content.contains(name) && content[name].is_string() &&
          !content[name].get<std::string>().empty()) {
        if (auto r = secrets_->put(offer.server_id, name, content[name].get<std::string>()); !r) {
          log::warn("daemon: cannot store a value for '{}': {}", offer.server_id,
                    r.error().message);
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
    return fail(ErrorCode::kInvalidParams,
                "set_secret needs 'server_id', 'name' and a string 'value'");
  }
  if (secrets_ == nullptr) return fail(ErrorCode::kUnavailable, "this daemon has no secret store");
  if (auto r = secrets_->put(id, name, args["value"].get<std::string>()); !r) {
    return toolResult(Json{{"error", r.error().message}}, r.error().message, true);
  }
  log::info("daemon: stored a value of {} for '{}'", name, id);
  return toolResult(
      Json{{"stored", name}, {"server_id", id}},
      name + " stored for '" + id + "'; call approve_server (or find_tools) to start it");
}

Result<Json> Daemon::stopServerTool(const Json& args) {
  const std::string server = args.value("server", "");
  if (server.empty())
    return fail(ErrorCode::kInvalidParams, "stop_server needs 'server' (a name from list_running)");
  if (auto r = stopServer(server); !r)
    return toolResult(Json{{"error", r.error().message}}, r.error().message, true);
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
      for (const auto& m : missingSecrets(nullptr, o, nullptr))
        names += (names.empty() ? "" : ", ") + m;
      if (!names.empty()) {
        p.note += " Before that, ask the user for " + names +
                  " and call set_secret (server_id, name, value) for each.";
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
      p.note = "'" + o.name + "' fits, but needs " + names +
               " from the user. Ask the user, then call "
               "set_secret with server_id '" +
               o.server_id + "' for each, then approve_server.";
      return p;
    }
    auto backend = ensureRunning(o);
    if (!backend) {
      p.note +=
          (p.note.empty() ? "" : "; ") + o.name + " did not start: " + backend.error().message;
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
    // A candidate the source confirmed needs no absolute match; one chosen because the
    // source could not be asked must reach the threshold.
    if (!selection.confirmed && c.match < selection.threshold) continue;
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
    servers.push_back({{"name", b.name},
                       {"up", b.up},
                       {"tools", b.tools},
                       {"restarts", b.restarts},
                       {"last_error", b.last_error},
                       {"runs", b.describe}});
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
  if (!names.is_array())
    return fail(ErrorCode::kInvalidParams, "drop_tools needs 'tools': [names]");
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
    const std::string msg =
        "'" + offer->name + "' still needs " + names +
        ": call set_secret for each with a value from the user, then approve_server again";
    return toolResult(Json{{"error", msg}, {"missing", missing}}, msg, true);
  }
  auto backend = ensureRunning(*offer);
  if (!backend)
    return toolResult(Json{{"error", backend.error().message}}, backend.error().message, true);
  auto tools = toolsOf(*backend);
  if (auto r = grant(session, tools); !r) return fail(r.error());
  return toolResult(Json{{"server", *backend}, {"tools", tools}},
                    std::to_string(tools.size()) + " tools from '" + *backend + "' added");
}

}  // namespace onemcp::orchestrator
