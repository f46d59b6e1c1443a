// Every entry of the official registry snapshot (1,108 server.json) and of LiveMCPBench's
// launch configurations (70 mcpServers blocks) becomes a run spec or a specific reason.
// Offline: the npm registry is not queried in bulk; PyPI, Git hosts and image registries
// count as unreachable, as they are from this machine.
#include <filesystem>
#include <fstream>
#include <iostream>

#include <gtest/gtest.h>

#include "onemcp/sandbox/discovery.h"

namespace onemcp::sandbox {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

const fs::path kData = fs::path(ONEMCP_SOURCE_DIR).parent_path() / "shared/data";

std::vector<json> readLines(const fs::path& p) {
  std::vector<json> rows;
  std::ifstream in(p);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty()) rows.push_back(json::parse(line, nullptr, false));
  }
  return rows;
}

void expectWellFormed(const Discovery& d) {
  if (d.outcome != Outcome::kRunnable) {
    EXPECT_FALSE(d.reason.empty()) << d.input;
  }
  if (d.outcome == Outcome::kRunnable || d.outcome == Outcome::kNeedsSecret || d.outcome == Outcome::kNeedsConfig) {
    ASSERT_TRUE(d.spec) << d.input;
    auto back = parseRunSpec(json(*d.spec));
    EXPECT_TRUE(back) << d.input << ": " << (back ? "" : back.error().toString());
  }
  EXPECT_NE(d.outcome, Outcome::kInvalid) << d.input << ": " << d.reason;
}

TEST(DiscoveryCensus, EveryRegistryEntryGetsASpecOrASpecificReason) {
  auto rows = readLines(kData / "mcp-registry/servers_latest.jsonl");
  ASSERT_EQ(rows.size(), 1108u);
  FixedReachability offline(false, false, false);
  Discoverer discoverer(DiscoveryServices{nullptr, nullptr, &offline, {}});
  Census census;
  int remote_only_in_data = 0;
  for (const auto& row : rows) {
    ASSERT_TRUE(row.is_object());
    const json& server = row["server_json"];
    bool packages = server.contains("packages") && !server["packages"].empty();
    bool remotes = server.contains("remotes") && !server["remotes"].empty();
    remote_only_in_data += !packages && remotes;
    Discovery d = discoverer.fromServerJson(server);
    expectWellFormed(d);
    census.add(d);
  }
  std::cout << "registry census: " << census.toJson().dump(2) << "\n";
  EXPECT_EQ(census.total, 1108);
  EXPECT_EQ(census.by_outcome["remote-only"], remote_only_in_data);
  EXPECT_EQ(census.by_outcome.count("invalid"), 0u);
  EXPECT_GT(census.by_outcome["runnable"], 100);
  EXPECT_GT(census.by_outcome["needs-secret"], 50);
  EXPECT_GT(census.by_reason["unreachable: PyPI not reachable from here"], 100);
}

TEST(DiscoveryCensus, EveryLaunchConfigurationGetsASpecOrASpecificReason) {
  auto rows = readLines(kData / "livemcpbench/launch.jsonl");
  ASSERT_EQ(rows.size(), 70u);
  FixedReachability offline(false, false, false);
  Discoverer discoverer(DiscoveryServices{nullptr, nullptr, &offline, {}});
  Census census;
  for (const auto& row : rows) {
    auto found = discoverer.fromMcpServers(row, row.value("server_id", ""));
    ASSERT_EQ(found.size(), 1u) << row.dump();
    expectWellFormed(found[0]);
    if (row["runtime"] == "npm" && found[0].outcome == Outcome::kRunnable) {
      EXPECT_EQ(found[0].spec->runtime, Runtime::kNode);
    }
    census.add(found[0]);
  }
  std::cout << "launch census: " << census.toJson().dump(2) << "\n";
  EXPECT_EQ(census.total, 70);
  EXPECT_EQ(census.by_outcome["remote-only"], 1);  // opgg-mcp through supergateway
  EXPECT_EQ(census.by_outcome["runnable"], 41);    // 43 npm less supergateway and github:
  EXPECT_EQ(census.by_reason["unreachable: PyPI not reachable from here"], 26);
  EXPECT_EQ(census.by_reason["unreachable: Git host not reachable from here"], 2);
}

}  // namespace
}  // namespace onemcp::sandbox
