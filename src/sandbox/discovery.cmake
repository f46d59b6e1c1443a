# Run specs, their discovery from packages/folders/configs, and verification.
find_package(tomlplusplus REQUIRED)
find_package(yaml-cpp REQUIRED)
list(APPEND SANDBOX_SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/run_spec.cc
  ${CMAKE_CURRENT_LIST_DIR}/detect_node.cc
  ${CMAKE_CURRENT_LIST_DIR}/detect_python.cc
  ${CMAKE_CURRENT_LIST_DIR}/detect_misc.cc
  ${CMAKE_CURRENT_LIST_DIR}/detect_readme.cc
  ${CMAKE_CURRENT_LIST_DIR}/sources.cc
  ${CMAKE_CURRENT_LIST_DIR}/caching_runner.cc
  ${CMAKE_CURRENT_LIST_DIR}/discovery.cc
  ${CMAKE_CURRENT_LIST_DIR}/discovery_env.cc
  ${CMAKE_CURRENT_LIST_DIR}/discovery_launch.cc
  ${CMAKE_CURRENT_LIST_DIR}/discovery_registry.cc
  ${CMAKE_CURRENT_LIST_DIR}/discovery_folder.cc
  ${CMAKE_CURRENT_LIST_DIR}/verify.cc
  ${CMAKE_CURRENT_LIST_DIR}/verify_local.cc
  ${CMAKE_CURRENT_LIST_DIR}/verify_sandbox.cc)
list(APPEND SANDBOX_PRIVATE_DEPS tomlplusplus::tomlplusplus yaml-cpp OpenSSL::Crypto)
