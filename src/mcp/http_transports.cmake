# Streamable HTTP server/client and the legacy HTTP+SSE client (owner: http).
list(APPEND MCP_SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/streamable_http_common.cc
  ${CMAKE_CURRENT_LIST_DIR}/streamable_http_server.cc
  ${CMAKE_CURRENT_LIST_DIR}/streamable_http_session.cc)
list(APPEND MCP_PUBLIC_DEPS onemcp::http)
list(APPEND MCP_SOURCES ${CMAKE_CURRENT_LIST_DIR}/streamable_http_client.cc)
list(APPEND MCP_SOURCES ${CMAKE_CURRENT_LIST_DIR}/legacy_sse_client.cc)
