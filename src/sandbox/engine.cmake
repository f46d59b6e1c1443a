# Docker engine client, images, hardened containers, server host (owner: sandbox engine).
list(APPEND SANDBOX_SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/stream_frames.cc
  ${CMAKE_CURRENT_LIST_DIR}/engine_http.cc
  ${CMAKE_CURRENT_LIST_DIR}/engine_client.cc)
list(APPEND SANDBOX_PRIVATE_DEPS Boost::headers)
list(APPEND SANDBOX_SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/apt_sources.cc
  ${CMAKE_CURRENT_LIST_DIR}/image_builder.cc)
list(APPEND SANDBOX_PRIVATE_DEPS OpenSSL::Crypto)
list(APPEND SANDBOX_SOURCES ${CMAKE_CURRENT_LIST_DIR}/hardening.cc)
list(APPEND SANDBOX_SOURCES ${CMAKE_CURRENT_LIST_DIR}/attach_transport.cc)
list(APPEND SANDBOX_SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/server_host.cc
  ${CMAKE_CURRENT_LIST_DIR}/source_build.cc)
list(APPEND SANDBOX_SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/mcp_probe.cc
  ${CMAKE_CURRENT_LIST_DIR}/host_config.cc)
# The recipes' location in this source tree, the default when ONEMCP_IMAGES_DIR is unset.
set_source_files_properties(${CMAKE_CURRENT_LIST_DIR}/image_builder.cc PROPERTIES
  COMPILE_DEFINITIONS "ONEMCP_IMAGES_DIR=\"${PROJECT_SOURCE_DIR}/images\"")
