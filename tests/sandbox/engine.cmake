# Sandbox engine tests (owner: sandbox engine).
onemcp_test(sandbox_engine_unit_test
  SOURCES
    ${CMAKE_CURRENT_LIST_DIR}/stream_frames_test.cc
    ${CMAKE_CURRENT_LIST_DIR}/apt_sources_test.cc
    ${CMAKE_CURRENT_LIST_DIR}/hardening_test.cc
    ${CMAKE_CURRENT_LIST_DIR}/server_recovery_test.cc
    ${CMAKE_CURRENT_LIST_DIR}/source_build_test.cc
  DEPS onemcp::sandbox
  LABELS unit)
onemcp_test(sandbox_engine_docker_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/engine_integration_test.cc
  DEPS onemcp::sandbox
  LABELS "integration;docker")
onemcp_test(sandbox_hosted_servers_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/hosted_servers_test.cc
  DEPS onemcp::sandbox Boost::url
  LABELS "integration;docker")
onemcp_test(sandbox_containment_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/containment_test.cc
  DEPS onemcp::sandbox
  LABELS "integration;docker")
onemcp_test(sandbox_bad_input_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/bad_input_test.cc
  DEPS onemcp::sandbox
  LABELS "integration;docker")
onemcp_test(sandbox_adoption_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/adoption_test.cc
  DEPS onemcp::sandbox
  LABELS "integration;docker")
onemcp_test(sandbox_restart_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/restart_test.cc
  DEPS onemcp::sandbox
  LABELS "integration;docker")
onemcp_test(sandbox_fixture_servers_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/fixture_servers_test.cc
  DEPS onemcp::sandbox
  LABELS "integration;docker")
