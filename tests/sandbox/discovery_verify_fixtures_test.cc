// The fixture servers discovered and verified as local processes (the verifier's logic
// against real servers, without Docker): each reaches the outcome its expected.json names.
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "onemcp/sandbox/discovery.h"
#include "onemcp/sandbox/verify.h"

namespace onemcp::sandbox {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

const fs::path kFixtures = fs::path(ONEMCP_SOURCE_DIR) / "tests/fixtures/servers";

std::vector<std::string> verifiable() {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(kFixtures)) {
    std::ifstream in(e.path() / "expected.json");
    json j = json::parse(in, nullptr, false);
    if (j.is_object() && j.value("verification", "not-run") != "not-run") names.push_back(e.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

class VerifyFixture : public ::testing::TestWithParam<std::string> {};

TEST_P(VerifyFixture, ReachesTheExpectedOutcome) {
  fs::path dir = kFixtures / GetParam();
  std::ifstream in(dir / "expected.json");
  json expected = json::parse(in);
  FixedReachability reach(false, false, false);
  Discoverer discoverer(DiscoveryServices{nullptr, nullptr, &reach, {}});
  DiskTree tree(dir);
  Discovery d = discoverer.fromFolder(tree, dir.string());
  ASSERT_TRUE(d.spec) << d.reason;
  auto runner = makeLocalRunner();
  VerifyOptions options;
  options.budget = std::chrono::seconds(GetParam() == "broken-silent" ? 3 : 20);
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
    EXPECT_FALSE(r.server_info.value("name", "").empty());
    // A second verification of the same server pins the same hash.
    options.previous_tool_hash = r.tool_hash;
    auto again = Verifier(*runner).verify(*d.spec, options);
    EXPECT_EQ(again.tool_hash, r.tool_hash);
    EXPECT_FALSE(again.tools_changed);
  } else {
    EXPECT_FALSE(r.reason.empty());
  }
}

// A Python source distribution (what pip would build from; PyPI is unreachable here): the
// console-script fixture packed as `fixture-py-console-0.1.0.tar.gz` is unpacked, read as
// its folder, and verified; a file that is not an archive is a clear error.
TEST(SourceArchive, APythonSdistIsUnpackedReadAsItsFolderAndVerified) {
  const fs::path tmp = fs::temp_directory_path() / ("onemcp-sdist-" + std::to_string(::getpid()));
  fs::remove_all(tmp);
  fs::create_directories(tmp);
  const fs::path sdist = tmp / "fixture-py-console-0.1.0.tar.gz";
  auto runner = makeProcessRunner();
  auto packed = runner->run({"tar", "-czf", sdist.string(), "-C", kFixtures.string(),
                             "--transform", "s,^python-console-script,fixture-py-console-0.1.0,",
                             "python-console-script"},
                            std::chrono::seconds(30));
  ASSERT_TRUE(packed && packed->exit_code == 0);
  FixedReachability reach(false, false, false);
  Discoverer discoverer(DiscoveryServices{nullptr, nullptr, &reach, tmp / "work"});
  Discovery d = discoverer.discover(sdist.string());
  ASSERT_TRUE(d.spec) << d.reason;
  EXPECT_EQ(d.outcome, Outcome::kRunnable) << d.reason;
  EXPECT_EQ(d.input, sdist.string());
  EXPECT_EQ(d.spec->runtime, Runtime::kPython);
  bool evidence = false;
  for (const auto& e : d.spec->evidence) evidence = evidence || e.detail.find("source archive") != std::string::npos;
  EXPECT_TRUE(evidence);
  auto local = makeLocalRunner();
  VerifyOptions options;
  options.budget = std::chrono::seconds(20);
  VerificationRecord r = Verifier(*local).verify(*d.spec, options);
  EXPECT_EQ(r.toJson()["outcome"], "verified") << r.toJson().dump(2);
  std::vector<std::string> names;
  for (const auto& t : r.tools) names.push_back(t.value("name", ""));
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names, (std::vector<std::string>{"add", "echo"}));

  const fs::path junk = tmp / "junk-1.0.tar.gz";
  std::ofstream(junk) << "not a tarball";
  Discovery bad = discoverer.discover(junk.string());
  EXPECT_EQ(bad.outcome, Outcome::kInvalid);
  EXPECT_NE(bad.reason.find("cannot unpack"), std::string::npos) << bad.reason;
  fs::remove_all(tmp);
}

INSTANTIATE_TEST_SUITE_P(Servers, VerifyFixture, ::testing::ValuesIn(verifiable()),
                         [](const ::testing::TestParamInfo<std::string>& param) {
                           std::string n = param.param;
                           for (auto& c : n) c = std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
                           return n;
                         });

}  // namespace
}  // namespace onemcp::sandbox
