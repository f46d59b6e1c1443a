// The image/volume GC against the real Docker engine: labelled package volumes and built
// images with old last-use records, a data volume, an unlabelled volume and image, a
// labelled volume no server recorded, and objects a container still uses. One GC round
// removes exactly the expired, unused, labelled ones; the engine refuses what a container
// uses (kept, tried again next round); the rest stay. The test removes what it made.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "onemcp/common/paths.h"
#include "onemcp/orchestrator/gc.h"
#include "onemcp/sandbox/engine_client.h"
#include "onemcp/sandbox/hardening.h"
#include "onemcp/sandbox/server_host.h"

namespace onemcp::orchestrator {
namespace {

using namespace std::chrono_literals;
using sandbox::Labels;

constexpr auto kDay = std::chrono::hours(24);

std::int64_t ms(const ManualClock& clock) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(clock.wallNow().time_since_epoch())
      .count();
}

class GcDockerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto client = sandbox::makeEngineClient(sandbox::EngineOptions::fromEnv(processEnv()));
    ASSERT_TRUE(client) << client.error().message;
    docker_ = std::move(*client);
    ASSERT_TRUE(docker_->ping()) << "no Docker engine (scripts/ensure-docker)";
    auto opened = StateStore::open(":memory:");
    ASSERT_TRUE(opened) << opened.error().message;
    state_ = std::move(*opened);
    tag_ = sandbox::randomInstanceId().substr(0, 10);
    owner_ = "test-gc-" + tag_;
    work_ = std::filesystem::temp_directory_path() / ("onemcp-gc-test-" + tag_);
    std::filesystem::create_directories(work_);
    clock_.advance(1000 * kDay);
  }

  void TearDown() override {
    for (const auto& c : containers_) (void)docker_->removeContainer(c, true);
    for (const auto& v : volumes_) (void)docker_->removeVolume(v, true);
    for (const auto& i : images_) (void)docker_->removeImage(i, true);
    std::filesystem::remove_all(work_);
    for (const auto& v : volumes_) {
      auto left = docker_->inspectVolume(v);
      EXPECT_TRUE(left && !*left) << "volume " << v << " left behind";
    }
  }

  std::string volume(const std::string& name, const Labels& labels) {
    const std::string full = "onemcp-gc-test-" + tag_ + "-" + name;
    EXPECT_TRUE(docker_->createVolume(full, labels));
    volumes_.push_back(full);
    return full;
  }

  // An image of one small file (its own content, so its own id), with these labels.
  std::string image(const std::string& name, const Labels& labels) {
    const auto dir = work_ / name;
    std::filesystem::create_directories(dir);
    std::ofstream(dir / "hello.txt") << name << " " << tag_ << "\n";
    const auto tar = work_ / (name + ".tar");
    const std::string cmd = "tar -C '" + dir.string() + "' -cf '" + tar.string() + "' .";
    EXPECT_EQ(std::system(cmd.c_str()), 0) << cmd;
    sandbox::ImageImport import{"onemcp-gc-test-" + tag_ + "/" + name, "1", {}};
    for (const auto& [k, v] : labels) import.changes.push_back("LABEL " + k + "=" + v);
    auto id = docker_->importImage(tar, import);
    EXPECT_TRUE(id) << id.error().message;
    images_.push_back(id ? *id : "");
    return id ? *id : "";
  }

  [[nodiscard]] bool volumeExists(const std::string& name) const {
    auto v = docker_->inspectVolume(name);
    return v && v->has_value();
  }
  [[nodiscard]] bool imageExists(const std::string& id) const {
    return docker_->inspectImage(id).has_value();
  }

  Labels cacheLabels() const {
    return {{std::string(sandbox::kLabelManaged), "true"},
            {std::string(sandbox::kLabelOwner), std::string(sandbox::kCacheOwner)},
            {std::string(sandbox::kLabelServer), "gc-test"},
            {std::string(sandbox::kLabelRole), "install-cache"}};
  }
  Labels builtLabels() const {
    return {{std::string(sandbox::kLabelManaged), "true"},
            {std::string(sandbox::kLabelServer), "gc-test"},
            {std::string(sandbox::kLabelRole), "built"}};
  }

  std::unique_ptr<sandbox::DockerClient> docker_;
  std::unique_ptr<StateStore> state_;
  ManualClock clock_;
  std::string tag_;
  std::string owner_;
  std::filesystem::path work_;
  std::vector<std::string> containers_;
  std::vector<std::string> volumes_;
  std::vector<std::string> images_;
};

TEST_F(GcDockerTest, RemovesExactlyTheExpiredUnusedLabelledObjects) {
  ObjectGc gc(*docker_, *state_, clock_, GcOptions{30 * kDay, owner_});
  const std::string pkg_old = volume("pkg-old", cacheLabels());
  const std::string pkg_new = volume("pkg-new", cacheLabels());
  const std::string pkg_unrecorded = volume("pkg-unrecorded", cacheLabels());
  const std::string pkg_used = volume("pkg-used", cacheLabels());
  Labels data_labels = cacheLabels();
  data_labels[std::string(sandbox::kLabelOwner)] = owner_;
  data_labels[std::string(sandbox::kLabelRole)] = "data";
  const std::string data_old = volume("data-old", data_labels);
  const std::string plain_old = volume("plain-old", {});
  const std::string built_old = image("built-old", builtLabels());
  const std::string built_new = image("built-new", builtLabels());
  const std::string built_used = image("built-used", builtLabels());
  const std::string plain_image = image("plain", {});
  ASSERT_FALSE(HasFailure());

  // "old" ran 31 days ago and is stopped; what it needed, labelled or not, is recorded.
  Offer old{"test:old", "old", "", 1.0F, true, {}};
  ASSERT_TRUE(state_->putServer({old, "old", false, ms(clock_)}));
  ASSERT_TRUE(state_->recordObjects("test:old",
                                    {{"volume", pkg_old},
                                     {"volume", data_old},
                                     {"volume", plain_old},
                                     {"image", built_old},
                                     {"image", plain_image}},
                                    ms(clock_)));
  // "keeper" also ran then, in a container that still exists (stopped): the engine keeps
  // what it uses. Its launch is recorded from the real container (image id, volumes).
  Offer keeper{"test:keeper", "keeper", "", 1.0F, true, {}};
  ASSERT_TRUE(state_->putServer({keeper, "keeper", false, ms(clock_)}));
  sandbox::ContainerConfig config;
  config.name = "onemcp-gc-test-" + tag_;
  config.image = "onemcp-gc-test-" + tag_ + "/built-used:1";
  config.cmd = {"/hello.txt"};
  config.labels = {{std::string(sandbox::kLabelOwner), owner_}};
  config.mounts.push_back(
      {sandbox::MountSpec::Type::kVolume, pkg_used, "/opt/onemcp/pkg", true, 0});
  auto container = docker_->createContainer(config);
  ASSERT_TRUE(container) << container.error().message;
  containers_.push_back(*container);
  ASSERT_TRUE(gc.recordLaunch("test:keeper", *container));

  clock_.advance(20 * kDay);
  // "new" started 11 days ago and runs.
  Offer fresh{"test:new", "new", "", 1.0F, true, {}};
  ASSERT_TRUE(state_->putServer({fresh, "new", true, ms(clock_)}));
  ASSERT_TRUE(
      state_->recordObjects("test:new", {{"volume", pkg_new}, {"image", built_new}}, ms(clock_)));
  clock_.advance(11 * kDay);

  auto objects = state_->objects();
  ASSERT_TRUE(objects);
  bool saw_used_volume = false;
  bool saw_used_image = false;
  for (const auto& o : *objects) {
    saw_used_volume = saw_used_volume || (o.object.kind == "volume" && o.object.name == pkg_used);
    saw_used_image = saw_used_image || (o.object.kind == "image" && o.object.name == built_used);
  }
  EXPECT_TRUE(saw_used_volume) << "the container's volume was not recorded from the engine";
  EXPECT_TRUE(saw_used_image) << "the container's image id was not recorded from the engine";

  auto dry = gc.collect(/*dry_run=*/true);
  ASSERT_TRUE(dry) << dry.error().message;
  EXPECT_EQ(dry->removed.size(), 4U);
  EXPECT_TRUE(volumeExists(pkg_old)) << "a dry run removed something";

  auto round = gc.collect();
  ASSERT_TRUE(round) << round.error().message;
  std::set<std::string> removed;
  std::set<std::string> failed;
  for (const auto& i : round->removed) removed.insert(i.object.name);
  for (const auto& i : round->failed) failed.insert(i.object.name);
  EXPECT_EQ(removed, (std::set<std::string>{pkg_old, built_old}));
  EXPECT_EQ(failed, (std::set<std::string>{pkg_used, built_used}));
  EXPECT_FALSE(volumeExists(pkg_old));
  EXPECT_FALSE(imageExists(built_old));
  for (const auto& v : {pkg_new, pkg_unrecorded, pkg_used, data_old, plain_old}) {
    EXPECT_TRUE(volumeExists(v)) << v << " was removed";
  }
  for (const auto& i : {built_new, built_used, plain_image})
    EXPECT_TRUE(imageExists(i)) << i << " was removed";

  // Once the container is gone, the next round removes what it held.
  ASSERT_TRUE(docker_->removeContainer(*container, true));
  auto next = gc.collect();
  ASSERT_TRUE(next) << next.error().message;
  EXPECT_EQ(next->removed.size(), 2U);
  EXPECT_FALSE(volumeExists(pkg_used));
  EXPECT_FALSE(imageExists(built_used));
  EXPECT_TRUE(volumeExists(data_old));

  // The data volume goes only when the user asks.
  auto data = gc.removeServerData("old");
  ASSERT_TRUE(data) << data.error().message;
  EXPECT_EQ(*data, std::vector<std::string>{data_old});
  EXPECT_FALSE(volumeExists(data_old));
}

}  // namespace
}  // namespace onemcp::orchestrator
