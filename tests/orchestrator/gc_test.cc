// The image/volume GC against the gmock engine, a manual clock and a real (in-memory)
// state store: what each launch needed is recorded, and a round removes exactly the
// labelled package volumes and built images no running server needs and none used for
// D days; the engine's refusals are retried; data volumes go only on explicit request.
#include "onemcp/orchestrator/gc.h"

#include <gtest/gtest.h>

#include <future>

#include "mock_docker_client.h"
#include "onemcp/orchestrator/daemon.h"
#include "onemcp/sandbox/hardening.h"

namespace onemcp::orchestrator {
namespace {

using namespace std::chrono_literals;
using sandbox::ContainerInfo;
using sandbox::ImageInfo;
using sandbox::LabelFilter;
using sandbox::VolumeInfo;
using ::testing::_;
using ::testing::Return;

constexpr auto kDay = std::chrono::hours(24);

std::int64_t ms(const ManualClock& clock) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(clock.wallNow().time_since_epoch())
      .count();
}

Offer offer(const std::string& id) { return Offer{id, id, "", 1.0F, true, {}}; }

std::unique_ptr<StateStore> memoryStore() {
  auto opened = StateStore::open(":memory:");
  EXPECT_TRUE(opened) << opened.error().message;
  return opened ? std::move(*opened) : nullptr;
}

class GcTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_NE(state_, nullptr);
    clock_.advance(1000 * kDay);  // wall time well past the epoch
    // The engine holds: package volumes and a built image that servers needed, a package
    // volume and an image no server of this daemon recorded, and a data volume.
    ON_CALL(docker_, listVolumes(_))
        .WillByDefault([](const LabelFilter& f) -> Result<std::vector<VolumeInfo>> {
          if (f.at(std::string(sandbox::kLabelRole)) == "install-cache") {
            EXPECT_EQ(f.at(std::string(sandbox::kLabelOwner)), sandbox::kCacheOwner);
            return std::vector<VolumeInfo>{{"pkg-old", {}}, {"pkg-new", {}}, {"pkg-foreign", {}}};
          }
          if (f.at(std::string(sandbox::kLabelRole)) == "data" &&
              f.at(std::string(sandbox::kLabelOwner)) == "me") {
            return std::vector<VolumeInfo>{{"data-old", {}}};
          }
          return std::vector<VolumeInfo>{};
        });
    ON_CALL(docker_, listImages(_))
        .WillByDefault([](const LabelFilter& f) -> Result<std::vector<ImageInfo>> {
          EXPECT_EQ(f.at(std::string(sandbox::kLabelRole)), "built");
          return std::vector<ImageInfo>{
              {"sha256:built-old", {"onemcp-local/old:latest"}, {}, 0},
              {"sha256:built-foreign", {"onemcp-local/other:latest"}, {}, 0}};
        });
    // Nothing is removed unless a test expects it (later expectations take precedence).
    EXPECT_CALL(docker_, removeVolume(_, _)).Times(0);
    EXPECT_CALL(docker_, removeImage(_, _)).Times(0);
  }

  // Starts `id` as the daemon records it (a server row; `running`) in a container that
  // needs `image` and `volumes`, and records the launch.
  void launch(const std::string& id, const std::string& image, std::vector<std::string> volumes,
              bool running = true) {
    ASSERT_TRUE(state_->putServer({offer(id), id, running, ms(clock_)}));
    ContainerInfo info;
    info.id = "c-" + id;
    info.image = "onemcp/node:22";
    info.image_id = image;
    info.volumes = std::move(volumes);
    EXPECT_CALL(docker_, inspectContainer("c-" + id)).WillOnce(Return(info));
    ASSERT_TRUE(gc_.recordLaunch(id, "c-" + id));
  }

  static std::vector<std::string> names(const std::vector<GcRound::Item>& items) {
    std::vector<std::string> out;
    for (const auto& i : items) out.push_back(i.object.kind + " " + i.object.name);
    return out;
  }

  ::testing::NiceMock<sandbox::testing::MockDockerClient> docker_;
  ManualClock clock_;
  std::unique_ptr<StateStore> state_ = memoryStore();
  ObjectGc gc_{docker_, *state_, clock_, GcOptions{30 * kDay, "me"}};
};

TEST_F(GcTest, RemovesOnlyLabelledObjectsThatNoRunningServerNeedsAndNoneUsedForDDays) {
  launch("old", "sha256:built-old", {"pkg-old", "data-old"}, /*running=*/false);
  clock_.advance(10 * kDay);
  launch("new", "sha256:runtime", {"pkg-new"}, /*running=*/true);
  clock_.advance(20 * kDay - 1s);
  // 30 days less a second after "old" last ran: nothing is due yet.
  auto early = gc_.collect();
  ASSERT_TRUE(early) << early.error().message;
  EXPECT_TRUE(early->removed.empty()) << ::testing::PrintToString(names(early->removed));

  clock_.advance(1s);
  EXPECT_CALL(docker_, removeVolume("pkg-old", false)).WillOnce(Return(Result<void>()));
  EXPECT_CALL(docker_, removeImage("sha256:built-old", false)).WillOnce(Return(Result<void>()));
  auto round = gc_.collect();
  ASSERT_TRUE(round) << round.error().message;
  // Not the data volume, not the running server's package volume, not its runtime image
  // (no GC label), not the objects no server of this daemon recorded.
  EXPECT_EQ(names(round->removed),
            (std::vector<std::string>{"image sha256:built-old", "volume pkg-old"}));
  EXPECT_TRUE(round->failed.empty());
  // Removed objects are forgotten: the next round has nothing to do, even much later.
  clock_.advance(100 * kDay);
  ::testing::Mock::VerifyAndClearExpectations(&docker_);
  EXPECT_CALL(docker_, removeVolume(_, _)).Times(0);
  EXPECT_CALL(docker_, removeImage(_, _)).Times(0);
  auto again = gc_.collect();
  ASSERT_TRUE(again);
  EXPECT_TRUE(again->removed.empty()) << ::testing::PrintToString(names(again->removed));
}

TEST_F(GcTest, ACallKeepsWhatTheServerNeedsAlive) {
  launch("old", "sha256:built-old", {"pkg-old"}, /*running=*/false);
  clock_.advance(25 * kDay);
  state_->recordUsage({ms(clock_), "session-1", "old", "read_graph", 100, true});  // backend "old"
  clock_.advance(25 * kDay);
  auto round = gc_.collect();
  ASSERT_TRUE(round) << round.error().message;
  EXPECT_TRUE(round->removed.empty()) << "used 25 days ago";
  clock_.advance(5 * kDay);
  EXPECT_CALL(docker_, removeVolume("pkg-old", false)).WillOnce(Return(Result<void>()));
  EXPECT_CALL(docker_, removeImage("sha256:built-old", false)).WillOnce(Return(Result<void>()));
  ASSERT_TRUE(gc_.collect());
}

TEST_F(GcTest, WhatAnEarlierLaunchNeededAgesEvenWhileTheServerRuns) {
  launch("old", "sha256:runtime", {"pkg-old"}, /*running=*/true);
  clock_.advance(5 * kDay);
  // Its package changed: the new launch needs another volume; the earlier one is used no more.
  launch("old", "sha256:runtime", {"pkg-new"}, /*running=*/true);
  clock_.advance(30 * kDay);
  state_->recordUsage({ms(clock_), "session-1", "old", "read_graph", 100, true});
  EXPECT_CALL(docker_, removeVolume("pkg-old", false)).WillOnce(Return(Result<void>()));
  auto round = gc_.collect();
  ASSERT_TRUE(round) << round.error().message;
  EXPECT_EQ(names(round->removed), std::vector<std::string>{"volume pkg-old"});
}

TEST_F(GcTest, AnObjectTheEngineRefusesIsTriedAgainNextRound) {
  launch("old", "sha256:runtime", {"pkg-old"}, /*running=*/false);
  clock_.advance(31 * kDay);
  EXPECT_CALL(docker_, removeVolume("pkg-old", false))
      .WillOnce(Return(Result<void>(Error(ErrorCode::kDocker, "volume is in use"))))
      .WillOnce(Return(Result<void>()));
  auto first = gc_.collect();
  ASSERT_TRUE(first) << first.error().message;
  EXPECT_TRUE(first->removed.empty());
  ASSERT_EQ(first->failed.size(), 1U);
  EXPECT_NE(first->failed[0].detail.find("in use"), std::string::npos);
  auto second = gc_.collect();
  ASSERT_TRUE(second);
  EXPECT_EQ(names(second->removed), std::vector<std::string>{"volume pkg-old"});
}

TEST_F(GcTest, AnEngineThatDoesNotAnswerIsAnErrorNotACrash) {
  launch("old", "sha256:runtime", {"pkg-old"}, /*running=*/false);
  clock_.advance(31 * kDay);
  EXPECT_CALL(docker_, listVolumes(_))
      .WillOnce(Return(Result<std::vector<VolumeInfo>>(Error(ErrorCode::kDocker, "engine down"))));
  auto round = gc_.collect();
  ASSERT_FALSE(round);
  EXPECT_NE(round.error().message.find("engine down"), std::string::npos) << round.error().message;
}

TEST_F(GcTest, ADryRunAndGcOffRemoveNothing) {
  launch("old", "sha256:built-old", {"pkg-old"}, /*running=*/false);
  clock_.advance(31 * kDay);
  auto dry = gc_.collect(/*dry_run=*/true);
  ASSERT_TRUE(dry) << dry.error().message;
  EXPECT_EQ(names(dry->removed),
            (std::vector<std::string>{"image sha256:built-old", "volume pkg-old"}));
  EXPECT_EQ(dry->removed[0].detail, "unused for 31 days");

  ObjectGc off(docker_, *state_, clock_, GcOptions{std::chrono::hours(0), "me"});
  EXPECT_CALL(docker_, listVolumes(_)).Times(0);
  auto none = off.collect();
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->removed.empty());
}

TEST_F(GcTest, DataGoesOnlyOnExplicitRequestAndNotWhileTheServerRuns) {
  launch("old", "sha256:runtime", {"pkg-old", "data-old"}, /*running=*/true);
  auto refused = gc_.removeServerData("old");
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("stop it first"), std::string::npos)
      << refused.error().message;
  ASSERT_TRUE(state_->setRunning("old", false));
  EXPECT_CALL(docker_, removeVolume("data-old", false)).WillOnce(Return(Result<void>()));
  auto removed = gc_.removeServerData("old");
  ASSERT_TRUE(removed) << removed.error().message;
  EXPECT_EQ(*removed, std::vector<std::string>{"data-old"});
  auto again = gc_.removeServerData("old");
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, ErrorCode::kNotFound);
}

class NoSource final : public ToolSource {
 public:
  Result<std::vector<Offer>> find(const std::string&, std::size_t) override {
    return std::vector<Offer>{};
  }
  Result<std::unique_ptr<sandbox::BackendLauncher>> launcher(const Offer&) override {
    return fail(ErrorCode::kNotFound, "no servers here");
  }
};

TEST_F(GcTest, TheDaemonsLifecycleThreadRunsTheGc) {
  launch("old", "sha256:runtime", {"pkg-old"}, /*running=*/false);
  clock_.advance(31 * kDay);
  std::promise<void> removed;
  EXPECT_CALL(docker_, removeVolume("pkg-old", false))
      .WillOnce([&removed](const std::string&, bool) {
        removed.set_value();
        return Result<void>();
      });
  NoSource source;
  DaemonOptions o;
  o.lifecycle_interval = 10ms;
  Daemon daemon(o, source, clock_, state_.get(), nullptr, &gc_);
  daemon.startLifecycle();
  EXPECT_EQ(removed.get_future().wait_for(60s), std::future_status::ready);
}

}  // namespace
}  // namespace onemcp::orchestrator
