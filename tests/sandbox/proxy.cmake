# Proxy tests (owner: proxy).
onemcp_test(sandbox_proxy_unit_test
  SOURCES
    ${CMAKE_CURRENT_LIST_DIR}/proxy_names_test.cc
    ${CMAKE_CURRENT_LIST_DIR}/proxy_test.cc
  DEPS onemcp::sandbox
  LABELS unit)
