// Every MCP method and notification name, and protocol version negotiation, in one
// place: sessions, the router and tests refer to these constants, never to literals.
#pragma once

#include <array>
#include <string_view>

namespace onemcp::mcp {

namespace method {
inline constexpr std::string_view kInitialize = "initialize";
inline constexpr std::string_view kPing = "ping";
inline constexpr std::string_view kToolsList = "tools/list";
inline constexpr std::string_view kToolsCall = "tools/call";
inline constexpr std::string_view kResourcesList = "resources/list";
inline constexpr std::string_view kResourcesRead = "resources/read";
inline constexpr std::string_view kResourcesTemplatesList = "resources/templates/list";
inline constexpr std::string_view kResourcesSubscribe = "resources/subscribe";
inline constexpr std::string_view kResourcesUnsubscribe = "resources/unsubscribe";
inline constexpr std::string_view kPromptsList = "prompts/list";
inline constexpr std::string_view kPromptsGet = "prompts/get";
inline constexpr std::string_view kCompletionComplete = "completion/complete";
inline constexpr std::string_view kLoggingSetLevel = "logging/setLevel";
// Server -> client requests.
inline constexpr std::string_view kSamplingCreateMessage = "sampling/createMessage";
inline constexpr std::string_view kElicitationCreate = "elicitation/create";
inline constexpr std::string_view kRootsList = "roots/list";
}  // namespace method

namespace notification {
inline constexpr std::string_view kInitialized = "notifications/initialized";
inline constexpr std::string_view kCancelled = "notifications/cancelled";
inline constexpr std::string_view kProgress = "notifications/progress";
inline constexpr std::string_view kMessage = "notifications/message";
inline constexpr std::string_view kToolsListChanged = "notifications/tools/list_changed";
inline constexpr std::string_view kResourcesListChanged = "notifications/resources/list_changed";
inline constexpr std::string_view kResourcesUpdated = "notifications/resources/updated";
inline constexpr std::string_view kPromptsListChanged = "notifications/prompts/list_changed";
inline constexpr std::string_view kRootsListChanged = "notifications/roots/list_changed";
}  // namespace notification

namespace version {
inline constexpr std::string_view k20250326 = "2025-03-26";
inline constexpr std::string_view k20250618 = "2025-06-18";
inline constexpr std::string_view k20251125 = "2025-11-25";
inline constexpr std::string_view kLatest = k20251125;
// Newest first.
inline constexpr std::array<std::string_view, 3> kSupported = {k20251125, k20250618, k20250326};
}  // namespace version

// True when we speak `v`.
constexpr bool isSupportedVersion(std::string_view v) {
  for (auto s : version::kSupported) {
    if (s == v) return true;
  }
  return false;
}

// The server's answer to a client's requested version: the same one if supported,
// otherwise our latest (the client then decides whether it can continue).
constexpr std::string_view negotiateVersion(std::string_view requested) {
  return isSupportedVersion(requested) ? requested : version::kLatest;
}

// JSON-RPC batches were part of 2025-03-26 only; 2025-06-18 removed them.
constexpr bool batchesAllowed(std::string_view negotiated) {
  return negotiated == version::k20250326;
}

}  // namespace onemcp::mcp
