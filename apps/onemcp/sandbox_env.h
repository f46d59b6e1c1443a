// What the sandbox-using subcommands (sandbox, proxy) share: opening the Docker engine
// with the runtime images and a server host, parsing a path grant, and the outside world
// that run-spec discovery consults.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "onemcp/common/result.h"
#include "onemcp/sandbox/discovery.h"
#include "onemcp/sandbox/docker_client.h"
#include "onemcp/sandbox/image_builder.h"
#include "onemcp/sandbox/server_host.h"
#include "onemcp/sandbox/sources.h"

namespace onemcp::app {

// The owner label of containers the CLI starts.
inline constexpr std::string_view kCliOwner = "cli";

struct Sandbox {
  std::unique_ptr<sandbox::DockerClient> docker;
  std::unique_ptr<sandbox::ImageBuilder> images;
  std::unique_ptr<sandbox::ServerHost> host;
};

// Connects to the engine (DOCKER_HOST honoured); `need_images` reads the host's Debian
// mirror so that missing runtime images can be built.
Result<Sandbox> openSandbox(bool need_images);

// "PATH[:rw]" -> a grant mounted at the same path inside the container.
Result<sandbox::Grant> parseGrant(const std::string& text);

// The real outside world, or (offline) none: no registry lookups, nothing reachable.
struct World {
  std::unique_ptr<sandbox::CommandRunner> runner;
  std::unique_ptr<sandbox::NpmRegistry> npm;
  std::unique_ptr<sandbox::GitClient> git;
  std::unique_ptr<sandbox::Reachability> reach;

  explicit World(bool offline);
  sandbox::Discoverer discoverer();
};

}  // namespace onemcp::app
