// Crash recovery against the real engine: a stdio server whose process is killed comes
// back through recover() with a fresh attach and answers a new MCP session; a server
// that keeps exiting is restarted up to the cap, then given up on with its cause.
#include "docker_test_env.h"

namespace onemcp::sandbox::testing {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;
using std::chrono::seconds;

class RestartTest : public DockerTest {
 protected:
  // The stdlib-only Python fixture server, run from a read-only grant.
  static RunSpec pythonFixture(std::string name) {
    RunSpec s;
    s.name = std::move(name);
    s.runtime = Runtime::kPython;
    s.command = {"python3", "server.py"};
    s.working_dir = "/srv/mcp";
    s.grants = {{std::string(ONEMCP_SOURCE_DIR) + "/tests/fixtures/servers/python-script",
                 "/srv/mcp", false}};
    return s;
  }

  static void expectEcho(McpProbe& probe, const std::string& text) {
    auto r = probe.request("tools/call", {{"name", "echo"}, {"arguments", {{"text", text}}}},
                           seconds(30));
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ((*r)["content"][0].value("text", ""), text);
  }

  static StartOptions quickRestarts(int max_restarts) {
    StartOptions o;
    o.restart = {max_restarts, milliseconds(0), milliseconds(0), std::chrono::minutes(5)};
    return o;
  }
};

TEST_F(RestartTest, KilledStdioServerComesBackWithAWorkingSession) {
  auto server = host_->start(pythonFixture("crash-me"), quickRestarts(3));
  ASSERT_TRUE(server) << server.error().message;
  HostedServer& s = **server;
  auto probe = McpProbe::open(s.takeTransport(), s.name());
  ASSERT_TRUE(probe);
  ASSERT_TRUE((*probe)->initialize(seconds(30)));
  expectEcho(**probe, "before");

  ASSERT_TRUE(engine().killContainer(s.containerId(), "KILL"));
  ASSERT_TRUE(s.wait(seconds(30)));
  auto dead = (*probe)->request("tools/list", json::object(), seconds(30));
  ASSERT_FALSE(dead) << "the old session's transport is closed";
  probe->reset();

  auto report = s.recover();
  ASSERT_TRUE(report) << report.error().message;
  EXPECT_NE(report->cause.find("exited with code 137 (killed)"), std::string::npos)
      << report->cause;
  EXPECT_EQ(report->restarts, 1);
  auto fresh = McpProbe::open(s.takeTransport(), s.name());
  ASSERT_TRUE(fresh) << fresh.error().message;
  auto init = (*fresh)->initialize(seconds(30));
  ASSERT_TRUE(init) << s.explain(init.error()).message;
  expectEcho(**fresh, "after");
  fresh->reset();
  server->reset();
}

TEST_F(RestartTest, ServerThatKeepsExitingIsGivenUpOnAtTheCapWithItsCause) {
  auto server =
      host_->start(shellSpec("crash-loop", "echo 'cannot open db' >&2; exit 3"), quickRestarts(2));
  ASSERT_TRUE(server) << server.error().message;
  HostedServer& s = **server;
  for (int i = 1; i <= 2; ++i) {
    auto exited = s.wait(seconds(30));
    ASSERT_TRUE(exited) << exited.error().message;
    EXPECT_EQ(exited->exit_code, 3);
    auto report = s.recover();
    ASSERT_TRUE(report) << report.error().message;
    EXPECT_EQ(report->restarts, i);
    EXPECT_NE(report->cause.find("exited with code 3"), std::string::npos) << report->cause;
    EXPECT_NE(report->cause.find("cannot open db"), std::string::npos) << report->cause;
  }
  ASSERT_TRUE(s.wait(seconds(30)));
  auto last = s.recover();
  ASSERT_FALSE(last);
  EXPECT_EQ(last.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(last.error().message.find("server 'crash-loop'"), std::string::npos);
  EXPECT_NE(last.error().message.find("exited with code 3"), std::string::npos)
      << last.error().message;
  auto info = s.inspect();
  ASSERT_TRUE(info);
  EXPECT_FALSE(info->state.running) << "left stopped for its logs";
  server->reset();
}

}  // namespace
}  // namespace onemcp::sandbox::testing
