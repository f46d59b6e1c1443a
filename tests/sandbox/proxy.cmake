# Proxy tests (owner: proxy).
onemcp_test(sandbox_proxy_unit_test
  SOURCES
    ${CMAKE_CURRENT_LIST_DIR}/proxy_names_test.cc
    ${CMAKE_CURRENT_LIST_DIR}/proxy_test.cc
  DEPS onemcp::sandbox
  LABELS unit)
onemcp_test(sandbox_proxy_concurrency_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/proxy_concurrency_test.cc
  DEPS onemcp::sandbox
  LABELS integration)
onemcp_test(sandbox_proxy_docker_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/proxy_docker_test.cc
  DEPS onemcp::sandbox
  LABELS "integration;docker")
