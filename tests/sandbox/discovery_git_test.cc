// Git inputs against real git and local repositories (no network).
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "onemcp/sandbox/discovery.h"

namespace onemcp::sandbox {
namespace {

namespace fs = std::filesystem;

class DiscoveryGit : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() / ("onemcp-git-" + std::to_string(::getpid()));
    fs::remove_all(root_);
    fs::create_directories(root_ / "repo");
    fs::copy(fs::path(ONEMCP_SOURCE_DIR) / "tests/fixtures/servers/node-bin", root_ / "repo", fs::copy_options::recursive);
    std::string git = "git -C " + (root_ / "repo").string();
    ASSERT_EQ(std::system((git + " init -q && " + git + " -c user.name=t -c user.email=t@t add -A && " + git +
                           " -c user.name=t -c user.email=t@t commit -q -m init").c_str()),
              0);
    runner_ = makeProcessRunner();
    git_ = makeGitCliClient(*runner_);
  }
  void TearDown() override { fs::remove_all(root_); }

  fs::path root_;
  std::unique_ptr<CommandRunner> runner_;
  std::unique_ptr<GitClient> git_;
  FixedReachability reach_{false, false, false};
};

TEST_F(DiscoveryGit, ClonesALocalRepositoryAndDetectsItsEntryPoint) {
  Discoverer discoverer(DiscoveryServices{nullptr, git_.get(), &reach_, root_ / "work"});
  std::string url = "file://" + (root_ / "repo").string();
  Discovery d = discoverer.discover(url);
  ASSERT_EQ(d.outcome, Outcome::kRunnable) << d.reason;
  EXPECT_EQ(d.kind, InputKind::kGit);
  ASSERT_TRUE(d.spec);
  EXPECT_EQ(d.spec->command, (std::vector<std::string>{"node", "bin/server.js"}));
  EXPECT_EQ(d.spec->source, "git:" + url);
  ASSERT_EQ(d.spec->grants.size(), 1u);
  EXPECT_TRUE(fs::exists(fs::path(d.spec->grants[0].host_path) / "package.json"));
}

TEST_F(DiscoveryGit, ARepositoryThatIsNotThereFailsWithGitsReason) {
  Discoverer discoverer(DiscoveryServices{nullptr, git_.get(), &reach_, root_ / "work"});
  Discovery d = discoverer.discover("file://" + (root_ / "nothing-here").string());
  EXPECT_EQ(d.outcome, Outcome::kUnreachable);
  EXPECT_NE(d.reason.find("Git clone failed"), std::string::npos) << d.reason;
}

TEST_F(DiscoveryGit, RemoteHostsNotReachableAreNotCloned) {
  Discoverer discoverer(DiscoveryServices{nullptr, git_.get(), &reach_, root_ / "work"});
  Discovery d = discoverer.discover("https://github.com/acme/never-cloned");
  EXPECT_EQ(d.outcome, Outcome::kUnreachable);
  EXPECT_EQ(d.reason, "Git host not reachable from here: https://github.com/acme/never-cloned");
  EXPECT_FALSE(fs::exists(root_ / "work"));
}

}  // namespace
}  // namespace onemcp::sandbox
