// An MCP client session over any Transport: initialize (version negotiation), then
// typed calls for tools (all pages, progress, cancellation), resources, prompts,
// completion and logging, with handlers for what a server may ask of the client
// (sampling, elicitation, roots). Calls block the caller; many may be in flight at once.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>
#include <vector>

#include "onemcp/common/result.h"
#include "onemcp/mcp/messages.h"
#include "onemcp/mcp/peer.h"
#include "onemcp/mcp/transport.h"

namespace onemcp::mcp {

struct ClientOptions {
  Implementation info{"onemcp", "0.1.0", std::nullopt};
  std::string protocol_version = "2025-11-25";
  std::chrono::milliseconds request_timeout{60000};
  ParseLimits limits;
  std::size_t worker_threads = 2;  // for server -> client requests
  // Server -> client requests; a capability is advertised only when its handler is set.
  std::function<Result<CreateMessageResult>(const CreateMessageParams&)> on_sampling;
  std::function<Result<ElicitResult>(const ElicitParams&)> on_elicitation;
  std::function<Result<ListRootsResult>()> on_roots;
  // Notifications, on the transport's thread (must not block).
  std::function<void(const LoggingMessageParams&)> on_log;
  std::function<void(const Notification&)> on_notification;  // everything else
  // Called after initialize succeeded, before notifications/initialized is sent (e.g. to
  // hand the negotiated version to an HTTP transport).
  std::function<void(const InitializeResult&)> on_initialized;
};

struct CallOptions {
  std::optional<std::chrono::milliseconds> timeout;  // default: ClientOptions::request_timeout
  std::function<void(const ProgressParams&)> on_progress;
  std::stop_token stop;
};

class ClientSession {
 public:
  ClientSession(std::shared_ptr<Transport> transport, ClientOptions options);
  ~ClientSession();  // closes
  ClientSession(const ClientSession&) = delete;
  ClientSession& operator=(const ClientSession&) = delete;

  // Starts the transport, sends initialize and notifications/initialized.
  Result<InitializeResult> initialize();
  [[nodiscard]] const InitializeResult& serverInfo() const { return server_; }

  Result<void> ping();
  Result<ListToolsResult> listTools(std::optional<std::string> cursor = std::nullopt);
  // Follows nextCursor until the last page.
  Result<std::vector<Tool>> listAllTools();
  Result<CallToolResult> callTool(const std::string& name, Json arguments = Json::object(),
                                  const CallOptions& options = {});
  Result<ListResourcesResult> listResources(std::optional<std::string> cursor = std::nullopt);
  Result<ListResourceTemplatesResult> listResourceTemplates(
      std::optional<std::string> cursor = std::nullopt);
  Result<ReadResourceResult> readResource(const std::string& uri);
  Result<void> subscribeResource(const std::string& uri);
  Result<void> unsubscribeResource(const std::string& uri);
  Result<ListPromptsResult> listPrompts(std::optional<std::string> cursor = std::nullopt);
  Result<GetPromptResult> getPrompt(const std::string& name,
                                    std::map<std::string, std::string> arguments = {});
  Result<CompleteResult> complete(const CompleteParams& params);
  Result<void> setLoggingLevel(LoggingLevel level);
  // Any request, for methods without a typed wrapper.
  Result<Json> request(std::string_view method, std::optional<Json> params,
                       const CallOptions& options = {});
  Result<void> notify(std::string_view method, std::optional<Json> params = std::nullopt);
  Result<void> notifyRootsChanged();

  void close();
  [[nodiscard]] bool closed() const;

 private:
  Result<Json> handle(const Request& req);
  void onNotification(const Notification& n);

  ClientOptions options_;
  std::unique_ptr<Peer> peer_;
  InitializeResult server_;  // written once by initialize()
};

}  // namespace onemcp::mcp
