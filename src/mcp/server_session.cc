#include "onemcp/common/log.h"
#include "onemcp/mcp/protocol.h"
#include "onemcp/mcp/server.h"
#include "server_state.h"

namespace onemcp::mcp {
namespace {

// Advertises what this server has registered (logging is always available).
ServerCapabilities capabilitiesOf(const ServerState& state) {
  ServerCapabilities caps;
  std::lock_guard lock(state.mu);
  caps.logging = Json::object();
  if (!state.tools.empty()) caps.tools = Json{{"listChanged", true}};
  if (!state.resources.empty() || !state.templates.empty()) {
    caps.resources = Json{{"subscribe", true}, {"listChanged", true}};
  }
  if (!state.prompts.empty()) caps.prompts = Json{{"listChanged", true}};
  if (state.completion) caps.completions = Json::object();
  return caps;
}

const Json& paramsOrEmpty(const Request& req) {
  static const Json kEmpty = Json::object();
  return req.params && req.params->is_object() ? *req.params : kEmpty;
}

}  // namespace

ServerSession::ServerSession(std::shared_ptr<ServerState> state,
                             std::shared_ptr<Transport> transport, Executor* executor)
    : state_(std::move(state)), transport_(std::move(transport)), executor_(executor) {}

ServerSession::~ServerSession() { peer_.reset(); }

Result<void> ServerSession::start() {
  std::weak_ptr<ServerSession> weak = weak_from_this();
  Peer::Options opts;
  opts.limits = state_->options.limits;
  opts.executor = executor_;
  opts.name = "server " + state_->options.info.name;
  peer_ = std::make_unique<Peer>(
      transport_, std::move(opts),
      [weak](const Request& req, RequestScope& scope) -> Result<Json> {
        auto self = weak.lock();
        if (!self) return fail(ErrorCode::kClosed, "session closed");
        return self->handle(req, scope);
      },
      [](const Notification& n) { log::trace("server: notification {}", n.method); },
      [weak](const Error& reason) {
        log::debug("server session closed: {}", reason.toString());
        if (auto self = weak.lock()) {
          std::lock_guard lock(self->mu_);
          self->closed_ = true;
          self->closed_cv_.notify_all();
        }
      });
  return peer_->start();
}

void ServerSession::close() {
  if (peer_) peer_->close();
  std::lock_guard lock(mu_);
  closed_ = true;
  closed_cv_.notify_all();
}

bool ServerSession::closed() const {
  std::lock_guard lock(mu_);
  return closed_;
}

bool ServerSession::waitClosed(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  return closed_cv_.wait_for(lock, timeout, [this] { return closed_; });
}

bool ServerSession::initialized() const {
  std::lock_guard lock(mu_);
  return initialized_;
}

std::string ServerSession::protocolVersion() const {
  std::lock_guard lock(mu_);
  return protocol_version_;
}

const ClientCapabilities& ServerSession::clientCapabilities() const { return client_caps_; }

bool ServerSession::subscribed(const std::string& uri) const {
  std::lock_guard lock(mu_);
  return subscriptions_.contains(uri);
}

Result<void> ServerSession::notify(std::string_view method, std::optional<Json> params) {
  if (!peer_) return fail(ErrorCode::kClosed, "session not started");
  return peer_->notify(std::string(method), std::move(params));
}

bool ServerSession::logEnabled(LoggingLevel level) const {
  std::lock_guard lock(mu_);
  return !min_level_ || level >= *min_level_;
}

RequestOptions ServerSession::clientRequestOptions() const {
  RequestOptions o;
  o.timeout = state_->options.client_request_timeout;
  return o;
}

Result<Json> ServerSession::handle(const Request& req, RequestScope& scope) {
  const Json& params = paramsOrEmpty(req);
  if (req.method == method::kInitialize) return initialize(params);
  if (req.method == method::kPing) return Json::object();
  if (!initialized()) {
    return fail(ErrorCode::kInvalidRequest, "the session is not initialized; send initialize first");
  }
  ServerContext ctx(*this, scope);
  const std::string& m = req.method;
  if (m == method::kToolsCall) return callTool(params, ctx);
  if (m == method::kResourcesRead) return readResource(params, ctx);
  if (m == method::kPromptsGet) return getPrompt(params, ctx);
  if (m == method::kResourcesSubscribe) return subscribe(params, true);
  if (m == method::kResourcesUnsubscribe) return subscribe(params, false);
  if (m == method::kLoggingSetLevel) return setLevel(params);
  if (m == method::kCompletionComplete) return complete(params, ctx);
  if (m == method::kToolsList || m == method::kResourcesList ||
      m == method::kResourcesTemplatesList || m == method::kPromptsList) {
    return list(m, params);
  }
  return fail(ErrorCode::kMethodNotFound, "method not found: " + m);
}

Result<Json> ServerSession::initialize(const Json& params) {
  auto p = decode<InitializeParams>(params);
  if (!p) return fail(p.error());
  std::string version(negotiateVersion(p->protocolVersion));
  {
    std::lock_guard lock(mu_);
    if (initialized_) return fail(ErrorCode::kInvalidRequest, "the session is already initialized");
    client_caps_ = p->capabilities;
    protocol_version_ = version;
    initialized_ = true;
  }
  peer_->setBatchesAllowed(batchesAllowed(version));
  log::debug("server: client {} {} initialized with protocol {}", p->clientInfo.name,
             p->clientInfo.version, version);
  InitializeResult r{version, capabilitiesOf(*state_), state_->options.info,
                     state_->options.instructions};
  return Json(r);
}

Result<Json> ServerSession::list(const std::string& m, const Json& params) {
  const std::size_t n = state_->options.page_size;
  std::lock_guard lock(state_->mu);
  if (m == method::kToolsList) return page(state_->tools, params, n, "tools");
  if (m == method::kResourcesList) return page(state_->resources, params, n, "resources");
  if (m == method::kPromptsList) return page(state_->prompts, params, n, "prompts");
  return page(state_->templates, params, n, "resourceTemplates");
}

Result<Json> ServerSession::callTool(const Json& params, ServerContext& ctx) {
  auto p = decode<CallToolParams>(params);
  if (!p) return fail(p.error());
  ToolHandler handler;
  {
    std::lock_guard lock(state_->mu);
    for (const auto& [tool, h] : state_->tools) {
      if (tool.name == p->name) handler = h;
    }
  }
  if (!handler) return fail(ErrorCode::kInvalidParams, "Unknown tool: " + p->name);
  // A tool's own failure is a result the model can read, not a protocol error.
  Result<CallToolResult> r = fail(ErrorCode::kInternalError, "tool failed");
  try {
    r = handler(p->arguments, ctx);
  } catch (const std::exception& e) {
    r = fail(ErrorCode::kInternalError, e.what());
  }
  if (!r) return Json(textResult(r.error().message, /*is_error=*/true));
  return Json(*r);
}

Result<Json> ServerSession::readResource(const Json& params, ServerContext& ctx) {
  auto p = decode<ReadResourceParams>(params);
  if (!p) return fail(p.error());
  ResourceReader exact;
  TemplateReader by_template;
  std::map<std::string, std::string> vars;
  {
    std::lock_guard lock(state_->mu);
    for (const auto& [res, reader] : state_->resources) {
      if (res.uri == p->uri) exact = reader;
    }
    for (const auto& [tmpl, reader] : state_->templates) {
      if (exact || by_template) break;
      if (auto m = matchUriTemplate(tmpl.uriTemplate, p->uri)) {
        vars = std::move(*m);
        by_template = reader;
      }
    }
  }
  Result<ReadResourceResult> r = fail(Error(
      ErrorCode::kResourceNotFound, "Resource not found: " + p->uri, Json{{"uri", p->uri}}.dump()));
  if (exact) r = exact(p->uri, ctx);
  if (by_template) r = by_template(p->uri, vars, ctx);
  if (!r) return fail(r.error());
  return Json(*r);
}

Result<Json> ServerSession::getPrompt(const Json& params, ServerContext& ctx) {
  auto p = decode<GetPromptParams>(params);
  if (!p) return fail(p.error());
  PromptHandler handler;
  {
    std::lock_guard lock(state_->mu);
    for (const auto& [prompt, h] : state_->prompts) {
      if (prompt.name != p->name) continue;
      for (const auto& arg : prompt.arguments) {
        if (arg.required.value_or(false) && !p->arguments.contains(arg.name)) {
          return fail(ErrorCode::kInvalidParams, "missing required argument: " + arg.name);
        }
      }
      handler = h;
    }
  }
  if (!handler) return fail(ErrorCode::kInvalidParams, "Unknown prompt: " + p->name);
  auto r = handler(p->arguments, ctx);
  if (!r) return fail(r.error());
  return Json(*r);
}

Result<Json> ServerSession::subscribe(const Json& params, bool on) {
  auto p = decode<ReadResourceParams>(params);
  if (!p) return fail(p.error());
  std::lock_guard lock(mu_);
  if (on) {
    subscriptions_.insert(p->uri);
  } else {
    subscriptions_.erase(p->uri);
  }
  return Json::object();
}

Result<Json> ServerSession::setLevel(const Json& params) {
  auto level = params.find("level");
  std::optional<LoggingLevel> parsed;
  if (level != params.end() && level->is_string()) parsed = parseLoggingLevel(level->get<std::string>());
  if (!parsed) return fail(ErrorCode::kInvalidParams, "unknown logging level");
  std::lock_guard lock(mu_);
  min_level_ = parsed;
  return Json::object();
}

Result<Json> ServerSession::complete(const Json& params, ServerContext& ctx) {
  auto p = decode<CompleteParams>(params);
  if (!p) return fail(p.error());
  CompletionHandler handler;
  {
    std::lock_guard lock(state_->mu);
    handler = state_->completion;
  }
  if (!handler) return Json(CompleteResult{{}, 0, false});
  auto r = handler(*p, ctx);
  if (!r) return fail(r.error());
  return Json(*r);
}

}  // namespace onemcp::mcp
