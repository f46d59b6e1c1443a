// Private: the definitions one McpServer shares with all its sessions.
#pragma once

#include <algorithm>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "onemcp/mcp/server.h"

namespace onemcp::mcp {

// Sessions hold it by shared_ptr, so it outlives the McpServer if they do.
struct ServerState {
  explicit ServerState(ServerOptions o) : options(std::move(o)) {}
  const ServerOptions options;
  mutable std::mutex mu;
  std::vector<std::pair<Tool, ToolHandler>> tools;                     // guarded by mu
  std::vector<std::pair<Resource, ResourceReader>> resources;          // guarded by mu
  std::vector<std::pair<ResourceTemplate, TemplateReader>> templates;  // guarded by mu
  std::vector<std::pair<Prompt, PromptHandler>> prompts;               // guarded by mu
  CompletionHandler completion;                                        // guarded by mu
};

// One page of `items` starting at the opaque cursor (our cursors are offsets).
template <typename Item, typename Handler>
Result<Json> page(const std::vector<std::pair<Item, Handler>>& items, const Json& params,
                  std::size_t page_size, const char* key) {
  std::size_t start = 0;
  if (auto c = params.find("cursor"); c != params.end() && c->is_string()) {
    try {
      start = std::stoul(c->get<std::string>());
    } catch (const std::exception&) {
      return fail(ErrorCode::kInvalidParams, "invalid cursor");
    }
    if (start > items.size()) return fail(ErrorCode::kInvalidParams, "invalid cursor");
  }
  std::size_t end = page_size == 0 ? items.size() : std::min(items.size(), start + page_size);
  Json list = Json::array();
  for (std::size_t i = start; i < end; ++i) list.push_back(items[i].first);
  Json out = {{key, std::move(list)}};
  if (end < items.size()) out["nextCursor"] = std::to_string(end);
  return out;
}

}  // namespace onemcp::mcp
