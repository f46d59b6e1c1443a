#include "onemcp/common/config.h"

#include <gtest/gtest.h>

#include <fstream>
#include <map>

namespace onemcp {
namespace {

class ConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("onemcp-config-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
            "-" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
    config_.define("registry.url", "embedded");
    config_.define("orchestrator.tool_budget", 64);
    config_.define("sandbox.network", false);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::filesystem::path write(const std::string& text) {
    auto p = dir_ / "config.json";
    std::ofstream(p) << text;
    return p;
  }

  std::filesystem::path dir_;
  Config config_;
};

EnvLookup env(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](const std::string& k) -> std::optional<std::string> {
    auto it = vars.find(k);
    return it == vars.end() ? std::nullopt : std::optional(it->second);
  };
}

TEST_F(ConfigTest, DefaultsApplyWhenNothingElseIsSet) {
  EXPECT_EQ(config_.getString("registry.url"), "embedded");
  EXPECT_EQ(config_.getInt("orchestrator.tool_budget"), 64);
  EXPECT_EQ(config_.find("registry.url")->source, ConfigSource::kDefault);
}

TEST_F(ConfigTest, LayersOverrideInOrderFileEnvironmentFlag) {
  ASSERT_TRUE(config_.loadFile(write(R"({"registry": {"url": "http://file"}, "orchestrator": {"tool_budget": 10}})")));
  EXPECT_EQ(config_.getString("registry.url"), "http://file");
  config_.loadEnvironment(env({{"ONEMCP_REGISTRY_URL", "http://env"}}));
  EXPECT_EQ(config_.getString("registry.url"), "http://env");
  ASSERT_TRUE(config_.setFlag("registry.url=http://flag"));
  EXPECT_EQ(config_.getString("registry.url"), "http://flag");
  EXPECT_EQ(config_.find("registry.url")->source, ConfigSource::kFlag);
  EXPECT_EQ(config_.getInt("orchestrator.tool_budget"), 10);
}

TEST_F(ConfigTest, WeakerLayerLoadedLaterDoesNotOverride) {
  ASSERT_TRUE(config_.setFlag("sandbox.network=true"));
  config_.loadEnvironment(env({{"ONEMCP_SANDBOX_NETWORK", "false"}}));
  EXPECT_TRUE(config_.getBool("sandbox.network"));
}

TEST_F(ConfigTest, EnvironmentScalarsAreTyped) {
  config_.loadEnvironment(env({{"ONEMCP_ORCHESTRATOR_TOOL_BUDGET", "12"}, {"ONEMCP_SANDBOX_NETWORK", "true"}}));
  EXPECT_EQ(config_.getInt("orchestrator.tool_budget"), 12);
  EXPECT_TRUE(config_.getBool("sandbox.network"));
}

TEST_F(ConfigTest, MissingFileIsFineMalformedFileIsAClearError) {
  EXPECT_TRUE(config_.loadFile(dir_ / "absent.json"));
  auto r = config_.loadFile(write("{not json"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidInput);
  EXPECT_NE(r.error().message.find("config.json"), std::string::npos);
  auto arr = config_.loadFile(write("[1,2]"));
  ASSERT_FALSE(arr);
  EXPECT_NE(arr.error().message.find("JSON object"), std::string::npos);
}

TEST_F(ConfigTest, UnknownFileKeysAreKeptAndReported) {
  ASSERT_TRUE(config_.loadFile(write(R"({"registy": {"url": "typo"}})")));
  EXPECT_EQ(config_.unknownKeys(), std::vector<std::string>{"registy.url"});
  EXPECT_EQ(config_.getString("registry.url"), "embedded");
}

TEST_F(ConfigTest, FlagWithoutEqualsIsRejected) {
  EXPECT_FALSE(config_.setFlag("registry.url"));
  EXPECT_FALSE(config_.setFlag("=x"));
}

TEST(ConfigNamesTest, EnvironmentNameIsUpperSnake) {
  EXPECT_EQ(Config::envName("registry.url"), "ONEMCP_REGISTRY_URL");
  EXPECT_EQ(Config::envName("sandbox.cpu-limit"), "ONEMCP_SANDBOX_CPU_LIMIT");
}

}  // namespace
}  // namespace onemcp
