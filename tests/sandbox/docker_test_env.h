// Shared by the docker-labelled tests: the real engine, OneMCP's runtime images (built
// once per machine, then found by their recipe hash), a per-test owner label, and the
// leak check every test ends with: no container, network or volume of its owner remains.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "onemcp/sandbox/apt_sources.h"
#include "onemcp/sandbox/docker_client.h"
#include "onemcp/sandbox/engine_client.h"
#include "onemcp/sandbox/hardening.h"
#include "onemcp/sandbox/host_config.h"
#include "onemcp/sandbox/image_builder.h"
#include "onemcp/sandbox/mcp_probe.h"
#include "onemcp/sandbox/server_host.h"

namespace onemcp::sandbox::testing {

class DockerTest : public ::testing::Test {
 public:
  static void SetUpTestSuite() {
    if (!engine_) {
      auto client = makeEngineClient(EngineOptions::fromEnv(processEnv()));
      ASSERT_TRUE(client) << client.error().message;
      engine_ = std::move(*client).release();
      auto debian = readHostDebian();
      ASSERT_TRUE(debian) << debian.error().message;
      BuildEnvironment env{std::string(ONEMCP_SOURCE_DIR) + "/images", debian->mirror,
                           debian->suite, std::string(ONEMCP_BINARY_DIR) + "/images-work", {}};
      images_ = new ImageBuilder(*engine_, env);
      install_env_ = new std::map<std::string, std::string>(hostInstallEnv(processEnv()));
    }
    auto ping = engine_->ping();
    ASSERT_TRUE(ping) << ping.error().message;
  }

 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    owner_ = sanitizeName(std::string("test-") + info->name()).substr(0, 40) + "-" +
             randomInstanceId().substr(0, 6);
    policy_.owner = owner_;
    policy_.install_env = *install_env_;
    host_ = std::make_unique<ServerHost>(*engine_, *images_, policy_);
  }

  void TearDown() override {
    const LabelFilter mine{{std::string(kLabelOwner), owner_}};
    auto containers = engine_->listContainers(mine, true);
    ASSERT_TRUE(containers);
    EXPECT_TRUE(containers->empty()) << containers->size() << " container(s) leaked";
    auto networks = engine_->listNetworks(mine);
    ASSERT_TRUE(networks);
    EXPECT_TRUE(networks->empty()) << networks->size() << " network(s) leaked";
    // Data volumes outlive servers by design; the test removes its own, then checks.
    (void)host_->removeAll(true);
    auto volumes = engine_->listVolumes(mine);
    ASSERT_TRUE(volumes);
    EXPECT_TRUE(volumes->empty()) << volumes->size() << " volume(s) left";
    auto again = engine_->listContainers(mine, true);
    ASSERT_TRUE(again);
    EXPECT_TRUE(again->empty());
  }

  static DockerClient& engine() { return *engine_; }
  static ImageBuilder& images() { return *images_; }

  std::string nodeImage() {
    auto tag = images_->ensure(ImageRecipe{"node", {{"NODE_MAJOR", "22"}}},
                               [](std::string_view line) { std::fprintf(stderr, "%.*s\n",
                                                                         static_cast<int>(line.size()),
                                                                         line.data()); });
    EXPECT_TRUE(tag) << tag.error().message;
    return tag ? *tag : std::string();
  }

  static RunSpec npmSpec(std::string name, std::string package, std::vector<std::string> cmd) {
    RunSpec s;
    s.name = std::move(name);
    s.runtime = Runtime::kNode;
    s.install = {InstallKind::kNpm, {std::move(package)}};
    s.command = std::move(cmd);
    return s;
  }

  // A spec that runs a shell command in the node image (no install).
  static RunSpec shellSpec(std::string name, const std::string& script) {
    RunSpec s;
    s.name = std::move(name);
    s.runtime = Runtime::kNode;
    s.command = {"sh", "-c", script};
    return s;
  }

  std::string owner_;
  HostPolicy policy_;
  std::unique_ptr<ServerHost> host_;

 private:
  // Shared by every test of the binary (engine connection, image builder); never freed.
  static inline DockerClient* engine_ = nullptr;
  static inline ImageBuilder* images_ = nullptr;
  static inline std::map<std::string, std::string>* install_env_ = nullptr;
};

}  // namespace onemcp::sandbox::testing
