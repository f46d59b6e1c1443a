# The proxy's configuration reader and name functions (owner: proxy).
onemcp_fuzz(proxy_fuzz SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/proxy_fuzz.cc DEPS onemcp::sandbox)
# The Mcp-Session-Id codec of the proxy's HTTP front (owner: proxy).
onemcp_fuzz(proxy_session_id_fuzz SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/proxy_session_id_fuzz.cc
  DEPS onemcp::sandbox)
