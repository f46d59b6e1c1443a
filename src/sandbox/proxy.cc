#include "onemcp/sandbox/proxy.h"

#include <algorithm>
#include <functional>

#include "onemcp/common/log.h"
#include "onemcp/mcp/protocol.h"
#include "onemcp/mcp/server.h"
#include "proxy_catalog.h"
#include "proxy_deadlines.h"

namespace onemcp::sandbox {
namespace {

// Prompts get their names from the same table as tools, under a key of their own; so do
// local tools.
std::string promptOwner(const std::string& backend) { return backend + "\x1fprompt"; }
constexpr const char* kLocalOwner = "\x1flocal";

std::string_view listChangedOf(ListKind kind) {
  switch (kind) {
    case ListKind::kTools:
      return mcp::notification::kToolsListChanged;
    case ListKind::kResources:
      return mcp::notification::kResourcesListChanged;
    case ListKind::kPrompts:
      return mcp::notification::kPromptsListChanged;
  }
  return mcp::notification::kToolsListChanged;
}

// Which capability a server -> client request needs.
std::optional<Json> capabilityFor(const mcp::ClientCapabilities& caps, std::string_view method) {
  if (method == mcp::method::kSamplingCreateMessage) return caps.sampling;
  if (method == mcp::method::kElicitationCreate) return caps.elicitation;
  if (method == mcp::method::kRootsList) return caps.roots;
  return Json::object();  // anything else: let the client decide
}

}  // namespace

std::shared_ptr<Backend> ProxyCatalog::resourceOwner(const std::string& uri) const {
  if (auto it = resources.find(uri); it != resources.end()) return it->second;
  for (const auto& [tmpl, backend] : templates) {
    if (tmpl == uri || mcp::matchUriTemplate(tmpl, uri)) return backend;
  }
  return nullptr;
}

McpProxy::McpProxy(ProxyOptions options, const Clock& clock)
    : options_(std::move(options)), clock_(clock),
      pool_(std::make_unique<mcp::ThreadPool>(options_.worker_threads)),
      deadlines_(std::make_unique<Deadlines>()),
      catalog_(std::make_shared<const ProxyCatalog>()) {}

McpProxy::~McpProxy() {
  std::map<std::string, std::shared_ptr<ProxySession>> sessions;
  {
    std::lock_guard lock(sessions_mu_);
    sessions.swap(sessions_);
  }
  for (auto& [id, s] : sessions) s->close();
  std::vector<std::shared_ptr<Entry>> entries;
  {
    std::lock_guard lock(catalog_mu_);
    entries.swap(entries_);
    catalog_ = std::make_shared<const ProxyCatalog>();
  }
  for (auto& e : entries) e->backend->stop();  // fails the calls in flight
  pool_.reset();  // joins: no handler runs past this point
  deadlines_.reset();
  sessions.clear();
  entries.clear();
}

std::shared_ptr<const ProxyCatalog> McpProxy::catalog() const {
  std::lock_guard lock(catalog_mu_);
  return catalog_;
}

std::shared_ptr<McpProxy::Entry> McpProxy::entryOf(const Backend& backend) const {
  std::lock_guard lock(catalog_mu_);
  for (const auto& e : entries_) {
    if (e->backend.get() == &backend) return e;
  }
  return nullptr;
}

Result<void> McpProxy::attach(BackendOptions options, std::unique_ptr<BackendLauncher> launcher) {
  if (options.name.empty()) return fail(ErrorCode::kInvalidInput, "a backend needs a name");
  {
    std::lock_guard lock(catalog_mu_);
    for (const auto& e : entries_) {
      if (e->backend->name() == options.name) {
        return fail(ErrorCode::kInvalidInput, "a server named '" + options.name + "' is already attached");
      }
    }
  }
  Backend::Hooks hooks;
  hooks.on_list_changed = [this](Backend& b, ListKind kind) {
    if (auto r = rebuild(&b, kind); !r) log::warn("proxy: {}", r.error().toString());
  };
  hooks.on_request = [this](Backend& b, const mcp::Request& req, mcp::RequestScope& scope) {
    return relay(b, req, scope);
  };
  hooks.on_notification = [this](Backend& b, const mcp::Notification& n) {
    onBackendNotification(b, n);
  };
  const std::string name = options.name;
  auto backend = std::make_shared<Backend>(std::move(options), std::move(launcher),
                                           std::move(hooks), *pool_, clock_);
  if (auto up = backend->ensureUp(); !up) {
    backend->stop();
    return fail(up.error());
  }
  auto entry = std::make_shared<Entry>();
  entry->backend = backend;
  {
    std::lock_guard lock(catalog_mu_);
    entries_.push_back(entry);
  }
  if (auto r = rebuild(backend.get(), ListKind::kTools); !r) {
    {
      std::lock_guard lock(catalog_mu_);
      std::erase(entries_, entry);
    }
    {
      std::lock_guard lock(rebuild_mu_);
      names_.removeBackend(name);
      names_.removeBackend(promptOwner(name));
    }
    backend->stop();
    (void)rebuild(nullptr, ListKind::kTools);
    return fail(r.error());
  }
  log::info("proxy: attached server '{}' ({} tools)", name, backend->lists().tools.size());
  return {};
}

Result<void> McpProxy::detach(const std::string& name) {
  std::shared_ptr<Entry> entry;
  {
    std::lock_guard lock(catalog_mu_);
    auto it = std::find_if(entries_.begin(), entries_.end(),
                           [&](const auto& e) { return e->backend->name() == name; });
    if (it == entries_.end()) return fail(ErrorCode::kNotFound, "no server named '" + name + "'");
    entry = *it;
    entries_.erase(it);
  }
  {
    std::lock_guard lock(rebuild_mu_);
    names_.removeBackend(name);
    names_.removeBackend(promptOwner(name));
  }
  auto r = rebuild(entry->backend.get(), ListKind::kTools);
  entry->backend->stop();
  return r;
}

Result<void> McpProxy::rebuild(const Backend* origin, ListKind kind) {
  std::lock_guard rebuild_lock(rebuild_mu_);
  std::vector<std::shared_ptr<Entry>> entries;
  std::shared_ptr<const ProxyCatalog> before;
  {
    std::lock_guard lock(catalog_mu_);
    entries = entries_;
    before = catalog_;
  }
  auto next = std::make_shared<ProxyCatalog>();
  for (const auto& [def, handler] : local_) {
    const std::string name = def.value("name", "");
    next->tools.emplace(name, ProxyRoute{nullptr, name, handler});
    next->tool_list.push_back(ProxyToolEntry{name, def, true});
  }
  for (const auto& [def, handler] : local_prompts_) {
    const std::string name = def.value("name", "");
    next->prompts.emplace(name, ProxyRoute{nullptr, name, handler});
    next->prompt_list.push_back(def);
  }
  for (const auto& e : entries) {
    const auto& b = e->backend;
    const BackendLists lists = b->lists();
    const std::string prefix = b->prefix();
    auto& mine = next->tools_of[b->name()];
    for (const auto& tool : lists.tools) {
      const std::string original = tool.value("name", "");
      auto exposed = names_.assign(b->name(), prefix, original);
      if (!exposed) {
        // Only a new backend can be refused; a running one skips the clashing tool.
        if (b.get() == origin && !before->tools_of.contains(b->name())) return fail(exposed.error());
        log::warn("proxy: {}", exposed.error().toString());
        continue;
      }
      Json def = tool;
      def["name"] = *exposed;
      next->tools.emplace(*exposed, ProxyRoute{b, original, nullptr});
      next->tool_list.push_back(ProxyToolEntry{*exposed, std::move(def), false});
      mine.insert(*exposed);
    }
    for (const auto& prompt : lists.prompts) {
      const std::string original = prompt.value("name", "");
      auto exposed = names_.assign(promptOwner(b->name()), prefix, original);
      if (!exposed) {
        log::warn("proxy: prompt {}", exposed.error().toString());
        continue;
      }
      Json def = prompt;
      def["name"] = *exposed;
      next->prompts.emplace(*exposed, ProxyRoute{b, original, nullptr});
      next->prompt_list.push_back(std::move(def));
    }
    for (const auto& resource : lists.resources) {
      const std::string uri = resource.value("uri", "");
      if (next->resources.emplace(uri, b).second) next->resource_list.push_back(resource);
    }
    for (const auto& tmpl : lists.templates) {
      next->templates.emplace_back(tmpl.value("uriTemplate", ""), b);
      next->template_list.push_back(tmpl);
    }
  }
  {
    std::lock_guard lock(catalog_mu_);
    catalog_ = next;
  }
  announce(*before, *next, origin, kind);
  return {};
}

std::vector<std::shared_ptr<ProxySession>> McpProxy::liveSessions() {
  std::lock_guard lock(sessions_mu_);
  std::vector<std::shared_ptr<ProxySession>> out;
  for (auto it = sessions_.begin(); it != sessions_.end();) {
    if (it->second->closed()) {
      it = sessions_.erase(it);
    } else {
      out.push_back(it->second);
      ++it;
    }
  }
  return out;
}

std::size_t McpProxy::fingerprint(const ProxySession& session, const ProxyCatalog& cat) const {
  std::size_t h = 0;
  const auto view = session.view();
  for (const auto& entry : cat.tool_list) {
    if (!entry.local && view && !view->contains(entry.name)) continue;
    h = h * 1000003u ^ std::hash<std::string>{}(entry.definition.dump());
  }
  return h;
}

void McpProxy::announce(const ProxyCatalog& before, const ProxyCatalog& after,
                        const Backend* origin, ListKind kind) {
  const bool resources_changed = before.resource_list != after.resource_list ||
                                 before.template_list != after.template_list;
  const bool prompts_changed = before.prompt_list != after.prompt_list;
  auto seesOrigin = [&](const ProxySession& s, const ProxyCatalog& cat) {
    if (origin == nullptr) return false;
    auto it = cat.tools_of.find(origin->name());
    if (it == cat.tools_of.end()) return false;
    auto view = s.view();
    if (!view) return true;
    return std::any_of(it->second.begin(), it->second.end(),
                       [&](const std::string& t) { return view->contains(t); });
  };
  for (const auto& s : liveSessions()) {
    const std::size_t fp = fingerprint(*s, after);
    bool tools_changed = false;
    {
      std::lock_guard lock(s->mu_);
      if (!s->initialized_) {
        s->tools_fingerprint_ = fp;
        continue;
      }
      tools_changed = fp != s->tools_fingerprint_;
      s->tools_fingerprint_ = fp;
    }
    // A backend's own list_changed reaches every session that sees that backend, even
    // when the list it sent is the same (the backend may know better).
    if (kind == ListKind::kTools && (seesOrigin(*s, before) || seesOrigin(*s, after))) {
      tools_changed = true;
    }
    if (tools_changed) (void)s->notify(std::string(listChangedOf(ListKind::kTools)));
    if (resources_changed || (kind == ListKind::kResources && origin != nullptr)) {
      (void)s->notify(std::string(listChangedOf(ListKind::kResources)));
    }
    if (prompts_changed || (kind == ListKind::kPrompts && origin != nullptr)) {
      (void)s->notify(std::string(listChangedOf(ListKind::kPrompts)));
    }
  }
}

Result<std::shared_ptr<ProxySession>> McpProxy::serve(std::shared_ptr<mcp::Transport> transport) {
  std::string id;
  {
    std::lock_guard lock(sessions_mu_);
    id = "s" + std::to_string(next_session_++);
  }
  auto session = std::make_shared<ProxySession>(*this, id, std::move(transport));
  session->view_ = options_.initial_view;
  {
    std::lock_guard lock(sessions_mu_);
    sessions_[id] = session;
  }
  if (auto started = session->start(*pool_, options_.limits); !started) {
    std::lock_guard lock(sessions_mu_);
    sessions_.erase(id);
    return fail(started.error());
  }
  return session;
}

Result<void> McpProxy::setView(const std::string& session_id,
                               std::optional<std::set<std::string>> tools) {
  std::shared_ptr<ProxySession> session;
  {
    std::lock_guard lock(sessions_mu_);
    auto it = sessions_.find(session_id);
    if (it != sessions_.end() && !it->second->closed()) session = it->second;
  }
  if (!session) return fail(ErrorCode::kNotFound, "no open session '" + session_id + "'");
  auto cat = catalog();
  bool changed = false;
  {
    std::lock_guard lock(session->mu_);
    session->view_ = std::move(tools);
  }
  const std::size_t fp = fingerprint(*session, *cat);
  {
    std::lock_guard lock(session->mu_);
    changed = session->initialized_ && fp != session->tools_fingerprint_;
    session->tools_fingerprint_ = fp;
  }
  if (changed) return session->notify(std::string(mcp::notification::kToolsListChanged));
  return {};
}

std::vector<ExposedTool> McpProxy::tools() const {
  auto cat = catalog();
  std::vector<ExposedTool> out;
  for (const auto& entry : cat->tool_list) {
    const auto& route = cat->tools.at(entry.name);
    out.push_back(ExposedTool{entry.name, route.backend ? route.backend->name() : std::string(),
                              route.original, entry.definition});
  }
  return out;
}

std::vector<BackendStatus> McpProxy::backends() const {
  std::vector<std::shared_ptr<Entry>> entries;
  {
    std::lock_guard lock(catalog_mu_);
    entries = entries_;
  }
  std::vector<BackendStatus> out;
  for (const auto& e : entries) out.push_back(e->backend->status());
  return out;
}

std::size_t McpProxy::sessionCount() { return liveSessions().size(); }

std::shared_ptr<ProxySession> McpProxy::session(const std::string& id) {
  std::lock_guard lock(sessions_mu_);
  auto it = sessions_.find(id);
  return it != sessions_.end() && !it->second->closed() ? it->second : nullptr;
}

namespace {

// Reserves a local tool's or prompt's name as it is (`what`: "tool" or "prompt"), or says
// why it cannot be had. The caller holds rebuild_mu_.
Result<void> reserveLocalName(NameTable& names, const std::string& owner, const std::string& name,
                              const std::string& what) {
  if (!isExposableName(name)) {
    return fail(ErrorCode::kInvalidInput,
                "'" + name + "' is not a valid exposed " + what + " name");
  }
  if (names.nameOf(owner, name)) {
    return fail(ErrorCode::kInvalidInput, "a local " + what + " '" + name + "' already exists");
  }
  auto assigned = names.assign(owner, "", name);
  if (!assigned || *assigned != name) {
    return fail(ErrorCode::kInvalidInput, "the " + what + " name '" + name + "' is already taken");
  }
  return {};
}

}  // namespace

Result<void> McpProxy::addLocalTool(mcp::Tool tool, LocalToolHandler handler) {
  {
    std::lock_guard lock(rebuild_mu_);
    ONEMCP_TRY(reserveLocalName(names_, kLocalOwner, tool.name, "tool"));
    local_.emplace_back(Json(tool), std::make_shared<const LocalToolHandler>(std::move(handler)));
  }
  return rebuild(nullptr, ListKind::kTools);
}

Result<void> McpProxy::addLocalPrompt(mcp::Prompt prompt, LocalPromptHandler handler) {
  {
    std::lock_guard lock(rebuild_mu_);
    ONEMCP_TRY(reserveLocalName(names_, promptOwner(kLocalOwner), prompt.name, "prompt"));
    local_prompts_.emplace_back(Json(prompt),
                                std::make_shared<const LocalPromptHandler>(std::move(handler)));
  }
  return rebuild(nullptr, ListKind::kPrompts);
}

Result<Json> McpProxy::forward(ProxySession& session, const std::shared_ptr<Backend>& backend,
                               std::string method, Json params, mcp::RequestScope& scope) {
  mcp::RequestOptions options;
  options.timeout = backend->options().call_timeout;
  options.stop = scope.stopToken();
  if (scope.progressToken()) {
    options.on_progress = [relay_scope = scope](const mcp::ProgressParams& p) mutable {
      (void)relay_scope.progress(p.progress, p.total, p.message);
    };
  }
  auto entry = entryOf(*backend);
  std::list<std::shared_ptr<ActiveCall>>::iterator mine;
  if (entry) {
    std::lock_guard lock(entry->mu);
    mine = entry->active.insert(entry->active.end(),
                                std::make_shared<ActiveCall>(ActiveCall{session.weak_from_this(), scope}));
  }
  auto result = backend->request(std::move(method), std::move(params), options);
  if (entry) {
    std::lock_guard lock(entry->mu);
    entry->active.erase(mine);
  }
  return result;
}

void McpProxy::forwardAsync(ProxySession& session, const ProxyRoute& route,
                            const std::string& exposed, Json params, mcp::RequestScope& scope,
                            mcp::Peer::Reply reply) {
  auto call = std::make_shared<AsyncCall>();
  call->deadlines = deadlines_.get();
  call->backend = route.backend;
  call->session_id = session.id();
  call->original = route.original;
  call->exposed = exposed;
  call->started = clock_.now();
  call->reply = std::move(reply);
  call->entry = entryOf(*route.backend);
  if (call->entry) {
    std::lock_guard lock(call->entry->mu);
    call->active = call->entry->active.insert(
        call->entry->active.end(),
        std::make_shared<ActiveCall>(ActiveCall{session.weak_from_this(), scope}));
  }
  mcp::AsyncRequestOptions options;
  if (scope.progressToken()) {
    options.on_progress = [relay_scope = scope](const mcp::ProgressParams& p) mutable {
      (void)relay_scope.progress(p.progress, p.total, p.message);
    };
  }
  std::weak_ptr<AsyncCall> weak = call;
  {
    std::lock_guard lock(call->mu);
    call->deadline = deadlines_->at(
        std::chrono::steady_clock::now() + route.backend->options().call_timeout, [this, weak] {
          if (auto c = weak.lock()) expire(*c, false);
        });
  }
  call->on_client_cancel.emplace(scope.stopToken(), std::function<void()>([this, weak] {
                                   if (auto c = weak.lock()) expire(*c, true);
                                 }));
  route.backend->requestAsync(
      std::string(mcp::method::kToolsCall), std::move(params), std::move(options),
      [call](const std::shared_ptr<mcp::Peer>& peer, const mcp::RequestId& id) {
        bool late = false;
        {
          std::lock_guard lock(call->mu);
          call->peer = peer;
          call->backend_id = id;
          late = call->finished;
        }
        // Timed out or cancelled while the backend was starting: tell it now.
        if (late) {
          (void)peer->cancelRequest(id, Error(ErrorCode::kRequestCancelled, "already finished"),
                                    "the call ended before it reached the server");
        }
      },
      [this, call](Result<Json> result) { finish(*call, std::move(result)); });
}

void McpProxy::expire(AsyncCall& call, bool by_client) {
  std::shared_ptr<mcp::Peer> peer;
  std::optional<mcp::RequestId> id;
  {
    std::lock_guard lock(call.mu);
    if (call.finished) return;
    peer = call.peer;
    id = call.backend_id;
  }
  const Error error = by_client
                          ? Error(ErrorCode::kRequestCancelled, "tools/call was cancelled")
                          : Error(ErrorCode::kTimeout, "timed out");
  const std::string reason = by_client ? "cancelled by the caller" : "timed out";
  // Sent: cancelling it finishes the call through the backend's answer path (which names
  // the server). Not sent yet (the backend is starting): finish it here.
  if (peer && id && peer->cancelRequest(*id, error, reason)) return;
  finish(call, fail(call.backend->named(error, mcp::method::kToolsCall)));
}

void McpProxy::finish(AsyncCall& call, Result<Json> result) {
  mcp::Peer::Reply reply;
  std::uint64_t deadline = 0;
  {
    std::lock_guard lock(call.mu);
    if (call.finished) return;
    call.finished = true;
    reply = std::move(call.reply);
    deadline = call.deadline;
  }
  call.deadlines->cancel(deadline);
  if (call.entry) {
    std::lock_guard lock(call.entry->mu);
    call.entry->active.erase(call.active);
  }
  if (options_.on_call) {
    options_.on_call(CallRecord{
        call.session_id, call.backend->name(), call.original, call.exposed, result.has_value(),
        std::chrono::duration_cast<std::chrono::microseconds>(clock_.now() - call.started)});
  }
  reply(std::move(result));
}

Result<Json> McpProxy::relay(Backend& backend, const mcp::Request& req,
                             mcp::RequestScope& scope) {
  std::shared_ptr<ActiveCall> call;
  if (auto entry = entryOf(backend)) {
    std::lock_guard lock(entry->mu);
    for (auto it = entry->active.rbegin(); it != entry->active.rend() && !call; ++it) {
      if (!(*it)->session.expired()) call = *it;
    }
  }
  mcp::RequestOptions options;
  options.timeout = options_.client_request_timeout;
  options.stop = scope.stopToken();
  const Json params = req.params.value_or(Json::object());
  if (call) {
    auto session = call->session.lock();
    if (!session) return fail(ErrorCode::kUnavailable, "the calling client session has closed");
    if (!capabilityFor(session->clientCapabilities(), req.method)) {
      return fail(ErrorCode::kMethodNotFound,
                  "server '" + backend.name() + "' asked for " + req.method +
                      ", which the calling client does not support");
    }
    return call->scope.request(req.method, params, options);
  }
  // Not during a call (roots/list right after initialize, say): any session that sees
  // the server and can answer.
  auto cat = catalog();
  for (const auto& s : liveSessions()) {
    if (!capabilityFor(s->clientCapabilities(), req.method)) continue;
    auto it = cat->tools_of.find(backend.name());
    auto view = s->view();
    bool sees = !view || (it != cat->tools_of.end() &&
                          std::any_of(it->second.begin(), it->second.end(),
                                      [&](const std::string& t) { return view->contains(t); }));
    if (sees) return s->request(req.method, params, options);
  }
  return fail(ErrorCode::kMethodNotFound, "server '" + backend.name() + "' asked for " +
                                              req.method + ", but no client session can answer it");
}

void McpProxy::onBackendNotification(Backend& backend, const mcp::Notification& n) {
  if (n.method == mcp::notification::kMessage) {
    const Json params = n.params.value_or(Json::object());
    std::shared_ptr<ActiveCall> call;
    if (auto entry = entryOf(backend)) {
      std::lock_guard lock(entry->mu);
      if (!entry->active.empty()) call = entry->active.back();
    }
    if (call) {
      auto session = call->session.lock();
      if (session && session->logEnabled(params)) {
        (void)call->scope.notify(n.method, params);
      }
      return;
    }
    for (const auto& s : liveSessions()) {
      if (s->logEnabled(params)) (void)s->notify(n.method, params);
    }
    return;
  }
  if (n.method == mcp::notification::kResourcesUpdated) {
    const Json params = n.params.value_or(Json::object());
    const std::string uri = params.value("uri", "");
    for (const auto& s : liveSessions()) {
      if (s->subscribed(uri)) (void)s->notify(n.method, params);
    }
    return;
  }
  log::debug("proxy: dropping {} from server '{}'", n.method, backend.name());
}

}  // namespace onemcp::sandbox
