#include "sandbox_env.h"

#include <cstdlib>
#include <filesystem>

#include "onemcp/common/paths.h"
#include "onemcp/sandbox/apt_sources.h"
#include "onemcp/sandbox/engine_client.h"
#include "onemcp/sandbox/host_config.h"

namespace onemcp::app {

using namespace onemcp::sandbox;  // NOLINT(google-build-using-namespace)

Result<Sandbox> openSandbox(bool need_images) {
  auto docker = makeEngineClient(EngineOptions::fromEnv(processEnv()));
  if (!docker) return fail(docker.error());
  Sandbox s;
  s.docker = std::move(*docker);
  ONEMCP_TRY(s.docker->ping());
  BuildEnvironment env{defaultRecipesDir(processEnv()), "", "", Paths::resolve(processEnv()).cache_dir / "images", {}};
  if (need_images) {
    auto debian = readHostDebian();
    ONEMCP_TRY(debian);
    env.mirror = debian->mirror;
    env.suite = debian->suite;
  }
  if (const char* img = std::getenv("ONEMCP_NODE_IMAGE")) env.configured["node"] = img;
  if (const char* img = std::getenv("ONEMCP_PYTHON_IMAGE")) env.configured["python"] = img;
  s.images = std::make_unique<ImageBuilder>(*s.docker, env);
  HostPolicy policy;
  policy.owner = std::string(kCliOwner);
  policy.install_env = hostInstallEnv(processEnv());
  s.host = std::make_unique<ServerHost>(*s.docker, *s.images, policy);
  return s;
}

Result<Grant> parseGrant(const std::string& text) {
  Grant g;
  g.host_path = text;
  if (text.ends_with(":rw")) {
    g.host_path = text.substr(0, text.size() - 3);
    g.read_write = true;
  } else if (text.ends_with(":ro")) {
    g.host_path = text.substr(0, text.size() - 3);
  }
  std::error_code ec;
  auto canonical = std::filesystem::canonical(g.host_path, ec);
  if (ec) return fail(ErrorCode::kInvalidInput, "grant '" + text + "': " + ec.message());
  g.host_path = canonical.string();
  return g;
}

World::World(bool offline) : runner(makeProcessRunner()) {
  git = makeGitCliClient(*runner);
  if (offline) {
    reach = std::make_unique<FixedReachability>(false, false, false);
  } else {
    npm = makeNpmCliRegistry(*runner);
    reach = makeProbingReachability(*runner);
  }
}

Discoverer World::discoverer() {
  return Discoverer(DiscoveryServices{npm.get(), git.get(), reach.get(),
                                      Paths::resolve(processEnv()).cache_dir / "sources"});
}

}  // namespace onemcp::app
