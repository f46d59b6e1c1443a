#include <gtest/gtest.h>

#include "onemcp/sandbox/verify.h"

namespace onemcp::sandbox {
namespace {

using nlohmann::json;

class FailingRunner final : public SpecRunner {
 public:
  explicit FailingRunner(StartFailure f) : failure_(std::move(f)) {}
  std::unique_ptr<RunningServer> start(const StartRequest& req, std::optional<StartFailure>& failure) override {
    started = req.spec.name;
    failure = failure_;
    return nullptr;
  }
  std::string started;

 private:
  StartFailure failure_;
};

RunSpec spec() {
  RunSpec s;
  s.name = "srv";
  s.command = {"srv"};
  return s;
}

TEST(ToolHash, IgnoresKeyAndToolOrder) {
  json a = json::parse(R"([{"name":"b","inputSchema":{"type":"object","properties":{"x":{},"y":{}}}},{"name":"a"}])");
  json b = json::parse(R"([{"name":"a"},{"inputSchema":{"properties":{"y":{},"x":{}},"type":"object"},"name":"b"}])");
  EXPECT_EQ(toolDefinitionsHash(a), toolDefinitionsHash(b));
  EXPECT_EQ(toolDefinitionsHash(a).size(), 64u);
}

TEST(ToolHash, ChangesWhenADescriptionChanges) {
  json a = json::parse(R"([{"name":"a","description":"one"}])");
  json b = json::parse(R"([{"name":"a","description":"two"}])");
  EXPECT_NE(toolDefinitionsHash(a), toolDefinitionsHash(b));
}

TEST(Verifier, MissingSecretIsNamedBeforeAnythingStarts) {
  FailingRunner runner({StartStage::kStart, Error(ErrorCode::kDocker, "x")});
  RunSpec s = spec();
  s.env = {{"GITHUB_TOKEN", "", true, true, std::nullopt}};
  auto r = Verifier(runner).verify(s, {});
  EXPECT_EQ(r.outcome, VerifyOutcome::kNeedsSecret);
  EXPECT_EQ(r.reason, "needs secret: GITHUB_TOKEN");
  EXPECT_TRUE(runner.started.empty());
  VerifyOptions given;
  given.env_values["GITHUB_TOKEN"] = "t";
  auto r2 = Verifier(runner).verify(s, given);
  EXPECT_EQ(r2.outcome, VerifyOutcome::kFailedStart);
  EXPECT_EQ(runner.started, "srv");
}

TEST(Verifier, InstallFailureIsFailedInstall) {
  FailingRunner runner({StartStage::kInstall, Error(ErrorCode::kUnavailable, "npm install failed with exit code 1")});
  auto r = Verifier(runner).verify(spec(), {});
  EXPECT_EQ(r.outcome, VerifyOutcome::kFailedInstall);
  EXPECT_EQ(r.reason, "npm install failed with exit code 1");
  EXPECT_EQ(r.toJson()["outcome"], "failed-install");
}

TEST(Verifier, StartTimeoutIsTimedOut) {
  FailingRunner runner({StartStage::kStart, Error(ErrorCode::kTimeout, "never listened")});
  EXPECT_EQ(Verifier(runner).verify(spec(), {}).outcome, VerifyOutcome::kTimedOut);
}

}  // namespace
}  // namespace onemcp::sandbox
