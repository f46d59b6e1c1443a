# Tests for the streamable HTTP and legacy SSE transports (owner: http).
onemcp_test(mcp_http_transports_test
  SOURCES
    ${CMAKE_CURRENT_LIST_DIR}/streamable_http_common_test.cc
    ${CMAKE_CURRENT_LIST_DIR}/streamable_http_server_test.cc
    ${CMAKE_CURRENT_LIST_DIR}/streamable_http_client_test.cc
    ${CMAKE_CURRENT_LIST_DIR}/legacy_sse_client_test.cc
  DEPS onemcp::mcp
  LABELS unit)
onemcp_test(mcp_http_everything_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/streamable_http_everything_test.cc
  DEPS onemcp::mcp
  LABELS integration)
set_tests_properties(mcp_http_everything_test PROPERTIES TIMEOUT 180)
