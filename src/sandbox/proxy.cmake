# The MCP proxy/router: one endpoint in front of many backends (owner: proxy).
list(APPEND SANDBOX_SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/proxy_names.cc
  ${CMAKE_CURRENT_LIST_DIR}/proxy_config.cc
  ${CMAKE_CURRENT_LIST_DIR}/proxy_backend.cc
  ${CMAKE_CURRENT_LIST_DIR}/proxy_deadlines.cc
  ${CMAKE_CURRENT_LIST_DIR}/proxy_launchers.cc
  ${CMAKE_CURRENT_LIST_DIR}/proxy.cc
  ${CMAKE_CURRENT_LIST_DIR}/proxy_session.cc
  ${CMAKE_CURRENT_LIST_DIR}/proxy_session_id.cc)
# The session-id codec's HMAC and random key.
list(APPEND SANDBOX_PRIVATE_DEPS OpenSSL::Crypto)
