# The proxy's configuration reader and name functions (owner: proxy).
onemcp_fuzz(proxy_fuzz SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/proxy_fuzz.cc DEPS onemcp::sandbox)
