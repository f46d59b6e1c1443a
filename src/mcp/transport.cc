#include "onemcp/mcp/transport.h"
