// Bad input ends in a clear error that names the server and the cause, in bounded time:
// a missing image, a command that exits at once, garbage on stdout, a server that never
// answers initialize, a package the registry does not have, a missing secret, no engine.
#include "docker_test_env.h"

namespace onemcp::sandbox::testing {
namespace {

using std::chrono::seconds;

class BadInputTest : public DockerTest {
 protected:
  // Starts `spec` and tries initialize; returns the explained error (or none).
  std::optional<Error> initializeError(const RunSpec& spec, std::chrono::milliseconds timeout) {
    auto server = host_->start(spec, StartOptions{});
    if (!server) return server.error();
    auto probe = McpProbe::open((*server)->takeTransport(), spec.name);
    if (!probe) return (*server)->explain(probe.error());
    auto init = (*probe)->initialize(timeout);
    if (init) return std::nullopt;
    if (init.error().code != ErrorCode::kTimeout) {
      // The server is gone: wait for the engine to record how it ended before explaining.
      (void)(*server)->wait(seconds(30));
    }
    return (*server)->explain(init.error());
  }

  static void expectMentions(const std::optional<Error>& e, std::initializer_list<const char*> parts) {
    ASSERT_TRUE(e.has_value());
    for (const char* p : parts) {
      EXPECT_NE(e->message.find(p), std::string::npos) << "'" << p << "' not in: " << e->message;
    }
  }
};

TEST_F(BadInputTest, MissingImageNamesServerAndImage) {
  RunSpec spec;
  spec.name = "ghost";
  spec.runtime = Runtime::kImage;
  spec.image = "onemcp/does-not-exist:1";
  spec.command = {"x"};
  auto server = host_->start(spec, StartOptions{});
  ASSERT_FALSE(server);
  EXPECT_EQ(server.error().code, ErrorCode::kNotFound);
  expectMentions(server.error(), {"server 'ghost'", "onemcp/does-not-exist:1", "no registry"});
}

TEST_F(BadInputTest, CommandThatExitsAtOnceReportsItsExitCodeAndOutput) {
  auto e = initializeError(shellSpec("quitter", "echo missing-config >&2; exit 7"), seconds(30));
  expectMentions(e, {"server 'quitter'", "exited with code 7", "missing-config"});
  EXPECT_EQ(e->code, ErrorCode::kClosed);
}

TEST_F(BadInputTest, GarbageOnStdoutIsQuotedInTheError) {
  auto e = initializeError(shellSpec("garbage", "echo 'Server starting on stdio...'; exec cat >/dev/null"),
                           seconds(3));
  expectMentions(e, {"server 'garbage'", "non-JSON", "Server starting on stdio..."});
}

TEST_F(BadInputTest, ServerThatNeverAnswersInitializeTimesOut) {
  auto e = initializeError(shellSpec("silent", "exec cat >/dev/null"), seconds(2));
  ASSERT_TRUE(e);
  EXPECT_EQ(e->code, ErrorCode::kTimeout);
  expectMentions(e, {"server 'silent'", "did not answer initialize", "still running"});
}

TEST_F(BadInputTest, PackageTheRegistryDoesNotHaveFailsTheInstallClearly) {
  auto spec = npmSpec("nopkg", "@onemcp-test-nonexistent/definitely-not-a-package", {"x"});
  auto server = host_->start(spec, StartOptions{});
  ASSERT_FALSE(server);
  expectMentions(server.error(), {"server 'nopkg'", "install", "exit code"});
  auto image = images().imageFor(spec, {});
  ASSERT_TRUE(image);
  auto volume = engine().inspectVolume(packageVolumeName(spec, *image));
  ASSERT_TRUE(volume);
  EXPECT_FALSE(volume->has_value()) << "a failed install leaves no cache behind";
}

TEST_F(BadInputTest, MissingSecretIsNamedBeforeAnythingStarts) {
  auto spec = shellSpec("needs-token", "true");
  spec.env = {{"GITHUB_TOKEN", "", true, true, std::nullopt}};
  auto server = host_->start(spec, StartOptions{});
  ASSERT_FALSE(server);
  EXPECT_EQ(server.error().code, ErrorCode::kInvalidInput);
  expectMentions(server.error(), {"server 'needs-token'", "GITHUB_TOKEN"});
}

TEST_F(BadInputTest, EngineDownFailsTheStartWithTheCause) {
  EngineOptions o;
  o.host = "unix:///nonexistent/docker.sock";
  auto down = makeEngineClient(o);
  ASSERT_TRUE(down);
  ImageBuilder builder(**down, BuildEnvironment{std::string(ONEMCP_SOURCE_DIR) + "/images",
                                                "http://mirror.invalid/debian", "bookworm",
                                                "/tmp", {}});
  ServerHost host(**down, builder, policy_);
  auto server = host.start(shellSpec("offline", "true"), StartOptions{});
  ASSERT_FALSE(server);
  EXPECT_EQ(server.error().code, ErrorCode::kUnavailable);
  expectMentions(server.error(), {"server 'offline'", "not reachable", "/nonexistent/docker.sock"});
}

}  // namespace
}  // namespace onemcp::sandbox::testing
