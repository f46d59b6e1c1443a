// The client-facing half of the proxy: one ProxySession per client, answering
// initialize and the list methods from the catalogue snapshot and forwarding everything
// else to the backend that owns it.
#include <utility>

#include "onemcp/common/log.h"
#include "onemcp/mcp/protocol.h"
#include "onemcp/sandbox/proxy.h"
#include "proxy_catalog.h"

namespace onemcp::sandbox {
namespace {

const Json& paramsOf(const mcp::Request& req) {
  static const Json kEmpty = Json::object();
  return req.params && req.params->is_object() ? *req.params : kEmpty;
}

Result<std::string> stringParam(const Json& params, const char* key, std::string_view method) {
  auto it = params.find(key);
  if (it == params.end() || !it->is_string()) {
    return fail(ErrorCode::kInvalidParams,
                std::string(method) + " needs a string '" + key + "' parameter");
  }
  return it->get<std::string>();
}

Json listResult(const char* key, const std::vector<Json>& items) {
  Json out = Json::object();
  out[key] = items;
  return out;
}

}  // namespace

ProxySession::ProxySession(McpProxy& proxy, std::string id,
                           std::shared_ptr<mcp::Transport> transport)
    : proxy_(proxy), id_(std::move(id)), transport_(std::move(transport)) {}

ProxySession::~ProxySession() { peer_.reset(); }

Result<void> ProxySession::start(mcp::Executor& executor, const mcp::ParseLimits& limits) {
  std::weak_ptr<ProxySession> weak = weak_from_this();
  mcp::Peer::Options po;
  po.executor = &executor;
  po.limits = limits;
  po.name = "proxy session " + id_;
  po.inline_request = [weak](mcp::Request& req, mcp::RequestScope& scope, mcp::Peer::Reply& reply) {
    auto self = weak.lock();
    return self && self->handleInline(req, scope, reply);
  };
  peer_ = std::make_unique<mcp::Peer>(
      transport_, std::move(po),
      [weak](const mcp::Request& req, mcp::RequestScope& scope) -> Result<Json> {
        auto self = weak.lock();
        if (!self) return fail(ErrorCode::kClosed, "session closed");
        return self->handle(req, scope);
      },
      [weak](const mcp::Notification& n) {
        auto self = weak.lock();
        if (!self) return;
        if (n.method == mcp::notification::kRootsListChanged) {
          // Every backend may ask for roots again; tell them all.
          std::vector<std::shared_ptr<McpProxy::Entry>> entries;
          {
            std::lock_guard lock(self->proxy_.catalog_mu_);
            entries = self->proxy_.entries_;
          }
          for (const auto& e : entries) e->backend->notify(n.method, n.params);
        }
      },
      [weak](const Error& reason) {
        log::debug("proxy: client session closed: {}", reason.toString());
        if (auto self = weak.lock()) {
          std::lock_guard lock(self->mu_);
          self->closed_ = true;
          self->closed_cv_.notify_all();
        }
      });
  return peer_->start();
}

bool ProxySession::closed() const {
  std::lock_guard lock(mu_);
  return closed_;
}

bool ProxySession::waitClosed(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  return closed_cv_.wait_for(lock, timeout, [this] { return closed_; });
}

void ProxySession::close() {
  if (peer_) peer_->close();
  std::lock_guard lock(mu_);
  closed_ = true;
  closed_cv_.notify_all();
}

mcp::ClientCapabilities ProxySession::clientCapabilities() const {
  std::lock_guard lock(mu_);
  return client_caps_;
}

std::optional<std::set<std::string>> ProxySession::view() const {
  std::lock_guard lock(mu_);
  return view_;
}

bool ProxySession::sees(const std::string& exposed_tool) const {
  std::lock_guard lock(mu_);
  return !view_ || view_->contains(exposed_tool);
}

bool ProxySession::subscribed(const std::string& uri) const {
  std::lock_guard lock(mu_);
  return subscriptions_.contains(uri);
}

bool ProxySession::logEnabled(const Json& params) const {
  auto level = mcp::parseLoggingLevel(params.value("level", ""));
  std::lock_guard lock(mu_);
  return !min_level_ || !level || *level >= *min_level_;
}

Result<void> ProxySession::notify(std::string method, std::optional<Json> params) {
  if (!peer_) return fail(ErrorCode::kClosed, "session not started");
  return peer_->notify(std::move(method), std::move(params));
}

Result<Json> ProxySession::request(std::string method, Json params, mcp::RequestOptions options) {
  if (!peer_) return fail(ErrorCode::kClosed, "session not started");
  return peer_->request(std::move(method), std::move(params), options);
}

bool ProxySession::handleInline(mcp::Request& req, mcp::RequestScope& scope,
                                mcp::Peer::Reply& reply) {
  if (req.method != mcp::method::kToolsCall || !req.params || !req.params->is_object()) return false;
  auto name = req.params->find("name");
  if (name == req.params->end() || !name->is_string()) return false;
  const std::string exposed = name->get<std::string>();
  auto cat = proxy_.catalog();
  auto it = cat->tools.find(exposed);
  // Unknown, hidden and local tools take the worker path (errors, blocking handlers).
  if (it == cat->tools.end() || it->second.local || !it->second.backend || !sees(exposed)) {
    return false;
  }
  Json forwarded = std::move(*req.params);
  forwarded["name"] = it->second.original;
  proxy_.forwardAsync(*this, it->second, exposed, std::move(forwarded), scope, std::move(reply));
  return true;
}

Result<Json> ProxySession::handle(const mcp::Request& req, mcp::RequestScope& scope) {
  const Json& params = paramsOf(req);
  const std::string& m = req.method;
  if (m == mcp::method::kInitialize) return initialize(params);
  if (m == mcp::method::kPing) return Json::object();
  if (m == mcp::method::kToolsCall) return callTool(params, scope);
  if (m == mcp::method::kToolsList) return listTools();
  auto cat = proxy_.catalog();
  if (m == mcp::method::kResourcesList) return listResult("resources", cat->resource_list);
  if (m == mcp::method::kResourcesTemplatesList) {
    return listResult("resourceTemplates", cat->template_list);
  }
  if (m == mcp::method::kPromptsList) return listResult("prompts", cat->prompt_list);
  if (m == mcp::method::kResourcesRead) return readResource(params, scope);
  if (m == mcp::method::kResourcesSubscribe) return subscribe(params, true, scope);
  if (m == mcp::method::kResourcesUnsubscribe) return subscribe(params, false, scope);
  if (m == mcp::method::kPromptsGet) return getPrompt(params, scope);
  if (m == mcp::method::kCompletionComplete) return complete(params, scope);
  if (m == mcp::method::kLoggingSetLevel) return setLevel(params);
  return fail(ErrorCode::kMethodNotFound, "method not found: " + m);
}

Result<Json> ProxySession::initialize(const Json& params) {
  auto p = mcp::decode<mcp::InitializeParams>(params);
  if (!p) return fail(p.error());
  const std::string version(mcp::negotiateVersion(p->protocolVersion));
  {
    std::lock_guard lock(mu_);
    if (initialized_) return fail(ErrorCode::kInvalidRequest, "the session is already initialized");
    initialized_ = true;
    client_caps_ = p->capabilities;
  }
  peer_->setBatchesAllowed(mcp::batchesAllowed(version));
  {
    auto cat = proxy_.catalog();
    const std::size_t fp = proxy_.fingerprint(*this, *cat);
    std::lock_guard lock(mu_);
    tools_fingerprint_ = fp;
  }
  const auto& info = proxy_.options_.info;
  Json result = {{"protocolVersion", version},
                 {"capabilities",
                  {{"tools", {{"listChanged", true}}},
                   {"resources", {{"subscribe", true}, {"listChanged", true}}},
                   {"prompts", {{"listChanged", true}}},
                   {"logging", Json::object()},
                   {"completions", Json::object()}}},
                 {"serverInfo", {{"name", info.name}, {"version", info.version}}}};
  if (proxy_.options_.instructions) result["instructions"] = *proxy_.options_.instructions;
  return result;
}

Result<Json> ProxySession::listTools() const {
  auto cat = proxy_.catalog();
  const auto view = this->view();
  Json tools = Json::array();
  for (const auto& entry : cat->tool_list) {
    if (entry.local || !view || view->contains(entry.name)) tools.push_back(entry.definition);
  }
  return Json{{"tools", std::move(tools)}};
}

Result<Json> ProxySession::callTool(const Json& params, mcp::RequestScope& scope) {
  auto name = stringParam(params, "name", mcp::method::kToolsCall);
  if (!name) return fail(name.error());
  auto cat = proxy_.catalog();
  auto it = cat->tools.find(*name);
  if (it == cat->tools.end() || (!it->second.local && !sees(*name))) {
    return fail(ErrorCode::kInvalidParams, "unknown tool '" + *name + "'");
  }
  const ProxyRoute& route = it->second;
  if (route.local) {
    return (*route.local)(*this, params.value("arguments", Json::object()), scope);
  }
  // A backend's tool normally goes through handleInline; it gets here only when the
  // catalogue changed between that look and this one. Forward it the blocking way.
  Json forwarded = params;
  forwarded["name"] = route.original;
  const auto started = proxy_.clock_.now();
  auto result = proxy_.forward(*this, route.backend, std::string(mcp::method::kToolsCall),
                               std::move(forwarded), scope);
  if (proxy_.options_.on_call) {
    proxy_.options_.on_call(CallRecord{
        id_, route.backend->name(), route.original, *name, result.has_value(),
        std::chrono::duration_cast<std::chrono::microseconds>(proxy_.clock_.now() - started)});
  }
  return result;
}

Result<Json> ProxySession::readResource(const Json& params, mcp::RequestScope& scope) {
  auto uri = stringParam(params, "uri", mcp::method::kResourcesRead);
  if (!uri) return fail(uri.error());
  auto owner = proxy_.catalog()->resourceOwner(*uri);
  if (!owner) {
    return fail(ErrorCode::kResourceNotFound, "no server has the resource '" + *uri + "'");
  }
  return proxy_.forward(*this, owner, std::string(mcp::method::kResourcesRead), params, scope);
}

Result<Json> ProxySession::subscribe(const Json& params, bool on, mcp::RequestScope& scope) {
  const auto method = on ? mcp::method::kResourcesSubscribe : mcp::method::kResourcesUnsubscribe;
  auto uri = stringParam(params, "uri", method);
  if (!uri) return fail(uri.error());
  auto owner = proxy_.catalog()->resourceOwner(*uri);
  if (!owner) {
    return fail(ErrorCode::kResourceNotFound, "no server has the resource '" + *uri + "'");
  }
  {
    std::lock_guard lock(mu_);
    if (on) {
      subscriptions_.insert(*uri);
    } else {
      subscriptions_.erase(*uri);
    }
  }
  if (!owner->lists().capabilities.value("resources", Json::object()).value("subscribe", false)) {
    return Json::object();  // the server sends no updates; nothing to forward
  }
  return proxy_.forward(*this, owner, std::string(method), params, scope);
}

Result<Json> ProxySession::getPrompt(const Json& params, mcp::RequestScope& scope) {
  auto name = stringParam(params, "name", mcp::method::kPromptsGet);
  if (!name) return fail(name.error());
  auto cat = proxy_.catalog();
  auto it = cat->prompts.find(*name);
  if (it == cat->prompts.end()) {
    return fail(ErrorCode::kInvalidParams, "unknown prompt '" + *name + "'");
  }
  if (it->second.local)
    return (*it->second.local)(*this, params.value("arguments", Json::object()), scope);
  Json forwarded = params;
  forwarded["name"] = it->second.original;
  return proxy_.forward(*this, it->second.backend, std::string(mcp::method::kPromptsGet),
                        std::move(forwarded), scope);
}

Result<Json> ProxySession::complete(const Json& params, mcp::RequestScope& scope) {
  const Json ref = params.value("ref", Json::object());
  const std::string type = ref.value("type", "");
  auto cat = proxy_.catalog();
  Json forwarded = params;
  std::shared_ptr<Backend> owner;
  if (type == "ref/prompt") {
    auto it = cat->prompts.find(ref.value("name", ""));
    if (it != cat->prompts.end() && it->second.local) {
      return Json{{"completion", {{"values", Json::array()}}}};  // local prompts suggest nothing
    }
    if (it != cat->prompts.end()) {
      owner = it->second.backend;
      forwarded["ref"]["name"] = it->second.original;
    }
  } else if (type == "ref/resource") {
    owner = cat->resourceOwner(ref.value("uri", ""));
  }
  if (!owner) {
    return fail(ErrorCode::kInvalidParams, "completion/complete: no server owns " + ref.dump());
  }
  return proxy_.forward(*this, owner, std::string(mcp::method::kCompletionComplete),
                        std::move(forwarded), scope);
}

Result<Json> ProxySession::setLevel(const Json& params) {
  auto level = mcp::parseLoggingLevel(params.value("level", ""));
  if (!level) return fail(ErrorCode::kInvalidParams, "unknown logging level " + params.dump());
  {
    std::lock_guard lock(mu_);
    min_level_ = level;
  }
  return Json::object();
}

}  // namespace onemcp::sandbox
