# Run specs, discovery and verification (owner: discovery).
onemcp_test(run_spec_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/run_spec_test.cc
  DEPS onemcp::sandbox
  LABELS unit)
onemcp_test(discovery_parsers_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/discovery_parsers_test.cc
  DEPS onemcp::sandbox
  LABELS unit)
onemcp_test(discovery_sources_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/discovery_sources_test.cc ${CMAKE_CURRENT_LIST_DIR}/discovery_readme_env_test.cc
  DEPS onemcp::sandbox
  LABELS unit)
onemcp_test(discovery_fixtures_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/discovery_fixtures_test.cc
  DEPS onemcp::sandbox
  LABELS unit)
onemcp_test(discovery_census_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/discovery_census_test.cc
  DEPS onemcp::sandbox
  LABELS unit)
onemcp_test(discovery_git_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/discovery_git_test.cc
  DEPS onemcp::sandbox
  LABELS integration)
onemcp_test(discovery_npm_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/discovery_npm_test.cc
  DEPS onemcp::sandbox
  LABELS "integration;npm")
onemcp_test(discovery_verify_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/discovery_verify_test.cc
  DEPS onemcp::sandbox
  LABELS unit)
onemcp_test(discovery_verify_fixtures_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/discovery_verify_fixtures_test.cc
  DEPS onemcp::sandbox
  LABELS integration)
onemcp_test(discovery_real_packages_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/discovery_real_packages_test.cc
  DEPS onemcp::sandbox
  LABELS "integration;docker;npm")
onemcp_test(discovery_sandbox_fixtures_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/discovery_sandbox_fixtures_test.cc
  DEPS onemcp::sandbox
  LABELS "integration;docker;npm")
# `onemcp sandbox run <input>` for every kind of input, served on stdio.
add_test(NAME sandbox_run_cli_test
  COMMAND ${CMAKE_CURRENT_LIST_DIR}/run_cli_test.sh $<TARGET_FILE:onemcp>)
set_tests_properties(sandbox_run_cli_test PROPERTIES LABELS "integration;docker;npm" TIMEOUT 900)
