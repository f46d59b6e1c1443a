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

# The conformance fixture served by `onemcp demo-server`; a library so tests can drive it.
add_library(onemcp_mcp_demo STATIC ${CMAKE_CURRENT_LIST_DIR}/demo/demo_server.cc)
add_library(onemcp::mcp_demo ALIAS onemcp_mcp_demo)
target_link_libraries(onemcp_mcp_demo PUBLIC onemcp_mcp PRIVATE onemcp::warnings)
