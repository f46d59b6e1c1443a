#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "discovery_fakes.h"
#include "onemcp/sandbox/discovery.h"

namespace onemcp::sandbox {
namespace {

using nlohmann::json;
using testing::FakeNpm;

class DiscoverySources : public ::testing::Test {
 protected:
  DiscoverySources() {
    npm_.add("@modelcontextprotocol/server-memory", {"0.6.2", "2025.8.4"}, {{"mcp-server-memory", "dist/index.js"}}, "^20.1");
    npm_.add("mcp-trends-hub", {"1.5.0", "1.6.0"}, {{"mcp-trends-hub", "dist/index.js"}});
    npm_.add("multi-bin", {"1.0.0"}, {{"helper", "h.js"}, {"multi-bin", "m.js"}});
    npm_.add("no-bin", {"1.0.0"}, {});
  }
  Discoverer make(bool with_npm = true, bool pypi = false) {
    reach_ = std::make_unique<FixedReachability>(pypi, false, false);
    return Discoverer(DiscoveryServices{with_npm ? &npm_ : nullptr, nullptr, reach_.get(), {}});
  }
  FakeNpm npm_;
  std::unique_ptr<FixedReachability> reach_;
};

TEST_F(DiscoverySources, NpmSpecResolvesBinAndNodeMajor) {
  auto d = make().discover("@modelcontextprotocol/server-memory");
  ASSERT_EQ(d.outcome, Outcome::kRunnable) << d.reason;
  ASSERT_TRUE(d.spec);
  EXPECT_EQ(d.spec->name, "server-memory");
  EXPECT_EQ(d.spec->command, (std::vector<std::string>{"mcp-server-memory"}));
  EXPECT_EQ(d.spec->install.packages, (std::vector<std::string>{"@modelcontextprotocol/server-memory@2025.8.4"}));
  EXPECT_EQ(d.spec->node_major, "20");
  bool command_evidence = false;
  for (const auto& e : d.spec->evidence) command_evidence |= e.field == "command" && e.detail.find("bin.mcp-server-memory") != std::string::npos;
  EXPECT_TRUE(command_evidence);
}

TEST_F(DiscoverySources, PackageTheRegistryDoesNotServeIsItsOwnOutcome) {
  auto d = make().discover("@nobody/missing-mcp@1.0.0");
  EXPECT_EQ(d.outcome, Outcome::kNotServed);
  EXPECT_EQ(d.reason, "package not served by the configured registry: @nobody/missing-mcp");
}

TEST_F(DiscoverySources, MissingPinnedVersionFallsBackToNewestAndSaysSo) {
  auto d = make().discover("mcp-trends-hub@1.6.2");
  ASSERT_EQ(d.outcome, Outcome::kRunnable);
  EXPECT_EQ(d.spec->install.packages, (std::vector<std::string>{"mcp-trends-hub@1.6.0"}));
  ASSERT_EQ(d.spec->notes.size(), 1u);
  EXPECT_NE(d.spec->notes[0].find("pinned version 1.6.2 is not served"), std::string::npos);
  EXPECT_EQ(d.spec->install.pinned_not_served, "mcp-trends-hub@1.6.2");
}

TEST_F(DiscoverySources, ServedPinnedVersionIsKept) {
  auto d = make().discover("mcp-trends-hub@1.5.0");
  EXPECT_EQ(d.spec->install.packages, (std::vector<std::string>{"mcp-trends-hub@1.5.0"}));
  EXPECT_TRUE(d.spec->notes.empty());
}

TEST_F(DiscoverySources, SeveralBinsPreferTheOneNamedLikeThePackage) {
  auto d = make().discover("multi-bin");
  EXPECT_EQ(d.spec->command[0], "multi-bin");
}

TEST_F(DiscoverySources, PackageWithoutBinHasNoEntryPoint) {
  auto d = make().discover("no-bin");
  EXPECT_EQ(d.outcome, Outcome::kNoEntryPoint);
}

TEST_F(DiscoverySources, WithoutARegistryTheSpecSaysItWasNotLookedUp) {
  auto d = make(false).discover("@scope/thing-mcp@2.0.0");
  ASSERT_TRUE(d.spec);
  EXPECT_EQ(d.spec->command[0], "thing-mcp");
  EXPECT_EQ(d.spec->install.packages[0], "@scope/thing-mcp@2.0.0");
  EXPECT_TRUE(npm_.asked.empty());
}

TEST_F(DiscoverySources, NpxLaunchKeepsArgsAndEnv) {
  LaunchCommand cmd{"excel", {"npx", "--yes", "@negokaz/excel-mcp-server", "--flag"}, {{"EXCEL_LIMIT", "4000"}}, "", "cfg"};
  auto d = make(false).fromLaunch(cmd);
  ASSERT_EQ(d.outcome, Outcome::kRunnable) << d.reason;
  EXPECT_EQ(d.spec->command, (std::vector<std::string>{"excel-mcp-server", "--flag"}));
  ASSERT_EQ(d.spec->env.size(), 1u);
  EXPECT_EQ(d.spec->env[0].value, "4000");
}

TEST_F(DiscoverySources, PlaceholderCredentialsNeedASecret) {
  LaunchCommand cmd{"gh", {"npx", "-y", "@acme/github-mcp"}, {{"GITHUB_TOKEN", "<your token>"}}, "", "cfg"};
  auto d = make(false).fromLaunch(cmd);
  EXPECT_EQ(d.outcome, Outcome::kNeedsSecret);
  EXPECT_EQ(d.reason, "needs secret: GITHUB_TOKEN");
}

TEST_F(DiscoverySources, RemoteBridgesAreRemoteOnly) {
  LaunchCommand cmd{"opgg", {"npx", "-y", "supergateway", "--streamableHttp", "https://mcp-api.op.gg/mcp"}, {}, "", "cfg"};
  auto d = make().fromLaunch(cmd);
  EXPECT_EQ(d.outcome, Outcome::kRemoteOnly);
  EXPECT_NE(d.reason.find("https://mcp-api.op.gg/mcp"), std::string::npos);
}

TEST_F(DiscoverySources, UvxNeedsPyPIAndSaysSoWhenUnreachable) {
  LaunchCommand cmd{"ppt", {"uvx", "--from", "office-powerpoint-mcp-server", "ppt_mcp_server"}, {}, "", "cfg"};
  auto d = make(false, false).fromLaunch(cmd);
  EXPECT_EQ(d.outcome, Outcome::kUnreachable);
  EXPECT_EQ(d.reason, "PyPI not reachable from here: office-powerpoint-mcp-server");
  ASSERT_TRUE(d.spec);
  EXPECT_EQ(d.spec->command, (std::vector<std::string>{"ppt_mcp_server"}));
  EXPECT_EQ(d.spec->install.packages, (std::vector<std::string>{"office-powerpoint-mcp-server"}));
  auto reachable = make(false, true).fromLaunch(cmd);
  EXPECT_EQ(reachable.outcome, Outcome::kRunnable);
}

TEST_F(DiscoverySources, UvRunWithAndPinnedVersions) {
  LaunchCommand a{"bio", {"uv", "run", "--with", "biomcp-python", "biomcp", "run"}, {}, "", "cfg"};
  auto d = make(false, true).fromLaunch(a);
  EXPECT_EQ(d.spec->command, (std::vector<std::string>{"biomcp", "run"}));
  EXPECT_EQ(d.spec->install.packages, (std::vector<std::string>{"biomcp", "biomcp-python"}));
  LaunchCommand b{"arxiv", {"uvx", "mcp-simple-arxiv==0.2.3", "mcp-simple-arxiv"}, {}, "", "cfg"};
  auto e = make(false, true).fromLaunch(b);
  EXPECT_EQ(e.spec->install.packages, (std::vector<std::string>{"mcp-simple-arxiv==0.2.3"}));
  EXPECT_EQ(e.spec->command, (std::vector<std::string>{"mcp-simple-arxiv", "mcp-simple-arxiv"}));
}

TEST_F(DiscoverySources, DockerRunBecomesAnImageSpec) {
  LaunchCommand cmd{"slack", {"docker", "run", "-i", "--rm", "-e", "SLACK_BOT_TOKEN", "-e", "MODE=fast", "mcp/slack", "--x"}, {}, "", "cfg"};
  Discoverer disc(DiscoveryServices{nullptr, nullptr, nullptr, {}});
  auto d = disc.fromLaunch(cmd);
  EXPECT_EQ(d.outcome, Outcome::kNeedsSecret);
  ASSERT_TRUE(d.spec);
  EXPECT_EQ(d.spec->runtime, Runtime::kImage);
  EXPECT_EQ(d.spec->image, "mcp/slack");
  EXPECT_EQ(d.spec->command, (std::vector<std::string>{"--x"}));
}

TEST_F(DiscoverySources, LocalFilesOfTheAuthorAreNoEntryPoint) {
  LaunchCommand cmd{"x", {"node", "/Users/me/x/build/index.js"}, {}, "", "cfg"};
  EXPECT_EQ(make().fromLaunch(cmd).outcome, Outcome::kNoEntryPoint);
}

TEST_F(DiscoverySources, ServerJsonNpmPackageWithEnvAndHttpTransport) {
  json s = json::parse(R"({"name":"io.github.acme/weather","packages":[
    {"registryType":"oci","identifier":"docker.io/acme/weather:1"},
    {"registryType":"npm","identifier":"mcp-trends-hub","version":"1.6.0",
     "transport":{"type":"streamable-http","url":"http://localhost:3010/mcp"},
     "packageArguments":[{"type":"named","name":"--port","value":"3010"}],
     "environmentVariables":[{"name":"WEATHER_KEY","isRequired":true,"isSecret":true,"description":"key"},
                             {"name":"UNITS","default":"metric"}]}]})");
  auto d = make().fromServerJson(s);
  EXPECT_EQ(d.outcome, Outcome::kNeedsSecret);
  EXPECT_EQ(d.reason, "needs secret: WEATHER_KEY");
  ASSERT_TRUE(d.spec);
  EXPECT_EQ(d.spec->name, "weather");
  EXPECT_EQ(d.spec->transport.kind, TransportKind::kHttp);
  EXPECT_EQ(d.spec->transport.port, 3010);
  EXPECT_EQ(d.spec->transport.path, "/mcp");
  EXPECT_EQ(d.spec->command, (std::vector<std::string>{"mcp-trends-hub", "--port", "3010"}));
  ASSERT_EQ(d.spec->env.size(), 2u);
  EXPECT_EQ(d.spec->env[1].value, "metric");
}

TEST_F(DiscoverySources, ServerJsonOutcomesForOtherKinds) {
  auto remote = make().fromServerJson(json::parse(R"({"name":"a/b","remotes":[{"type":"streamable-http","url":"https://x/mcp"}]})"));
  EXPECT_EQ(remote.outcome, Outcome::kRemoteOnly);
  EXPECT_EQ(remote.reason, "remote only: streamable-http https://x/mcp");
  auto mcpb = make().fromServerJson(json::parse(R"({"name":"a/b","packages":[{"registryType":"mcpb","identifier":"https://x/y.mcpb"}]})"));
  EXPECT_EQ(mcpb.outcome, Outcome::kUnsupported);
  auto pypi = make().fromServerJson(json::parse(R"({"name":"a/b","packages":[{"registryType":"pypi","identifier":"mcpcap","version":"0.4.4"}]})"));
  EXPECT_EQ(pypi.outcome, Outcome::kUnreachable);
  EXPECT_EQ(pypi.spec->install.packages[0], "mcpcap==0.4.4");
  auto oci = make().fromServerJson(json::parse(R"({"name":"a/b","packages":[{"registryType":"oci","identifier":"docker.io/a/b","version":"1.0"}]})"));
  EXPECT_EQ(oci.spec->image, "docker.io/a/b:1.0");
  EXPECT_EQ(oci.outcome, Outcome::kUnreachable);
  auto empty = make().fromServerJson(json::parse(R"({"name":"a/b"})"));
  EXPECT_EQ(empty.outcome, Outcome::kNoEntryPoint);
  auto required_arg = make().fromServerJson(json::parse(R"({"name":"a/b","packages":[{"registryType":"npm","identifier":"mcp-trends-hub",
    "packageArguments":[{"type":"positional","valueHint":"directory","isRequired":true}]}]})"));
  EXPECT_EQ(required_arg.outcome, Outcome::kNeedsConfig);
  EXPECT_EQ(required_arg.reason, "needs setting: directory");
}

TEST_F(DiscoverySources, FolderWithNodeBin) {
  MemoryTree tree({{"package.json", R"({"name":"srv","bin":{"srv":"./bin/srv.js"},"dependencies":{"@modelcontextprotocol/sdk":"1"}})"},
                   {"bin/srv.js", "process.stdin"}});
  auto d = make().fromFolder(tree, "/src/srv");
  ASSERT_EQ(d.outcome, Outcome::kRunnable) << d.reason;
  EXPECT_EQ(d.spec->command, (std::vector<std::string>{"node", "bin/srv.js"}));
  EXPECT_EQ(d.spec->install.kind, InstallKind::kNpm);
  EXPECT_TRUE(d.spec->install.from_source);
  EXPECT_EQ(d.spec->working_dir, "/srv/mcp");
  ASSERT_EQ(d.spec->grants.size(), 1u);
  EXPECT_EQ(d.spec->grants[0].host_path, "/src/srv");
  EXPECT_FALSE(d.spec->grants[0].read_write);
}

TEST_F(DiscoverySources, FolderReadmeSecretsAreRequired) {
  MemoryTree tree({{"server.py", "import sys\nfor l in sys.stdin: pass\n"},
                   {"README.md", "```\nexport ACME_API_KEY=...\npython3 server.py\n```\n"}});
  auto d = make().fromFolder(tree, "/src/acme");
  EXPECT_EQ(d.outcome, Outcome::kNeedsSecret);
  EXPECT_EQ(d.reason, "needs secret: ACME_API_KEY");
}

TEST_F(DiscoverySources, EmptyFolderHasNoEntryPoint) {
  MemoryTree tree(std::map<std::string, std::string>{{"LICENSE", "MIT"}});
  auto d = make().fromFolder(tree, "/src/empty");
  EXPECT_EQ(d.outcome, Outcome::kNoEntryPoint);
}

TEST(ClassifyInput, RecognisesEachKind) {
  EXPECT_EQ(classifyInput("@scope/pkg@1.0"), InputKind::kNpm);
  EXPECT_EQ(classifyInput("some-mcp"), InputKind::kNpm);
  EXPECT_EQ(classifyInput("pypi:mcp-server-time"), InputKind::kPypi);
  EXPECT_EQ(classifyInput("docker.io/acme/srv:1.0"), InputKind::kOci);
  EXPECT_EQ(classifyInput("ghcr.io/acme/srv"), InputKind::kOci);
  EXPECT_EQ(classifyInput("https://github.com/acme/srv"), InputKind::kGit);
  EXPECT_EQ(classifyInput("git+https://example.org/x.git"), InputKind::kGit);
  EXPECT_EQ(classifyInput("file:///tmp/repo"), InputKind::kGit);
  EXPECT_EQ(classifyInput(R"({"mcpServers":{}})"), InputKind::kMcpServers);
  EXPECT_EQ(classifyInput(R"({"name":"x","packages":[]})"), InputKind::kServerJson);
  EXPECT_EQ(classifyInput("npx -y @modelcontextprotocol/server-memory"), InputKind::kCommand);
  EXPECT_EQ(classifyInput("/"), InputKind::kFolder);
}

TEST(ServerName, IsStableAndSafe) {
  EXPECT_EQ(serverNameFrom("@modelcontextprotocol/server-memory"), "server-memory");
  EXPECT_EQ(serverNameFrom("io.github.acme/Weather Tool"), "weather-tool");
  EXPECT_EQ(serverNameFrom("https://github.com/a/b.git"), "b");
  EXPECT_EQ(serverNameFrom("///"), "server");
}

}  // namespace
}  // namespace onemcp::sandbox

namespace onemcp::sandbox {
namespace {

// Counts the calls that reach it; answers with the argv joined, or fails to run "broken".
class CountingRunner final : public CommandRunner {
 public:
  Result<CommandOutput> run(const std::vector<std::string>& argv, std::chrono::milliseconds,
                            const std::string&) override {
    ++calls;
    if (argv.back() == "broken") return fail(ErrorCode::kTimeout, "did not finish");
    std::string joined;
    for (const auto& a : argv) joined += a + " ";
    return CommandOutput{argv.back() == "missing" ? 1 : 0, joined, "stderr of " + argv.back()};
  }
  int calls = 0;
};

class CachingRunnerTest : public ::testing::Test {
 protected:
  CachingRunnerTest()
      : file_(std::filesystem::temp_directory_path() /
              ("onemcp-cache-test-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) + "-" +
               ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".jsonl")) {
    std::filesystem::remove(file_);
  }
  ~CachingRunnerTest() override { std::filesystem::remove(file_); }
  std::filesystem::path file_;
  CountingRunner inner_;
};

TEST_F(CachingRunnerTest, AsksOnceAndAnswersAgainFromTheFileInANewRunner) {
  {
    CachingRunner cache(inner_, file_, std::chrono::hours(1));
    auto a = cache.run({"npm", "view", "x"}, std::chrono::seconds(1));
    auto b = cache.run({"npm", "view", "x"}, std::chrono::seconds(1));
    ASSERT_TRUE(a && b);
    EXPECT_EQ(b->out, "npm view x ");
    EXPECT_EQ(b->err, "stderr of x");
    auto missing = cache.run({"npm", "view", "missing"}, std::chrono::seconds(1));
    ASSERT_TRUE(missing);
    EXPECT_EQ(missing->exit_code, 1);
    EXPECT_EQ(inner_.calls, 2);
    EXPECT_EQ(cache.hits(), 1);
    EXPECT_EQ(cache.misses(), 2);
  }
  CachingRunner again(inner_, file_, std::chrono::hours(1));
  auto c = again.run({"npm", "view", "missing"}, std::chrono::seconds(1));
  ASSERT_TRUE(c);
  EXPECT_EQ(c->exit_code, 1);
  EXPECT_EQ(inner_.calls, 2);
  EXPECT_EQ(again.hits(), 1);
}

TEST_F(CachingRunnerTest, OnlyLookupsAreKeptDownloadsRunEveryTime) {
  CachingRunner cache(inner_, file_, std::chrono::hours(1));
  ASSERT_TRUE(cache.run({"npm", "pack", "x", "--pack-destination", "/tmp/a"}, std::chrono::seconds(1)));
  ASSERT_TRUE(cache.run({"npm", "pack", "x", "--pack-destination", "/tmp/a"}, std::chrono::seconds(1)));
  ASSERT_TRUE(cache.run({"tar", "-xzOf", "x.tgz", "package/README.md"}, std::chrono::seconds(1)));
  EXPECT_EQ(inner_.calls, 3);
  EXPECT_EQ(cache.hits() + cache.misses(), 0);
  EXPECT_FALSE(std::filesystem::exists(file_));
}

TEST_F(CachingRunnerTest, FailuresToRunAreNotKept) {
  CachingRunner cache(inner_, file_, std::chrono::hours(1));
  EXPECT_FALSE(cache.run({"npm", "view", "broken"}, std::chrono::seconds(1)));
  EXPECT_FALSE(cache.run({"npm", "view", "broken"}, std::chrono::seconds(1)));
  EXPECT_EQ(inner_.calls, 2);
}

TEST_F(CachingRunnerTest, AnswersOlderThanMaxAgeAreAskedAgain) {
  {
    CachingRunner cache(inner_, file_, std::chrono::hours(1));
    ASSERT_TRUE(cache.run({"npm", "view", "x"}, std::chrono::seconds(1)));
  }
  // A torn last line (a crash mid-write) is skipped, not an error.
  std::ofstream(file_, std::ios::app) << "{\"key\": \"np";
  CachingRunner stale(inner_, file_, std::chrono::seconds(-1));
  ASSERT_TRUE(stale.run({"npm", "view", "x"}, std::chrono::seconds(1)));
  EXPECT_EQ(inner_.calls, 2);
}

}  // namespace
}  // namespace onemcp::sandbox
