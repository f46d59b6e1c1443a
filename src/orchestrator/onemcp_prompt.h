// The `/onemcp` prompt, for clients that show MCP prompts: the same flow as find_tools,
// returned as messages. Its definition, the check of its argument, and the messages built
// from find_tools' structured result are pure, so that the wording is tested apart from
// the daemon that runs the flow.
#pragma once

#include <string>
#include <string_view>

#include "onemcp/common/result.h"
#include "onemcp/mcp/messages.h"

namespace onemcp::orchestrator {

inline constexpr std::string_view kOnemcpPrompt = "onemcp";

mcp::Prompt onemcpPromptDefinition();
// The prompt's required `task` argument; a missing or empty one is kInvalidParams (-32602).
Result<std::string> onemcpPromptTask(const mcp::Json& arguments);
// prompts/get's result: one user message with the task, then, per part of it, the tools
// now callable, or the server that waits for approval (and how to grant it), or why
// nothing was found. `found` is find_tools' structuredContent.
mcp::Json onemcpPromptResult(const std::string& task, const mcp::Json& found);

}  // namespace onemcp::orchestrator
