# Tests for the MCP core (owner: mcp core). HTTP transport tests live in http_transports.cmake.
onemcp_test(mcp_core_unit_test
  SOURCES
    ${CMAKE_CURRENT_LIST_DIR}/jsonrpc_test.cc
    ${CMAKE_CURRENT_LIST_DIR}/messages_test.cc
    ${CMAKE_CURRENT_LIST_DIR}/peer_test.cc
    ${CMAKE_CURRENT_LIST_DIR}/session_test.cc
    ${CMAKE_CURRENT_LIST_DIR}/stdio_transport_test.cc
  DEPS onemcp::mcp onemcp::mcp_demo
  LABELS unit)


# Real MCP servers from npm (tools/node), spawned over stdio.
onemcp_test(mcp_real_servers_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/real_servers_stdio_test.cc
  DEPS onemcp::mcp
  LABELS integration)

# Our client and server over the streamable HTTP transports on loopback.
onemcp_test(mcp_session_http_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/session_http_test.cc
  DEPS onemcp::mcp onemcp::mcp_demo
  LABELS integration)
