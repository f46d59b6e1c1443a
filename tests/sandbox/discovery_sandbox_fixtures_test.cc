// The fixture servers that need more than a local process — an install or build from
// source, a Dockerfile, a package from the registry — discovered and verified in real
// containers: each reaches the outcome its expected.json names under "sandbox" (with its
// tool names, or the specific reason it fails). The others are verified as local
// processes by discovery_verify_fixtures_test; between the two, every fixture's
// verification outcome is asserted.
#include <algorithm>
#include <cctype>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "docker_test_env.h"
#include "onemcp/sandbox/discovery.h"
#include "onemcp/sandbox/verify.h"
#include "onemcp/sandbox/verify_sandbox.h"

namespace onemcp::sandbox {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

const fs::path kFixtures = fs::path(ONEMCP_SOURCE_DIR) / "tests/fixtures/servers";

json expectedOf(const std::string& name) {
  std::ifstream in(kFixtures / name / "expected.json");
  return json::parse(in, nullptr, false);
}

std::vector<std::string> fixtureNames() {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(kFixtures)) {
    if (e.is_directory()) names.push_back(e.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::vector<std::string> sandboxed() {
  std::vector<std::string> names;
  for (const auto& n : fixtureNames()) {
    if (expectedOf(n).contains("sandbox")) names.push_back(n);
  }
  return names;
}

TEST(SandboxFixtureCorpus, EveryFixtureHasItsVerificationOutcomeAsserted) {
  for (const auto& n : fixtureNames()) {
    json e = expectedOf(n);
    ASSERT_TRUE(e.is_object()) << n;
    const std::string outcome = e.value("outcome", "");
    const bool local = e.value("verification", "not-run") != "not-run";
    const bool nothing_to_run = outcome == "no-entry-point" || outcome == "unsupported";
    EXPECT_TRUE(local || e.contains("sandbox") || nothing_to_run)
        << n << ": neither verified locally nor in the sandbox, and discovery gives a spec";
    if (e.contains("sandbox")) {
      EXPECT_TRUE(e["sandbox"].contains("verification")) << n;
      EXPECT_TRUE(e["sandbox"].contains("tools") || e["sandbox"].contains("reason")) << n;
    }
  }
}

class SandboxFixture : public testing::DockerTest,
                       public ::testing::WithParamInterface<std::string> {};

TEST_P(SandboxFixture, ReachesTheExpectedOutcomeInTheSandbox) {
  const json expected = expectedOf(GetParam())["sandbox"];
  const fs::path dir = kFixtures / GetParam();
  // Packages named by the fixture are looked up in the registry npm is configured with
  // ("npm"); "assume_pypi" lets discovery write the pip spec that PyPI's absence would
  // stop, so that the sandbox shows what really happens when it runs.
  auto process = makeProcessRunner();
  auto npm = makeNpmCliRegistry(*process);
  FixedReachability reach(expected.value("assume_pypi", false), false, false);
  Discoverer discoverer(
      DiscoveryServices{expected.value("npm", false) ? npm.get() : nullptr, nullptr, &reach, {}});
  DiskTree tree(dir);
  Discovery d = discoverer.fromFolder(tree, dir.string());
  SCOPED_TRACE(d.toJson().dump(2));
  if (expected.contains("discovery")) {
    EXPECT_EQ(toString(d.outcome), expected["discovery"].get<std::string>());
  }
  const bool runs =
      d.spec && (d.outcome == Outcome::kRunnable || d.outcome == Outcome::kNeedsSecret ||
                 d.outcome == Outcome::kNeedsConfig);
  if (!runs) {
    // Discovery stops it before anything runs, for the reason the fixture names.
    EXPECT_EQ(expected["verification"], "not-run");
    EXPECT_EQ(d.reason, expected.value("reason", "?"));
    return;
  }
  auto runner = makeSandboxRunner(*host_, images(), [](std::string_view line) {
    std::fprintf(stderr, "  %.*s\n", static_cast<int>(line.size()), line.data());
  });
  VerifyOptions options;
  options.budget = std::chrono::minutes(4);
  VerificationRecord r = Verifier(*runner).verify(*d.spec, options);
  json record = r.toJson();
  SCOPED_TRACE(record.dump(2));
  EXPECT_EQ(record["outcome"], expected["verification"]);
  if (expected.contains("tools")) {
    std::vector<std::string> names;
    for (const auto& t : r.tools) names.push_back(t.value("name", ""));
    std::sort(names.begin(), names.end());
    EXPECT_EQ(json(names), expected["tools"]);
    EXPECT_EQ(r.tool_hash.size(), 64u);
  } else {
    EXPECT_NE(r.reason.find(expected["reason"].get<std::string>()), std::string::npos) << r.reason;
    if (expected.contains("reason_also")) {
      EXPECT_NE(r.reason.find(expected["reason_also"].get<std::string>()), std::string::npos)
          << r.reason;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Servers, SandboxFixture, ::testing::ValuesIn(sandboxed()),
                         [](const ::testing::TestParamInfo<std::string>& param) {
                           std::string n = param.param;
                           for (auto& c : n)
                             c = std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
                           return n;
                         });

}  // namespace
}  // namespace onemcp::sandbox
