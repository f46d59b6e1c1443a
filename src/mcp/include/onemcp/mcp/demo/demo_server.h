// The demo server's content: the tools, resources, prompts and completion that the
// official conformance suite's server scenarios call (test_simple_text, test://static-text,
// test_prompt_with_arguments, ...). `onemcp demo-server` serves it over stdio or HTTP.
#pragma once

#include <memory>

#include "onemcp/mcp/server.h"

namespace onemcp::mcp::demo {

// Registers every conformance fixture on `server`.
void registerDemoContent(McpServer& server);

// A server with the demo content and the demo's name/version.
std::unique_ptr<McpServer> makeDemoServer(ServerOptions options = {});

}  // namespace onemcp::mcp::demo
