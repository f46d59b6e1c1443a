// The real DockerClient: the Docker Engine API (v1.41) over the engine's unix socket,
// found through DOCKER_HOST like the docker CLI does. Also the pure mapping from a
// ContainerConfig to the engine's create body, which tests check field by field.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "onemcp/common/paths.h"
#include "onemcp/common/result.h"
#include "onemcp/sandbox/docker_client.h"

namespace onemcp::sandbox {

struct EngineOptions {
  std::string host = "unix:///var/run/docker.sock";  // DOCKER_HOST syntax
  std::string api_version = "1.41";
  std::chrono::milliseconds timeout{30000};          // an ordinary call
  std::chrono::milliseconds import_timeout{600000};  // importing a root filesystem
  std::size_t max_reply_bytes = 64u << 20;

  // DOCKER_HOST when set, else the default socket.
  static EngineOptions fromEnv(const EnvLookup& env);
};

// Fails (kInvalidInput) only for a host it cannot speak to (tcp://, ssh://); an engine
// that is down is reported by the first call, within the options' timeout.
Result<std::unique_ptr<DockerClient>> makeEngineClient(const EngineOptions& options);

// POST /containers/create body for `config`.
nlohmann::json createContainerBody(const ContainerConfig& config);

}  // namespace onemcp::sandbox
