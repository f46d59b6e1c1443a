// `onemcp stdio`: joins an MCP client that speaks stdio to the user's daemon over
// streamable HTTP (with its bearer token), message for message, until either side
// closes. Any MCP client can then use OneMCP as {"command": "onemcp", "args": ["stdio"]}.
#pragma once

#include <memory>

#include "onemcp/common/result.h"
#include "onemcp/mcp/transport.h"
#include "onemcp/orchestrator/daemon_files.h"

namespace onemcp::orchestrator {

// Relays between `client` (our stdin/stdout in production) and the daemon at `endpoint`;
// returns when either side closes. Errors: the daemon cannot be reached.
Result<void> bridge(std::shared_ptr<mcp::Transport> client, const DaemonEndpoint& endpoint);

}  // namespace onemcp::orchestrator
