// Fixture servers from tests/fixtures/servers, discovered from their folders and run by
// the server host in the real engine, as a user's local folder would be:
//   - python-script over stdio in OneMCP's python runtime image. It is a fixture (a
//     stdlib-only MCP server) because PyPI is not reachable from this machine, so no
//     published Python MCP server can be installed here;
//   - node-typescript: the folder copied into the install volume, `npm ci`/`npm install`
//     and its `npm run build` in the networked install step, then run without network;
//   - dockerfile-only: built from its Dockerfile through the engine. Its own FROM
//     (python:3.12-slim) is not in the engine and cannot be pulled: a clear error. The same
//     Dockerfile on OneMCP's python image builds, runs and answers.
#include <filesystem>
#include <fstream>

#include "docker_test_env.h"
#include "onemcp/sandbox/discovery.h"
#include "onemcp/sandbox/sources.h"

namespace onemcp::sandbox::testing {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using std::chrono::seconds;

const fs::path kFixtures = fs::path(ONEMCP_SOURCE_DIR) / "tests/fixtures/servers";

class FixtureServerTest : public DockerTest {
 protected:
  static RunSpec discover(const fs::path& dir) {
    FixedReachability reach(false, false, false);
    Discoverer discoverer(DiscoveryServices{nullptr, nullptr, &reach, {}});
    DiskTree tree(dir);
    Discovery d = discoverer.fromFolder(tree, dir.string());
    EXPECT_TRUE(d.spec) << d.reason;
    return d.spec ? *d.spec : RunSpec{};
  }

  // initialize, tools/list (names sorted) and a tools/call of echo, over stdio.
  static void expectWorkingServer(HostedServer& server, std::vector<std::string> tools) {
    auto probe = McpProbe::open(server.takeTransport(), server.name());
    ASSERT_TRUE(probe) << probe.error().message;
    auto init = (*probe)->initialize(seconds(60));
    ASSERT_TRUE(init) << server.explain(init.error()).message;
    auto list = (*probe)->request("tools/list", json::object(), seconds(30));
    ASSERT_TRUE(list) << list.error().message;
    std::vector<std::string> names;
    for (const auto& t : (*list)["tools"]) names.push_back(t.value("name", ""));
    std::sort(names.begin(), names.end());
    EXPECT_EQ(names, tools);
    auto call = (*probe)->request("tools/call",
                                  {{"name", "echo"}, {"arguments", {{"text", "from the sandbox"}}}},
                                  seconds(30));
    ASSERT_TRUE(call) << call.error().message;
    EXPECT_EQ((*call)["content"][0].value("text", ""), "from the sandbox") << call->dump();
  }

  // Removes the image a test built and the install caches of its server (shared caches
  // outlive a test by design, so the owner-label leak check does not see them), then
  // checks that they are gone.
  void forget(const RunSpec& spec) {
    const LabelFilter caches{{std::string(kLabelOwner), std::string(kCacheOwner)},
                             {std::string(kLabelServer), spec.name}};
    if (auto volumes = engine().listVolumes(caches)) {
      for (const auto& v : *volumes) (void)engine().removeVolume(v.name, true);
    }
    auto left = engine().listVolumes(caches);
    ASSERT_TRUE(left);
    EXPECT_TRUE(left->empty()) << left->size() << " install cache volume(s) left";
    if (spec.build_context.empty()) return;
    (void)engine().removeImage(spec.image, true);
    auto image = engine().inspectImage(spec.image);
    EXPECT_TRUE(!image && image.error().code == ErrorCode::kNotFound) << spec.image << " left";
  }
};

TEST_F(FixtureServerTest, PythonServerOverStdioInThePythonRuntime) {
  auto spec = discover(kFixtures / "python-script");
  ASSERT_EQ(spec.runtime, Runtime::kPython);
  auto server = host_->start(spec, StartOptions{});
  ASSERT_TRUE(server) << server.error().message;
  auto info = (*server)->inspect();
  ASSERT_TRUE(info);
  EXPECT_NE(info->image.find("onemcp/python"), std::string::npos) << info->image;
  expectWorkingServer(**server, {"add", "echo"});
  server->reset();
}

TEST_F(FixtureServerTest, TypeScriptFolderIsInstalledAndBuiltThenRuns) {
  const fs::path copy = fs::temp_directory_path() / ("onemcp-ts-" + owner_);
  fs::copy(kFixtures / "node-typescript", copy, fs::copy_options::recursive);
  ASSERT_FALSE(fs::exists(copy / "dist")) << "the fixture ships no build output";
  auto spec = discover(copy);
  spec.name = "ts-" + owner_;  // its own install cache, removed below
  ASSERT_TRUE(spec.install.from_source);
  ASSERT_FALSE(spec.install.build_command.empty());
  auto server = host_->start(spec, StartOptions{});
  ASSERT_TRUE(server) << server.error().message;
  expectWorkingServer(**server, {"echo", "reverse"});
  server->reset();
  EXPECT_FALSE(fs::exists(copy / "dist")) << "the build wrote into the copy, not the source";

  auto image = images().imageFor(spec, {});
  ASSERT_TRUE(image);
  auto cached = host_->ensureInstalled(spec, *image, StartOptions{});
  ASSERT_TRUE(cached) << cached.error().message;
  EXPECT_FALSE(*cached) << "an unchanged folder is not installed again";
  std::ofstream(copy / "src/extra.ts") << "// a change\n";
  auto changed = host_->ensureInstalled(spec, *image, StartOptions{});
  ASSERT_TRUE(changed) << changed.error().message;
  EXPECT_TRUE(*changed) << "a changed folder is installed and built again";
  forget(spec);
  fs::remove_all(copy);
}

TEST_F(FixtureServerTest, DockerfileWithABaseImageNotInTheEngineFailsClearly) {
  auto spec = discover(kFixtures / "dockerfile-only");
  ASSERT_EQ(spec.runtime, Runtime::kImage);
  ASSERT_FALSE(spec.build_context.empty());
  auto server = host_->start(spec, StartOptions{});
  ASSERT_FALSE(server);
  EXPECT_EQ(server.error().code, ErrorCode::kNotFound);
  for (const char* part : {"server 'dockerfile-only'", "python:3.12-slim", "no registry"}) {
    EXPECT_NE(server.error().message.find(part), std::string::npos) << server.error().message;
  }
}

TEST_F(FixtureServerTest, DockerfileOnARuntimeImageIsBuiltAndRuns) {
  RunSpec python;
  python.name = "base";
  python.runtime = Runtime::kPython;
  auto base = images().imageFor(python, {});
  ASSERT_TRUE(base) << base.error().message;
  const fs::path dir = fs::temp_directory_path() / ("onemcp-df-" + owner_);
  fs::create_directories(dir);
  fs::copy_file(kFixtures / "dockerfile-only/server.py", dir / "server.py");
  std::ifstream in(kFixtures / "dockerfile-only/Dockerfile");
  std::string dockerfile((std::istreambuf_iterator<char>(in)), {});
  dockerfile.replace(dockerfile.find("python:3.12-slim"), 16, *base);
  std::ofstream(dir / "Dockerfile") << dockerfile;
  auto spec = discover(dir);
  spec.name = "df-" + owner_;
  spec.image = "onemcp-local/" + spec.name + ":latest";
  ASSERT_EQ(spec.build_context, dir.string());
  auto server = host_->start(spec, StartOptions{});
  ASSERT_TRUE(server) << server.error().message;
  auto info = (*server)->inspect();
  ASSERT_TRUE(info);
  EXPECT_EQ(info->image, spec.image);
  expectWorkingServer(**server, {"add", "echo"});
  server->reset();
  forget(spec);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace onemcp::sandbox::testing
