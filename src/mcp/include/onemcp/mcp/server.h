// An MCP server: register tools, resources, templates, prompts and completion once on an
// McpServer, then serve() any number of sessions, each over its own Transport (stdio,
// or one per Mcp-Session-Id from the streamable HTTP server). Handlers run on a shared
// pool, never on a transport thread, and get a ServerContext to report progress, log,
// and ask the client for sampling, elicitation or roots.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "onemcp/common/result.h"
#include "onemcp/mcp/messages.h"
#include "onemcp/mcp/peer.h"
#include "onemcp/mcp/transport.h"

namespace onemcp::mcp {

class ServerSession;
struct ServerState;

// What a handler may do while serving one request.
class ServerContext {
 public:
  ServerContext(ServerSession& session, RequestScope& scope) : session_(session), scope_(scope) {}

  [[nodiscard]] const std::stop_token& stopToken() const { return scope_.stopToken(); }
  [[nodiscard]] bool cancelled() const { return scope_.cancelled(); }
  [[nodiscard]] bool hasProgressToken() const { return scope_.progressToken().has_value(); }
  Result<void> progress(double progress, std::optional<double> total = std::nullopt,
                        std::optional<std::string> message = std::nullopt);
  // notifications/message, dropped when below the level the client set.
  Result<void> log(LoggingLevel level, Json data, std::optional<std::string> logger = std::nullopt);
  Result<CreateMessageResult> createMessage(const CreateMessageParams& params);
  Result<ElicitResult> elicit(const ElicitParams& params);
  Result<ListRootsResult> listRoots();
  [[nodiscard]] const ClientCapabilities& clientCapabilities() const;
  [[nodiscard]] std::string protocolVersion() const;

 private:
  ServerSession& session_;
  RequestScope& scope_;
};

using ToolHandler = std::function<Result<CallToolResult>(const Json& arguments, ServerContext&)>;
using ResourceReader = std::function<Result<ReadResourceResult>(const std::string& uri, ServerContext&)>;
using TemplateReader = std::function<Result<ReadResourceResult>(
    const std::string& uri, const std::map<std::string, std::string>& variables, ServerContext&)>;
using PromptHandler = std::function<Result<GetPromptResult>(
    const std::map<std::string, std::string>& arguments, ServerContext&)>;
using CompletionHandler = std::function<Result<CompleteResult>(const CompleteParams&, ServerContext&)>;

struct ServerOptions {
  Implementation info{"onemcp", "0.1.0", std::nullopt};
  std::optional<std::string> instructions;
  std::size_t page_size = 0;  // items per tools/resources/prompts list page; 0: one page
  std::size_t worker_threads = 8;  // shared by all sessions
  ParseLimits limits;
  std::chrono::milliseconds client_request_timeout{60000};  // sampling, elicitation, roots
};

class McpServer {
 public:
  explicit McpServer(ServerOptions options);
  ~McpServer();  // closes every session
  McpServer(const McpServer&) = delete;
  McpServer& operator=(const McpServer&) = delete;

  // Registration may happen while serving; sessions are sent list_changed.
  void addTool(Tool tool, ToolHandler handler);
  bool removeTool(const std::string& name);
  void addResource(Resource resource, ResourceReader reader);
  void addResourceTemplate(ResourceTemplate tmpl, TemplateReader reader);
  void addPrompt(Prompt prompt, PromptHandler handler);
  void setCompletionHandler(CompletionHandler handler);
  // Sends notifications/resources/updated to the sessions subscribed to `uri`.
  void notifyResourceUpdated(const std::string& uri);

  // Starts a session on `transport`; it lives until the transport closes or the server
  // is destroyed. The returned handle may be kept to wait for or close the session.
  Result<std::shared_ptr<ServerSession>> serve(std::shared_ptr<Transport> transport);
  [[nodiscard]] std::size_t sessionCount();

 private:
  std::vector<std::shared_ptr<ServerSession>> liveSessions();
  void broadcast(std::string_view method);

  std::unique_ptr<ThreadPool> pool_;  // first: outlives every session's close()
  std::shared_ptr<ServerState> state_;
  std::mutex sessions_mu_;
  std::vector<std::shared_ptr<ServerSession>> sessions_;  // guarded by sessions_mu_
};

class ServerSession : public std::enable_shared_from_this<ServerSession> {
 public:
  ServerSession(std::shared_ptr<ServerState> state, std::shared_ptr<Transport> transport,
                Executor* executor);
  ~ServerSession();
  ServerSession(const ServerSession&) = delete;
  ServerSession& operator=(const ServerSession&) = delete;

  Result<void> start();
  void close();
  [[nodiscard]] bool closed() const;
  // Blocks until the session has closed or `timeout` passed; true if closed.
  bool waitClosed(std::chrono::milliseconds timeout);
  [[nodiscard]] bool initialized() const;
  [[nodiscard]] std::string protocolVersion() const;
  [[nodiscard]] const ClientCapabilities& clientCapabilities() const;
  [[nodiscard]] bool subscribed(const std::string& uri) const;
  Result<void> notify(std::string_view method, std::optional<Json> params = std::nullopt);

 private:
  friend class ServerContext;
  Result<Json> handle(const Request& req, RequestScope& scope);
  Result<Json> initialize(const Json& params);
  Result<Json> callTool(const Json& params, ServerContext& ctx);
  Result<Json> readResource(const Json& params, ServerContext& ctx);
  Result<Json> getPrompt(const Json& params, ServerContext& ctx);
  Result<Json> subscribe(const Json& params, bool on);
  Result<Json> setLevel(const Json& params);
  Result<Json> complete(const Json& params, ServerContext& ctx);
  Result<Json> list(const std::string& method, const Json& params);
  bool logEnabled(LoggingLevel level) const;
  RequestOptions clientRequestOptions() const;

  std::shared_ptr<ServerState> state_;
  std::shared_ptr<Transport> transport_;
  Executor* executor_;
  std::unique_ptr<Peer> peer_;  // created in start()

  mutable std::mutex mu_;
  std::condition_variable closed_cv_;
  bool closed_ = false;                      // guarded by mu_
  bool initialized_ = false;                 // guarded by mu_
  std::string protocol_version_;             // guarded by mu_
  ClientCapabilities client_caps_;           // written once by initialize, before use
  std::optional<LoggingLevel> min_level_;    // guarded by mu_
  std::set<std::string> subscriptions_;      // guarded by mu_
};

// Matches a level-1 URI template ("test://template/{id}/data") against a URI, yielding
// its variables. Exposed for tests.
std::optional<std::map<std::string, std::string>> matchUriTemplate(std::string_view tmpl,
                                                                   std::string_view uri);

}  // namespace onemcp::mcp
