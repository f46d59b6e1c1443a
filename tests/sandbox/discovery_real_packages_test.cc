// Real npm packages nobody here wrote, discovered through the configured npm registry and
// verified in the sandbox: each must reach `verified` with its real tool count. Prints
// the verification time per server (median, p90) and the share verified.
#include <algorithm>
#include <cstdio>

#include "docker_test_env.h"
#include "onemcp/sandbox/discovery.h"
#include "onemcp/sandbox/verify.h"
#include "onemcp/sandbox/verify_sandbox.h"

namespace onemcp::sandbox {
namespace {

struct RealPackage {
  const char* input;  // as a user would give it to `onemcp sandbox verify`
  std::size_t tools;
};

// Four reference servers, and third-party servers from LiveMCPBench's launch
// configurations that need no secret and that the configured registry serves.
constexpr RealPackage kPackages[] = {
    {"@modelcontextprotocol/server-everything", 13},
    {"npx -y @modelcontextprotocol/server-filesystem /tmp", 14},
    {"@modelcontextprotocol/server-memory", 9},
    {"@modelcontextprotocol/server-sequential-thinking", 1},
    {"@kazuph/mcp-taskmanager", 10},
    {"mcp-deepwiki@latest", 1},
    {"@karashiiro/exchange-rate-mcp", 1},
    {"howtocook-mcp", 5},
    {"bazi-mcp", 3},
};

class RealPackages : public testing::DockerTest {};

TEST_F(RealPackages, DiscoveredAndVerifiedWithTheirRealToolCounts) {
  auto runner = makeProcessRunner();
  auto npm = makeNpmCliRegistry(*runner);
  FixedReachability reach(false, false, false);
  Discoverer discoverer(DiscoveryServices{npm.get(), nullptr, &reach, {}});
  auto sandbox = makeSandboxRunner(*host_, images());
  std::vector<double> seconds;
  int verified = 0;
  for (const auto& p : kPackages) {
    SCOPED_TRACE(p.input);
    Discovery d = discoverer.discover(p.input);
    ASSERT_EQ(d.outcome, Outcome::kRunnable) << d.reason;
    VerifyOptions options;
    options.budget = std::chrono::minutes(4);
    VerificationRecord r = Verifier(*sandbox).verify(*d.spec, options);
    double s = static_cast<double>(r.timings_ms.count("total") != 0 ? r.timings_ms.at("total") : r.timings_ms["start"]) / 1000.0;
    seconds.push_back(s);
    std::printf("%-55s %-16s %3zu tools %7.1f s %s\n", p.input, std::string(toString(r.outcome)).c_str(), r.tools.size(), s,
                r.reason.c_str());
    EXPECT_EQ(r.outcome, VerifyOutcome::kVerified) << r.reason;
    EXPECT_EQ(r.tools.size(), p.tools);
    verified += r.outcome == VerifyOutcome::kVerified;
  }
  std::sort(seconds.begin(), seconds.end());
  auto at = [&](double q) { return seconds[static_cast<std::size_t>(q * static_cast<double>(seconds.size() - 1) + 0.5)]; };
  std::printf("verification time: median %.1f s, p90 %.1f s; verified %d of %zu\n", at(0.5), at(0.9), verified,
              seconds.size());
}

}  // namespace
}  // namespace onemcp::sandbox
