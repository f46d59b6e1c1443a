// npm inputs against the npm registry this machine is configured with (npm view).
#include <gtest/gtest.h>

#include "onemcp/sandbox/discovery.h"

namespace onemcp::sandbox {
namespace {

class DiscoveryNpm : public ::testing::Test {
 protected:
  DiscoveryNpm() : runner_(makeProcessRunner()), npm_(makeNpmCliRegistry(*runner_)) {}
  Discovery discover(const std::string& input) {
    Discoverer d(DiscoveryServices{npm_.get(), nullptr, &reach_, {}});
    return d.discover(input);
  }
  std::unique_ptr<CommandRunner> runner_;
  std::unique_ptr<NpmRegistry> npm_;
  FixedReachability reach_{false, false, false};
};

TEST_F(DiscoveryNpm, ResolvesAServedPackageToItsBin) {
  Discovery d = discover("@modelcontextprotocol/server-memory");
  ASSERT_EQ(d.outcome, Outcome::kRunnable) << d.reason;
  EXPECT_EQ(d.spec->command, (std::vector<std::string>{"mcp-server-memory"}));
  ASSERT_EQ(d.spec->install.packages.size(), 1u);
  EXPECT_TRUE(d.spec->install.packages[0].starts_with("@modelcontextprotocol/server-memory@"));
}

TEST_F(DiscoveryNpm, APackageNobodyPublishedIsNotServed) {
  Discovery d = discover("@onemcp-tests/no-such-package-4b1d");
  EXPECT_EQ(d.outcome, Outcome::kNotServed);
  EXPECT_EQ(d.reason, "package not served by the configured registry: @onemcp-tests/no-such-package-4b1d");
}

// Real names from the registry snapshot (servers_latest.jsonl), probed with `npm view`
// against this machine's registry: `docfork` is published on npmjs.com but answers E404
// here; @flightradar24/fr24api-mcp is served only at 1.0.2 while the snapshot pins 1.0.1.
TEST_F(DiscoveryNpm, ARealPackageTheRegistryDoesNotServeIsNotServed) {
  Discovery d = discover("docfork@1.0.0");
  EXPECT_EQ(d.outcome, Outcome::kNotServed);
  EXPECT_EQ(d.reason, "package not served by the configured registry: docfork");
}

TEST_F(DiscoveryNpm, ARealPinnedVersionThatIsNotServedFallsBackWithFieldAndEvidence) {
  Discovery d = discover("@flightradar24/fr24api-mcp@1.0.1");
  ASSERT_TRUE(d.spec) << d.reason;
  EXPECT_NE(d.outcome, Outcome::kNotServed) << d.reason;
  EXPECT_EQ(d.spec->install.pinned_not_served, "@flightradar24/fr24api-mcp@1.0.1");
  ASSERT_EQ(d.spec->install.packages.size(), 1u);
  EXPECT_EQ(d.spec->install.packages[0], "@flightradar24/fr24api-mcp@1.0.2");
  bool evidence = false;
  for (const auto& e : d.spec->evidence) {
    evidence |= e.field == "install.pinned_not_served" && e.detail.find("1.0.2") != std::string::npos;
  }
  EXPECT_TRUE(evidence) << nlohmann::json(*d.spec).dump(2);
  // The field survives a round trip through the document.
  auto back = parseRunSpec(nlohmann::json(*d.spec));
  ASSERT_TRUE(back) << back.error().toString();
  EXPECT_EQ(back->install.pinned_not_served, "@flightradar24/fr24api-mcp@1.0.1");
}

TEST_F(DiscoveryNpm, AMissingPinnedVersionFallsBackToTheNewestServed) {
  Discovery d = discover("@modelcontextprotocol/server-memory@0.0.1");
  ASSERT_EQ(d.outcome, Outcome::kRunnable) << d.reason;
  ASSERT_FALSE(d.spec->notes.empty());
  EXPECT_NE(d.spec->notes[0].find("pinned version 0.0.1 is not served"), std::string::npos) << d.spec->notes[0];
  EXPECT_EQ(d.spec->install.packages[0].find("@0.0.1"), std::string::npos);
}

}  // namespace
}  // namespace onemcp::sandbox
