#include "onemcp/mcp/messages.h"

#include <array>

namespace onemcp::mcp {
namespace {

template <typename T>
void getOpt(const Json& j, const char* key, std::optional<T>& out) {
  if (auto it = j.find(key); it != j.end() && !it->is_null()) out = it->get<T>();
}
template <typename T>
void putOpt(Json& j, const char* key, const std::optional<T>& v) {
  if (v) j[key] = *v;
}
template <typename T>
void getOr(const Json& j, const char* key, T& out) {
  if (auto it = j.find(key); it != j.end() && !it->is_null()) out = it->get<T>();
}

constexpr std::array<std::string_view, 8> kLevelNames = {
    "debug", "info", "notice", "warning", "error", "critical", "alert", "emergency"};

}  // namespace

Json textContent(std::string text) { return {{"type", "text"}, {"text", std::move(text)}}; }
Json imageContent(std::string base64, std::string mime_type) {
  return {{"type", "image"}, {"data", std::move(base64)}, {"mimeType", std::move(mime_type)}};
}
Json audioContent(std::string base64, std::string mime_type) {
  return {{"type", "audio"}, {"data", std::move(base64)}, {"mimeType", std::move(mime_type)}};
}
Json embeddedResource(Json resource_contents) {
  return {{"type", "resource"}, {"resource", std::move(resource_contents)}};
}
CallToolResult textResult(std::string text, bool is_error) {
  return CallToolResult{{textContent(std::move(text))}, std::nullopt, is_error};
}
Json textResourceContents(std::string uri, std::string mime_type, std::string text) {
  return {{"uri", std::move(uri)}, {"mimeType", std::move(mime_type)}, {"text", std::move(text)}};
}
Json blobResourceContents(std::string uri, std::string mime_type, std::string base64) {
  return {{"uri", std::move(uri)}, {"mimeType", std::move(mime_type)}, {"blob", std::move(base64)}};
}

std::optional<LoggingLevel> parseLoggingLevel(std::string_view text) {
  for (size_t i = 0; i < kLevelNames.size(); ++i) {
    if (kLevelNames[i] == text) return static_cast<LoggingLevel>(i);
  }
  return std::nullopt;
}
std::string_view loggingLevelName(LoggingLevel level) {
  return kLevelNames[static_cast<size_t>(level)];
}

void to_json(Json& j, const Implementation& v) {
  j = {{"name", v.name}, {"version", v.version}};
  putOpt(j, "title", v.title);
}
void from_json(const Json& j, Implementation& v) {
  j.at("name").get_to(v.name);
  j.at("version").get_to(v.version);
  getOpt(j, "title", v.title);
}

void to_json(Json& j, const ClientCapabilities& v) {
  j = Json::object();
  putOpt(j, "roots", v.roots);
  putOpt(j, "sampling", v.sampling);
  putOpt(j, "elicitation", v.elicitation);
  putOpt(j, "experimental", v.experimental);
}
void from_json(const Json& j, ClientCapabilities& v) {
  getOpt(j, "roots", v.roots);
  getOpt(j, "sampling", v.sampling);
  getOpt(j, "elicitation", v.elicitation);
  getOpt(j, "experimental", v.experimental);
}

void to_json(Json& j, const ServerCapabilities& v) {
  j = Json::object();
  putOpt(j, "tools", v.tools);
  putOpt(j, "resources", v.resources);
  putOpt(j, "prompts", v.prompts);
  putOpt(j, "logging", v.logging);
  putOpt(j, "completions", v.completions);
  putOpt(j, "experimental", v.experimental);
}
void from_json(const Json& j, ServerCapabilities& v) {
  getOpt(j, "tools", v.tools);
  getOpt(j, "resources", v.resources);
  getOpt(j, "prompts", v.prompts);
  getOpt(j, "logging", v.logging);
  getOpt(j, "completions", v.completions);
  getOpt(j, "experimental", v.experimental);
}

void to_json(Json& j, const InitializeParams& v) {
  j = {{"protocolVersion", v.protocolVersion},
       {"capabilities", v.capabilities},
       {"clientInfo", v.clientInfo}};
}
void from_json(const Json& j, InitializeParams& v) {
  j.at("protocolVersion").get_to(v.protocolVersion);
  getOr(j, "capabilities", v.capabilities);
  j.at("clientInfo").get_to(v.clientInfo);
}

void to_json(Json& j, const InitializeResult& v) {
  j = {{"protocolVersion", v.protocolVersion},
       {"capabilities", v.capabilities},
       {"serverInfo", v.serverInfo}};
  putOpt(j, "instructions", v.instructions);
}
void from_json(const Json& j, InitializeResult& v) {
  j.at("protocolVersion").get_to(v.protocolVersion);
  getOr(j, "capabilities", v.capabilities);
  j.at("serverInfo").get_to(v.serverInfo);
  getOpt(j, "instructions", v.instructions);
}

void to_json(Json& j, const PaginatedParams& v) {
  j = Json::object();
  putOpt(j, "cursor", v.cursor);
}
void from_json(const Json& j, PaginatedParams& v) { getOpt(j, "cursor", v.cursor); }

void to_json(Json& j, const Tool& v) {
  j = {{"name", v.name}, {"inputSchema", v.inputSchema}};
  putOpt(j, "title", v.title);
  putOpt(j, "description", v.description);
  putOpt(j, "outputSchema", v.outputSchema);
  putOpt(j, "annotations", v.annotations);
}
void from_json(const Json& j, Tool& v) {
  j.at("name").get_to(v.name);
  getOpt(j, "title", v.title);
  getOpt(j, "description", v.description);
  getOr(j, "inputSchema", v.inputSchema);
  getOpt(j, "outputSchema", v.outputSchema);
  getOpt(j, "annotations", v.annotations);
}

void to_json(Json& j, const ListToolsResult& v) {
  j = {{"tools", v.tools}};
  putOpt(j, "nextCursor", v.nextCursor);
}
void from_json(const Json& j, ListToolsResult& v) {
  j.at("tools").get_to(v.tools);
  getOpt(j, "nextCursor", v.nextCursor);
}

void to_json(Json& j, const CallToolParams& v) {
  j = {{"name", v.name}, {"arguments", v.arguments}};
  putOpt(j, "_meta", v.meta);
}
void from_json(const Json& j, CallToolParams& v) {
  j.at("name").get_to(v.name);
  getOr(j, "arguments", v.arguments);
  getOpt(j, "_meta", v.meta);
}

void to_json(Json& j, const CallToolResult& v) {
  j = {{"content", v.content}};
  putOpt(j, "structuredContent", v.structuredContent);
  if (v.isError) j["isError"] = true;
}
void from_json(const Json& j, CallToolResult& v) {
  getOr(j, "content", v.content);
  getOpt(j, "structuredContent", v.structuredContent);
  getOr(j, "isError", v.isError);
}

void to_json(Json& j, const Resource& v) {
  j = {{"uri", v.uri}, {"name", v.name}};
  putOpt(j, "title", v.title);
  putOpt(j, "description", v.description);
  putOpt(j, "mimeType", v.mimeType);
}
void from_json(const Json& j, Resource& v) {
  j.at("uri").get_to(v.uri);
  j.at("name").get_to(v.name);
  getOpt(j, "title", v.title);
  getOpt(j, "description", v.description);
  getOpt(j, "mimeType", v.mimeType);
}

void to_json(Json& j, const ResourceTemplate& v) {
  j = {{"uriTemplate", v.uriTemplate}, {"name", v.name}};
  putOpt(j, "title", v.title);
  putOpt(j, "description", v.description);
  putOpt(j, "mimeType", v.mimeType);
}
void from_json(const Json& j, ResourceTemplate& v) {
  j.at("uriTemplate").get_to(v.uriTemplate);
  j.at("name").get_to(v.name);
  getOpt(j, "title", v.title);
  getOpt(j, "description", v.description);
  getOpt(j, "mimeType", v.mimeType);
}

void to_json(Json& j, const ListResourcesResult& v) {
  j = {{"resources", v.resources}};
  putOpt(j, "nextCursor", v.nextCursor);
}
void from_json(const Json& j, ListResourcesResult& v) {
  j.at("resources").get_to(v.resources);
  getOpt(j, "nextCursor", v.nextCursor);
}

void to_json(Json& j, const ListResourceTemplatesResult& v) {
  j = {{"resourceTemplates", v.resourceTemplates}};
  putOpt(j, "nextCursor", v.nextCursor);
}
void from_json(const Json& j, ListResourceTemplatesResult& v) {
  j.at("resourceTemplates").get_to(v.resourceTemplates);
  getOpt(j, "nextCursor", v.nextCursor);
}

void to_json(Json& j, const ReadResourceParams& v) { j = {{"uri", v.uri}}; }
void from_json(const Json& j, ReadResourceParams& v) { j.at("uri").get_to(v.uri); }

void to_json(Json& j, const ReadResourceResult& v) { j = {{"contents", v.contents}}; }
void from_json(const Json& j, ReadResourceResult& v) { j.at("contents").get_to(v.contents); }

void to_json(Json& j, const PromptArgument& v) {
  j = {{"name", v.name}};
  putOpt(j, "description", v.description);
  putOpt(j, "required", v.required);
}
void from_json(const Json& j, PromptArgument& v) {
  j.at("name").get_to(v.name);
  getOpt(j, "description", v.description);
  getOpt(j, "required", v.required);
}

void to_json(Json& j, const Prompt& v) {
  j = {{"name", v.name}};
  putOpt(j, "title", v.title);
  putOpt(j, "description", v.description);
  if (!v.arguments.empty()) j["arguments"] = v.arguments;
}
void from_json(const Json& j, Prompt& v) {
  j.at("name").get_to(v.name);
  getOpt(j, "title", v.title);
  getOpt(j, "description", v.description);
  getOr(j, "arguments", v.arguments);
}

void to_json(Json& j, const ListPromptsResult& v) {
  j = {{"prompts", v.prompts}};
  putOpt(j, "nextCursor", v.nextCursor);
}
void from_json(const Json& j, ListPromptsResult& v) {
  j.at("prompts").get_to(v.prompts);
  getOpt(j, "nextCursor", v.nextCursor);
}

void to_json(Json& j, const GetPromptParams& v) {
  j = {{"name", v.name}};
  if (!v.arguments.empty()) j["arguments"] = v.arguments;
}
void from_json(const Json& j, GetPromptParams& v) {
  j.at("name").get_to(v.name);
  getOr(j, "arguments", v.arguments);
}

void to_json(Json& j, const PromptMessage& v) { j = {{"role", v.role}, {"content", v.content}}; }
void from_json(const Json& j, PromptMessage& v) {
  j.at("role").get_to(v.role);
  j.at("content").get_to(v.content);
}

void to_json(Json& j, const GetPromptResult& v) {
  j = {{"messages", v.messages}};
  putOpt(j, "description", v.description);
}
void from_json(const Json& j, GetPromptResult& v) {
  j.at("messages").get_to(v.messages);
  getOpt(j, "description", v.description);
}

void to_json(Json& j, const CompleteParams& v) {
  j = {{"ref", v.ref}, {"argument", {{"name", v.argumentName}, {"value", v.argumentValue}}}};
  putOpt(j, "context", v.context);
}
void from_json(const Json& j, CompleteParams& v) {
  j.at("ref").get_to(v.ref);
  const Json& arg = j.at("argument");
  arg.at("name").get_to(v.argumentName);
  arg.at("value").get_to(v.argumentValue);
  getOpt(j, "context", v.context);
}

void to_json(Json& j, const CompleteResult& v) {
  Json c = {{"values", v.values}};
  putOpt(c, "total", v.total);
  putOpt(c, "hasMore", v.hasMore);
  j = {{"completion", std::move(c)}};
}
void from_json(const Json& j, CompleteResult& v) {
  const Json& c = j.at("completion");
  c.at("values").get_to(v.values);
  getOpt(c, "total", v.total);
  getOpt(c, "hasMore", v.hasMore);
}

void to_json(Json& j, const LoggingLevel& v) { j = loggingLevelName(v); }
void from_json(const Json& j, LoggingLevel& v) {
  auto level = parseLoggingLevel(j.get<std::string>());
  if (!level) throw Json::other_error::create(501, "unknown logging level", &j);
  v = *level;
}

void to_json(Json& j, const LoggingMessageParams& v) {
  j = {{"level", v.level}, {"data", v.data}};
  putOpt(j, "logger", v.logger);
}
void from_json(const Json& j, LoggingMessageParams& v) {
  j.at("level").get_to(v.level);
  getOr(j, "data", v.data);
  getOpt(j, "logger", v.logger);
}

void to_json(Json& j, const ProgressParams& v) {
  j = {{"progressToken", v.progressToken}, {"progress", v.progress}};
  putOpt(j, "total", v.total);
  putOpt(j, "message", v.message);
}
void from_json(const Json& j, ProgressParams& v) {
  j.at("progressToken").get_to(v.progressToken);
  j.at("progress").get_to(v.progress);
  getOpt(j, "total", v.total);
  getOpt(j, "message", v.message);
}

void to_json(Json& j, const CancelledParams& v) {
  j = {{"requestId", v.requestId}};
  putOpt(j, "reason", v.reason);
}
void from_json(const Json& j, CancelledParams& v) {
  j.at("requestId").get_to(v.requestId);
  getOpt(j, "reason", v.reason);
}

void to_json(Json& j, const SamplingMessage& v) { j = {{"role", v.role}, {"content", v.content}}; }
void from_json(const Json& j, SamplingMessage& v) {
  j.at("role").get_to(v.role);
  j.at("content").get_to(v.content);
}

void to_json(Json& j, const CreateMessageParams& v) {
  j = {{"messages", v.messages}, {"maxTokens", v.maxTokens}};
  putOpt(j, "systemPrompt", v.systemPrompt);
  putOpt(j, "modelPreferences", v.modelPreferences);
}
void from_json(const Json& j, CreateMessageParams& v) {
  j.at("messages").get_to(v.messages);
  getOr(j, "maxTokens", v.maxTokens);
  getOpt(j, "systemPrompt", v.systemPrompt);
  getOpt(j, "modelPreferences", v.modelPreferences);
}

void to_json(Json& j, const CreateMessageResult& v) {
  j = {{"role", v.role}, {"content", v.content}, {"model", v.model}};
  putOpt(j, "stopReason", v.stopReason);
}
void from_json(const Json& j, CreateMessageResult& v) {
  getOr(j, "role", v.role);
  j.at("content").get_to(v.content);
  getOr(j, "model", v.model);
  getOpt(j, "stopReason", v.stopReason);
}

void to_json(Json& j, const ElicitParams& v) {
  j = {{"message", v.message}, {"requestedSchema", v.requestedSchema}};
}
void from_json(const Json& j, ElicitParams& v) {
  j.at("message").get_to(v.message);
  getOr(j, "requestedSchema", v.requestedSchema);
}

void to_json(Json& j, const ElicitResult& v) {
  j = {{"action", v.action}};
  putOpt(j, "content", v.content);
}
void from_json(const Json& j, ElicitResult& v) {
  j.at("action").get_to(v.action);
  getOpt(j, "content", v.content);
}

void to_json(Json& j, const Root& v) {
  j = {{"uri", v.uri}};
  putOpt(j, "name", v.name);
}
void from_json(const Json& j, Root& v) {
  j.at("uri").get_to(v.uri);
  getOpt(j, "name", v.name);
}

void to_json(Json& j, const ListRootsResult& v) { j = {{"roots", v.roots}}; }
void from_json(const Json& j, ListRootsResult& v) { j.at("roots").get_to(v.roots); }

}  // namespace onemcp::mcp
