# JSON-RPC codec, MCP messages, sessions and the stdio transport (owner: mcp core).
list(APPEND MCP_SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/jsonrpc.cc
  ${CMAKE_CURRENT_LIST_DIR}/messages.cc)
