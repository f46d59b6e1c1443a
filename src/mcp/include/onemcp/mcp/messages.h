// MCP message types (spec 2025-03-26 .. 2025-11-25) with to_json/from_json. Fields a
// session does not interpret (content blocks, schemas, capability details) stay JSON so
// that they pass through untouched. decode<T>() turns a peer's JSON into a Result.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "onemcp/common/result.h"
#include "onemcp/mcp/jsonrpc.h"

namespace onemcp::mcp {

struct Implementation {
  std::string name;
  std::string version;
  std::optional<std::string> title;
};

// Each capability is present or absent; its sub-options stay JSON (e.g. {"listChanged":true}).
struct ClientCapabilities {
  std::optional<Json> roots;
  std::optional<Json> sampling;
  std::optional<Json> elicitation;
  std::optional<Json> experimental;
};

struct ServerCapabilities {
  std::optional<Json> tools;
  std::optional<Json> resources;
  std::optional<Json> prompts;
  std::optional<Json> logging;
  std::optional<Json> completions;
  std::optional<Json> experimental;
};

struct InitializeParams {
  std::string protocolVersion;
  ClientCapabilities capabilities;
  Implementation clientInfo;
};

struct InitializeResult {
  std::string protocolVersion;
  ServerCapabilities capabilities;
  Implementation serverInfo;
  std::optional<std::string> instructions;
};

struct PaginatedParams {
  std::optional<std::string> cursor;
};

struct Tool {
  std::string name;
  std::optional<std::string> title;
  std::optional<std::string> description;
  Json inputSchema = Json{{"type", "object"}};
  std::optional<Json> outputSchema;
  std::optional<Json> annotations;
};

struct ListToolsResult {
  std::vector<Tool> tools;
  std::optional<std::string> nextCursor;
};

struct CallToolParams {
  std::string name;
  Json arguments = Json::object();
  std::optional<Json> meta;  // "_meta", e.g. {"progressToken": 1}
};

// Content blocks stay JSON: {"type":"text","text":...}, image, audio, resource, resource_link.
struct CallToolResult {
  std::vector<Json> content;
  std::optional<Json> structuredContent;
  bool isError = false;
};

Json textContent(std::string text);
Json imageContent(std::string base64, std::string mime_type);
Json audioContent(std::string base64, std::string mime_type);
Json embeddedResource(Json resource_contents);
CallToolResult textResult(std::string text, bool is_error = false);

struct Resource {
  std::string uri;
  std::string name;
  std::optional<std::string> title;
  std::optional<std::string> description;
  std::optional<std::string> mimeType;
};

struct ResourceTemplate {
  std::string uriTemplate;
  std::string name;
  std::optional<std::string> title;
  std::optional<std::string> description;
  std::optional<std::string> mimeType;
};

struct ListResourcesResult {
  std::vector<Resource> resources;
  std::optional<std::string> nextCursor;
};

struct ListResourceTemplatesResult {
  std::vector<ResourceTemplate> resourceTemplates;
  std::optional<std::string> nextCursor;
};

struct ReadResourceParams {
  std::string uri;
};

// Each entry: {"uri", "mimeType"?, "text"} or {"uri", "mimeType"?, "blob"}.
struct ReadResourceResult {
  std::vector<Json> contents;
};

Json textResourceContents(std::string uri, std::string mime_type, std::string text);
Json blobResourceContents(std::string uri, std::string mime_type, std::string base64);

struct PromptArgument {
  std::string name;
  std::optional<std::string> description;
  std::optional<bool> required;
};

struct Prompt {
  std::string name;
  std::optional<std::string> title;
  std::optional<std::string> description;
  std::vector<PromptArgument> arguments;
};

struct ListPromptsResult {
  std::vector<Prompt> prompts;
  std::optional<std::string> nextCursor;
};

struct GetPromptParams {
  std::string name;
  std::map<std::string, std::string> arguments;
};

struct PromptMessage {
  std::string role;  // "user" or "assistant"
  Json content;
};

struct GetPromptResult {
  std::optional<std::string> description;
  std::vector<PromptMessage> messages;
};

struct CompleteParams {
  Json ref;  // {"type":"ref/prompt","name":..} or {"type":"ref/resource","uri":..}
  std::string argumentName;
  std::string argumentValue;
  std::optional<Json> context;
};

struct CompleteResult {
  std::vector<std::string> values;
  std::optional<int> total;
  std::optional<bool> hasMore;
};

enum class LoggingLevel { kDebug, kInfo, kNotice, kWarning, kError, kCritical, kAlert, kEmergency };
std::optional<LoggingLevel> parseLoggingLevel(std::string_view text);
std::string_view loggingLevelName(LoggingLevel level);

struct LoggingMessageParams {
  LoggingLevel level = LoggingLevel::kInfo;
  std::optional<std::string> logger;
  Json data;
};

struct ProgressParams {
  Json progressToken;
  double progress = 0;
  std::optional<double> total;
  std::optional<std::string> message;
};

struct CancelledParams {
  Json requestId;
  std::optional<std::string> reason;
};

struct SamplingMessage {
  std::string role;
  Json content;
};

struct CreateMessageParams {
  std::vector<SamplingMessage> messages;
  int maxTokens = 0;
  std::optional<std::string> systemPrompt;
  std::optional<Json> modelPreferences;
};

struct CreateMessageResult {
  std::string role = "assistant";
  Json content;
  std::string model;
  std::optional<std::string> stopReason;
};

struct ElicitParams {
  std::string message;
  Json requestedSchema;
};

struct ElicitResult {
  std::string action;  // "accept", "decline" or "cancel"
  std::optional<Json> content;
};

struct Root {
  std::string uri;
  std::optional<std::string> name;
};

struct ListRootsResult {
  std::vector<Root> roots;
};

#define ONEMCP_MCP_JSON(T)          \
  void to_json(Json& j, const T& v); \
  void from_json(const Json& j, T& v);
ONEMCP_MCP_JSON(Implementation)
ONEMCP_MCP_JSON(ClientCapabilities)
ONEMCP_MCP_JSON(ServerCapabilities)
ONEMCP_MCP_JSON(InitializeParams)
ONEMCP_MCP_JSON(InitializeResult)
ONEMCP_MCP_JSON(PaginatedParams)
ONEMCP_MCP_JSON(Tool)
ONEMCP_MCP_JSON(ListToolsResult)
ONEMCP_MCP_JSON(CallToolParams)
ONEMCP_MCP_JSON(CallToolResult)
ONEMCP_MCP_JSON(Resource)
ONEMCP_MCP_JSON(ResourceTemplate)
ONEMCP_MCP_JSON(ListResourcesResult)
ONEMCP_MCP_JSON(ListResourceTemplatesResult)
ONEMCP_MCP_JSON(ReadResourceParams)
ONEMCP_MCP_JSON(ReadResourceResult)
ONEMCP_MCP_JSON(PromptArgument)
ONEMCP_MCP_JSON(Prompt)
ONEMCP_MCP_JSON(ListPromptsResult)
ONEMCP_MCP_JSON(GetPromptParams)
ONEMCP_MCP_JSON(PromptMessage)
ONEMCP_MCP_JSON(GetPromptResult)
ONEMCP_MCP_JSON(CompleteParams)
ONEMCP_MCP_JSON(CompleteResult)
ONEMCP_MCP_JSON(LoggingLevel)
ONEMCP_MCP_JSON(LoggingMessageParams)
ONEMCP_MCP_JSON(ProgressParams)
ONEMCP_MCP_JSON(CancelledParams)
ONEMCP_MCP_JSON(SamplingMessage)
ONEMCP_MCP_JSON(CreateMessageParams)
ONEMCP_MCP_JSON(CreateMessageResult)
ONEMCP_MCP_JSON(ElicitParams)
ONEMCP_MCP_JSON(ElicitResult)
ONEMCP_MCP_JSON(Root)
ONEMCP_MCP_JSON(ListRootsResult)
#undef ONEMCP_MCP_JSON

// Converts a peer's JSON into T; a missing or mistyped field is kInvalidParams.
template <typename T>
Result<T> decode(const Json& j) {
  try {
    return j.get<T>();
  } catch (const Json::exception& e) {
    return fail(ErrorCode::kInvalidParams, std::string("invalid parameters: ") + e.what());
  }
}

}  // namespace onemcp::mcp
