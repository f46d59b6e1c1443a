// Two connected in-process transports: what one end sends, the other receives on its
// own delivery thread, just as over a pipe. For tests of sessions, routers and proxies
// without processes or sockets.
#pragma once

#include <memory>
#include <utility>

#include "onemcp/mcp/transport.h"

namespace onemcp::mcp {

// Closing either end closes both.
std::pair<std::shared_ptr<Transport>, std::shared_ptr<Transport>> makeMemoryTransportPair();

}  // namespace onemcp::mcp
