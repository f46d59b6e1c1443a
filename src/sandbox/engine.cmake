# Docker engine client, images, hardened containers, server host (owner: sandbox engine).
list(APPEND SANDBOX_SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/stream_frames.cc
  ${CMAKE_CURRENT_LIST_DIR}/engine_http.cc
  ${CMAKE_CURRENT_LIST_DIR}/engine_client.cc)
list(APPEND SANDBOX_PRIVATE_DEPS Boost::headers)
