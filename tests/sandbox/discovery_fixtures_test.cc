// Every folder of tests/fixtures/servers/ against its expected.json: the outcome, the
// reason, and the run-spec fields it lists (a subset of the spec; arrays compared whole).
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "onemcp/sandbox/discovery.h"

namespace onemcp::sandbox {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

const fs::path kFixtures = fs::path(ONEMCP_SOURCE_DIR) / "tests/fixtures/servers";

json readJson(const fs::path& p) {
  std::ifstream in(p);
  return json::parse(in, nullptr, false);
}

void expectSubset(const json& expected, const json& actual, const std::string& path) {
  if (expected.is_object()) {
    ASSERT_TRUE(actual.is_object()) << path << " is " << actual.dump();
    for (const auto& [k, v] : expected.items()) {
      ASSERT_TRUE(actual.contains(k)) << path << "." << k << " missing in " << actual.dump();
      expectSubset(v, actual[k], path + "." + k);
    }
    return;
  }
  EXPECT_EQ(expected, actual) << "at " << path;
}

Discovery discoverFixture(const std::string& name) {
  FixedReachability reach(false, false, false);
  Discoverer discoverer(DiscoveryServices{nullptr, nullptr, &reach, {}});
  fs::path dir = kFixtures / name;
  DiskTree tree(dir);
  return discoverer.fromFolder(tree, dir.string());
}

std::vector<std::string> fixtureNames() {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(kFixtures)) {
    if (e.is_directory()) names.push_back(e.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

TEST(DiscoveryFixtures, CorpusHasAtLeastTwentyServersEachWithExpectations) {
  auto names = fixtureNames();
  EXPECT_GE(names.size(), 20u);
  for (const auto& n : names) {
    json e = readJson(kFixtures / n / "expected.json");
    ASSERT_TRUE(e.is_object()) << n << "/expected.json missing or invalid";
    EXPECT_TRUE(e.contains("outcome")) << n;
    EXPECT_TRUE(e.contains("verification")) << n;
  }
}

class FixtureTest : public ::testing::TestWithParam<std::string> {};

TEST_P(FixtureTest, DiscoversTheExpectedRunSpec) {
  const std::string name = GetParam();
  json expected = readJson(kFixtures / name / "expected.json");
  ASSERT_TRUE(expected.is_object());
  Discovery d = discoverFixture(name);
  json actual = d.toJson();
  SCOPED_TRACE(actual.dump(2));
  EXPECT_EQ(expected["outcome"], actual["outcome"]);
  if (expected.contains("reason")) {
    EXPECT_EQ(expected["reason"], actual.value("reason", ""));
  }
  if (expected.contains("spec")) {
    ASSERT_TRUE(d.spec);
    expectSubset(expected["spec"], actual["spec"], "spec");
    // Whatever the spec says, it says why, and it reads back as it was written.
    bool why_command = false;
    for (const auto& e : d.spec->evidence) why_command |= e.field == "command";
    EXPECT_TRUE(why_command) << "no evidence for the command";
    auto back = parseRunSpec(actual["spec"]);
    ASSERT_TRUE(back) << back.error().toString();
    EXPECT_EQ(json(*back), actual["spec"]);
    // The source folder is granted read-only, never read-write.
    for (const auto& g : d.spec->grants) EXPECT_FALSE(g.read_write);
  }
}

INSTANTIATE_TEST_SUITE_P(Servers, FixtureTest, ::testing::ValuesIn(fixtureNames()),
                         [](const ::testing::TestParamInfo<std::string>& param) {
                           std::string n = param.param;
                           for (auto& c : n) c = std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
                           return n;
                         });

}  // namespace
}  // namespace onemcp::sandbox
