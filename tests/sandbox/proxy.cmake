# Proxy tests (owner: proxy).
onemcp_test(sandbox_proxy_unit_test
  SOURCES
    ${CMAKE_CURRENT_LIST_DIR}/proxy_names_test.cc
    ${CMAKE_CURRENT_LIST_DIR}/proxy_test.cc
    ${CMAKE_CURRENT_LIST_DIR}/proxy_deadlines_test.cc
  DEPS onemcp::sandbox
  LABELS unit)
# proxy_deadlines_test.cc tests a class private to the proxy.
target_include_directories(sandbox_proxy_unit_test PRIVATE ${PROJECT_SOURCE_DIR}/src/sandbox)
onemcp_test(sandbox_proxy_concurrency_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/proxy_concurrency_test.cc
  DEPS onemcp::sandbox
  LABELS integration)
onemcp_test(sandbox_proxy_docker_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/proxy_docker_test.cc
  DEPS onemcp::sandbox
  LABELS "integration;docker")
onemcp_test(sandbox_proxy_session_id_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/proxy_session_id_test.cc
  DEPS onemcp::sandbox Boost::url
  LABELS unit)
