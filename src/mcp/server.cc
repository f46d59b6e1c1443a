#include "onemcp/mcp/server.h"

#include "onemcp/common/log.h"
#include "onemcp/mcp/protocol.h"
#include "server_state.h"

namespace onemcp::mcp {


std::optional<std::map<std::string, std::string>> matchUriTemplate(std::string_view tmpl,
                                                                   std::string_view uri) {
  std::map<std::string, std::string> vars;
  while (!tmpl.empty()) {
    auto open = tmpl.find('{');
    std::string_view literal = tmpl.substr(0, open);
    if (uri.substr(0, literal.size()) != literal) return std::nullopt;
    uri.remove_prefix(literal.size());
    if (open == std::string_view::npos) break;
    auto close = tmpl.find('}', open);
    if (close == std::string_view::npos) return std::nullopt;
    std::string name(tmpl.substr(open + 1, close - open - 1));
    tmpl.remove_prefix(close + 1);
    // A variable runs to the next literal character (or '/' / end when none follows).
    char stop = tmpl.empty() ? '\0' : tmpl.front();
    auto end = stop == '\0' ? uri.find('/') : uri.find(stop);
    if (end == std::string_view::npos) end = uri.size();
    if (end == 0) return std::nullopt;
    vars[name] = std::string(uri.substr(0, end));
    uri.remove_prefix(end);
  }
  if (!uri.empty()) return std::nullopt;
  return vars;
}

Result<void> ServerContext::progress(double progress, std::optional<double> total,
                                     std::optional<std::string> message) {
  return scope_.progress(progress, total, std::move(message));
}

Result<void> ServerContext::log(LoggingLevel level, Json data, std::optional<std::string> logger) {
  if (!session_.logEnabled(level)) return {};
  return scope_.notify(std::string(notification::kMessage),
                       Json(LoggingMessageParams{level, std::move(logger), std::move(data)}));
}

Result<CreateMessageResult> ServerContext::createMessage(const CreateMessageParams& params) {
  if (!session_.clientCapabilities().sampling) {
    return fail(ErrorCode::kInvalidRequest, "the client does not support sampling");
  }
  auto r = scope_.request(std::string(method::kSamplingCreateMessage), Json(params),
                          session_.clientRequestOptions());
  if (!r) return fail(r.error());
  return decode<CreateMessageResult>(*r);
}

Result<ElicitResult> ServerContext::elicit(const ElicitParams& params) {
  if (!session_.clientCapabilities().elicitation) {
    return fail(ErrorCode::kInvalidRequest, "the client does not support elicitation");
  }
  auto r = scope_.request(std::string(method::kElicitationCreate), Json(params),
                          session_.clientRequestOptions());
  if (!r) return fail(r.error());
  return decode<ElicitResult>(*r);
}

Result<ListRootsResult> ServerContext::listRoots() {
  if (!session_.clientCapabilities().roots) {
    return fail(ErrorCode::kInvalidRequest, "the client does not support roots");
  }
  auto r = scope_.request(std::string(method::kRootsList), Json::object(),
                          session_.clientRequestOptions());
  if (!r) return fail(r.error());
  return decode<ListRootsResult>(*r);
}

const ClientCapabilities& ServerContext::clientCapabilities() const {
  return session_.clientCapabilities();
}
std::string ServerContext::protocolVersion() const { return session_.protocolVersion(); }

McpServer::McpServer(ServerOptions options)
    : pool_(std::make_unique<ThreadPool>(options.worker_threads)),
      state_(std::make_shared<ServerState>(std::move(options))) {}

McpServer::~McpServer() {
  std::vector<std::shared_ptr<ServerSession>> sessions;
  {
    std::lock_guard lock(sessions_mu_);
    sessions.swap(sessions_);
  }
  for (auto& s : sessions) s->close();
  sessions.clear();
  pool_.reset();  // joins handlers still finishing; their sessions are closed
}

void McpServer::addTool(Tool tool, ToolHandler handler) {
  {
    std::lock_guard lock(state_->mu);
    std::erase_if(state_->tools, [&](const auto& t) { return t.first.name == tool.name; });
    state_->tools.emplace_back(std::move(tool), std::move(handler));
  }
  broadcast(notification::kToolsListChanged);
}

bool McpServer::removeTool(const std::string& name) {
  std::size_t removed = 0;
  {
    std::lock_guard lock(state_->mu);
    removed = std::erase_if(state_->tools, [&](const auto& t) { return t.first.name == name; });
  }
  if (removed > 0) broadcast(notification::kToolsListChanged);
  return removed > 0;
}

void McpServer::addResource(Resource resource, ResourceReader reader) {
  {
    std::lock_guard lock(state_->mu);
    state_->resources.emplace_back(std::move(resource), std::move(reader));
  }
  broadcast(notification::kResourcesListChanged);
}

void McpServer::addResourceTemplate(ResourceTemplate tmpl, TemplateReader reader) {
  std::lock_guard lock(state_->mu);
  state_->templates.emplace_back(std::move(tmpl), std::move(reader));
}

void McpServer::addPrompt(Prompt prompt, PromptHandler handler) {
  {
    std::lock_guard lock(state_->mu);
    state_->prompts.emplace_back(std::move(prompt), std::move(handler));
  }
  broadcast(notification::kPromptsListChanged);
}

void McpServer::setCompletionHandler(CompletionHandler handler) {
  std::lock_guard lock(state_->mu);
  state_->completion = std::move(handler);
}

void McpServer::notifyResourceUpdated(const std::string& uri) {
  for (auto& s : liveSessions()) {
    if (s->subscribed(uri)) {
      (void)s->notify(notification::kResourcesUpdated, Json{{"uri", uri}});
    }
  }
}

Result<std::shared_ptr<ServerSession>> McpServer::serve(std::shared_ptr<Transport> transport) {
  auto session = std::make_shared<ServerSession>(state_, std::move(transport), pool_.get());
  ONEMCP_TRY(session->start());
  std::lock_guard lock(sessions_mu_);
  std::erase_if(sessions_, [](const auto& s) { return s->closed(); });
  sessions_.push_back(session);
  return session;
}

std::size_t McpServer::sessionCount() { return liveSessions().size(); }

std::vector<std::shared_ptr<ServerSession>> McpServer::liveSessions() {
  std::lock_guard lock(sessions_mu_);
  std::erase_if(sessions_, [](const auto& s) { return s->closed(); });
  return sessions_;
}

void McpServer::broadcast(std::string_view method) {
  for (auto& s : liveSessions()) {
    if (s->initialized()) (void)s->notify(method);
  }
}

}  // namespace onemcp::mcp
