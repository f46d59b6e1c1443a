# JSON-RPC codec, MCP messages, sessions and the stdio transport (owner: mcp core).
list(APPEND MCP_SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/jsonrpc.cc
  ${CMAKE_CURRENT_LIST_DIR}/messages.cc
  ${CMAKE_CURRENT_LIST_DIR}/executor.cc
  ${CMAKE_CURRENT_LIST_DIR}/peer.cc
  ${CMAKE_CURRENT_LIST_DIR}/memory_transport.cc
  ${CMAKE_CURRENT_LIST_DIR}/stdio_transport.cc
  ${CMAKE_CURRENT_LIST_DIR}/server.cc
  ${CMAKE_CURRENT_LIST_DIR}/server_session.cc
  ${CMAKE_CURRENT_LIST_DIR}/client.cc)
