#include "onemcp/mcp/client.h"

#include "onemcp/common/log.h"
#include "onemcp/mcp/protocol.h"

namespace onemcp::mcp {
namespace {

template <typename T>
Result<T> decodeResult(Result<Json> r) {
  if (!r) return fail(std::move(r).error());
  return decode<T>(*r);
}

Result<void> ignoreResult(Result<Json> r) {
  if (!r) return fail(std::move(r).error());
  return {};
}

Json cursorParams(const std::optional<std::string>& cursor) {
  return Json(PaginatedParams{cursor});
}

}  // namespace

ClientSession::ClientSession(std::shared_ptr<Transport> transport, ClientOptions options)
    : options_(std::move(options)) {
  Peer::Options opts;
  opts.limits = options_.limits;
  opts.worker_threads = options_.worker_threads;
  opts.name = "client " + options_.info.name;
  // The handlers reach `this`; peer_ is destroyed (and its pool joined) first in ~ClientSession.
  peer_ = std::make_unique<Peer>(
      std::move(transport), std::move(opts),
      [this](const Request& req, RequestScope&) { return handle(req); },
      [this](const Notification& n) { onNotification(n); });
}

ClientSession::~ClientSession() { peer_.reset(); }

Result<InitializeResult> ClientSession::initialize() {
  ONEMCP_TRY(peer_->start());
  ClientCapabilities caps;
  if (options_.on_sampling) caps.sampling = Json::object();
  if (options_.on_elicitation) caps.elicitation = Json::object();
  if (options_.on_roots) caps.roots = Json{{"listChanged", true}};
  InitializeParams params{options_.protocol_version, caps, options_.info};
  auto r = decodeResult<InitializeResult>(request(method::kInitialize, Json(params)));
  if (!r) return fail(r.error().wrap("initialize"));
  if (!isSupportedVersion(r->protocolVersion)) {
    peer_->close();
    return fail(ErrorCode::kInvalidRequest,
                "server chose protocol version " + r->protocolVersion + ", which we do not speak");
  }
  server_ = *r;
  peer_->setBatchesAllowed(batchesAllowed(server_.protocolVersion));
  if (options_.on_initialized) options_.on_initialized(server_);
  ONEMCP_TRY(notify(notification::kInitialized));
  return server_;
}

Result<void> ClientSession::ping() { return ignoreResult(request(method::kPing, std::nullopt)); }

Result<ListToolsResult> ClientSession::listTools(std::optional<std::string> cursor) {
  return decodeResult<ListToolsResult>(request(method::kToolsList, cursorParams(cursor)));
}

Result<std::vector<Tool>> ClientSession::listAllTools() {
  std::vector<Tool> all;
  std::optional<std::string> cursor;
  // A server that keeps returning cursors is stopped after a generous number of pages.
  for (int pages = 0; pages < 10000; ++pages) {
    auto page = listTools(cursor);
    if (!page) return fail(page.error());
    for (auto& t : page->tools) all.push_back(std::move(t));
    if (!page->nextCursor || page->nextCursor->empty()) return all;
    cursor = page->nextCursor;
  }
  return fail(ErrorCode::kInvalidInput, "tools/list did not end after 10000 pages");
}

Result<CallToolResult> ClientSession::callTool(const std::string& name, Json arguments,
                                               const CallOptions& options) {
  CallToolParams params{name, std::move(arguments), std::nullopt};
  return decodeResult<CallToolResult>(request(method::kToolsCall, Json(params), options));
}

Result<ListResourcesResult> ClientSession::listResources(std::optional<std::string> cursor) {
  return decodeResult<ListResourcesResult>(request(method::kResourcesList, cursorParams(cursor)));
}

Result<ListResourceTemplatesResult> ClientSession::listResourceTemplates(
    std::optional<std::string> cursor) {
  return decodeResult<ListResourceTemplatesResult>(
      request(method::kResourcesTemplatesList, cursorParams(cursor)));
}

Result<ReadResourceResult> ClientSession::readResource(const std::string& uri) {
  return decodeResult<ReadResourceResult>(
      request(method::kResourcesRead, Json(ReadResourceParams{uri})));
}

Result<void> ClientSession::subscribeResource(const std::string& uri) {
  return ignoreResult(request(method::kResourcesSubscribe, Json{{"uri", uri}}));
}

Result<void> ClientSession::unsubscribeResource(const std::string& uri) {
  return ignoreResult(request(method::kResourcesUnsubscribe, Json{{"uri", uri}}));
}

Result<ListPromptsResult> ClientSession::listPrompts(std::optional<std::string> cursor) {
  return decodeResult<ListPromptsResult>(request(method::kPromptsList, cursorParams(cursor)));
}

Result<GetPromptResult> ClientSession::getPrompt(const std::string& name,
                                                 std::map<std::string, std::string> arguments) {
  GetPromptParams params{name, std::move(arguments)};
  return decodeResult<GetPromptResult>(request(method::kPromptsGet, Json(params)));
}

Result<CompleteResult> ClientSession::complete(const CompleteParams& params) {
  return decodeResult<CompleteResult>(request(method::kCompletionComplete, Json(params)));
}

Result<void> ClientSession::setLoggingLevel(LoggingLevel level) {
  return ignoreResult(request(method::kLoggingSetLevel, Json{{"level", level}}));
}

Result<Json> ClientSession::request(std::string_view method, std::optional<Json> params,
                                    const CallOptions& options) {
  RequestOptions ro;
  ro.timeout = options.timeout.value_or(options_.request_timeout);
  ro.on_progress = options.on_progress;
  ro.stop = options.stop;
  return peer_->request(std::string(method), std::move(params), ro);
}

Result<void> ClientSession::notify(std::string_view method, std::optional<Json> params) {
  return peer_->notify(std::string(method), std::move(params));
}

Result<void> ClientSession::notifyRootsChanged() {
  return notify(notification::kRootsListChanged);
}

void ClientSession::close() { peer_->close(); }
bool ClientSession::closed() const { return peer_->closed(); }

Result<Json> ClientSession::handle(const Request& req) {
  const Json params = req.params.value_or(Json::object());
  if (req.method == method::kPing) return Json::object();
  if (req.method == method::kSamplingCreateMessage && options_.on_sampling) {
    auto p = decode<CreateMessageParams>(params);
    if (!p) return fail(p.error());
    auto r = options_.on_sampling(*p);
    if (!r) return fail(r.error());
    return Json(*r);
  }
  if (req.method == method::kElicitationCreate && options_.on_elicitation) {
    auto p = decode<ElicitParams>(params);
    if (!p) return fail(p.error());
    auto r = options_.on_elicitation(*p);
    if (!r) return fail(r.error());
    return Json(*r);
  }
  if (req.method == method::kRootsList && options_.on_roots) {
    auto r = options_.on_roots();
    if (!r) return fail(r.error());
    return Json(*r);
  }
  return fail(ErrorCode::kMethodNotFound, "method not found: " + req.method);
}

void ClientSession::onNotification(const Notification& n) {
  if (n.method == notification::kMessage && options_.on_log) {
    if (auto p = decode<LoggingMessageParams>(n.params.value_or(Json::object()))) {
      options_.on_log(*p);
      return;
    }
  }
  if (options_.on_notification) options_.on_notification(n);
}

}  // namespace onemcp::mcp
