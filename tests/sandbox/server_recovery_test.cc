// HostedServer::recover() against the gmock engine: a crashed stdio server is restarted
// with a fresh attach after a doubling back-off, the crash is explained from the state
// the engine recorded, and a server that keeps crashing is given up on at the cap.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <condition_variable>
#include <mutex>

#include "mock_docker_client.h"
#include "onemcp/sandbox/server_host.h"

namespace onemcp::sandbox::testing {
namespace {

using std::chrono::milliseconds;
using ::testing::_;
using ::testing::HasSubstr;
using ::testing::Return;

// An attach stream whose reads end only when it is closed (a server that said nothing).
class IdleStream final : public AttachStream {
 public:
  Result<StreamChunk> read() override {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return closed_; });
    return fail(ErrorCode::kClosed, "closed");
  }
  Result<void> write(std::string_view) override { return {}; }
  Result<void> closeWrite() override { return {}; }
  void close() override {
    std::lock_guard lock(mu_);
    closed_ = true;
    cv_.notify_all();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool closed_ = false;  // guarded by mu_
};

ContainerInfo exited(int code, bool oom = false) {
  ContainerInfo info;
  info.id = "c1";
  info.state.status = "exited";
  info.state.exit_code = code;
  info.state.oom_killed = oom;
  return info;
}

class ServerRecoveryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ON_CALL(docker_, containerLogs(_, _)).WillByDefault(Return(std::string("boom: bad config\n")));
    ON_CALL(docker_, inspectContainer(_)).WillByDefault(Return(exited(1)));
    ON_CALL(docker_, attachContainer(_)).WillByDefault([](const std::string&) {
      return Result<std::unique_ptr<AttachStream>>(std::make_unique<IdleStream>());
    });
    ON_CALL(docker_, startContainer(_)).WillByDefault(Return(Result<void>()));
    ON_CALL(docker_, removeContainer(_, _)).WillByDefault(Return(Result<void>()));
  }

  std::unique_ptr<HostedServer> server(RestartPolicy policy) {
    RunSpec spec;
    spec.name = "flaky";
    spec.command = {"flaky-server"};
    return std::make_unique<HostedServer>(
        docker_, spec, "c1", "",
        RecoveryOptions{policy, &clock_, [this](milliseconds d) { waits_.push_back(d); }});
  }

  ::testing::NiceMock<MockDockerClient> docker_;
  ManualClock clock_;
  std::vector<milliseconds> waits_;
};

TEST_F(ServerRecoveryTest, RestartsACrashedStdioServerWithAFreshTransport) {
  auto s = server({});
  EXPECT_CALL(docker_, attachContainer("c1")).Times(1);
  EXPECT_CALL(docker_, startContainer("c1")).Times(1);
  auto report = s->recover();
  ASSERT_TRUE(report) << report.error().message;
  EXPECT_THAT(report->cause, HasSubstr("exited with code 1"));
  EXPECT_THAT(report->cause, HasSubstr("boom: bad config"));
  EXPECT_EQ(report->exit_code, 1);
  EXPECT_EQ(report->restarts, 1);
  EXPECT_EQ(waits_, std::vector<milliseconds>{milliseconds(250)});
  EXPECT_NE(s->takeTransport(), nullptr) << "a new transport over the new attach";
  EXPECT_EQ(s->takeTransport(), nullptr) << "handed out once per start";
  ASSERT_TRUE(s->lastCrash());
  EXPECT_EQ(s->lastCrash()->exit_code, 1);
}

TEST_F(ServerRecoveryTest, BackoffDoublesUpToItsCap) {
  auto s = server({5, milliseconds(100), milliseconds(300), std::chrono::minutes(1)});
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(s->recover());
  EXPECT_EQ(waits_,
            (std::vector<milliseconds>{milliseconds(100), milliseconds(200), milliseconds(300),
                                       milliseconds(300), milliseconds(300)}));
  EXPECT_EQ(s->restartCount(), 5);
}

TEST_F(ServerRecoveryTest, GivesUpAfterMaxRestartsNamingTheLastCause) {
  auto s = server({2, milliseconds(10), milliseconds(10), std::chrono::minutes(1)});
  ASSERT_TRUE(s->recover());
  ASSERT_TRUE(s->recover());
  EXPECT_CALL(docker_, startContainer(_)).Times(0);
  auto third = s->recover();
  ASSERT_FALSE(third);
  EXPECT_EQ(third.error().code, ErrorCode::kUnavailable);
  EXPECT_THAT(third.error().message, HasSubstr("server 'flaky'"));
  EXPECT_THAT(third.error().message, HasSubstr("crashed 3 time(s) in a row"));
  EXPECT_THAT(third.error().message, HasSubstr("exited with code 1"));
  EXPECT_EQ(waits_.size(), 2u);
}

TEST_F(ServerRecoveryTest, ZeroMaxRestartsNeverRestarts) {
  auto s = server({0, milliseconds(10), milliseconds(10), std::chrono::minutes(1)});
  EXPECT_CALL(docker_, startContainer(_)).Times(0);
  EXPECT_FALSE(s->recover());
}

TEST_F(ServerRecoveryTest, ALongRunStartsANewRowOfRestarts) {
  auto s = server({1, milliseconds(10), milliseconds(40), std::chrono::seconds(30)});
  ASSERT_TRUE(s->recover());
  clock_.advance(std::chrono::seconds(31));  // ran long enough before this crash
  auto again = s->recover();
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ(again->restarts, 1);
  EXPECT_EQ(waits_, (std::vector<milliseconds>{milliseconds(10), milliseconds(10)}));
}

TEST_F(ServerRecoveryTest, CrashCauseQuotesTheServersWordsNotItsProtocolTraffic) {
  ON_CALL(docker_, containerLogs(_, _))
      .WillByDefault(Return(std::string("{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}}\n"
                                        "Error: ENOENT config.json\r\n")));
  auto s = server({});
  auto report = s->recover();
  ASSERT_TRUE(report);
  EXPECT_THAT(report->cause, HasSubstr("last output: Error: ENOENT config.json"));
  EXPECT_THAT(report->cause, ::testing::Not(HasSubstr("jsonrpc")));
}

TEST_F(ServerRecoveryTest, ReportsAnOomKill) {
  ON_CALL(docker_, inspectContainer(_)).WillByDefault(Return(exited(137, true)));
  auto s = server({});
  auto report = s->recover();
  ASSERT_TRUE(report);
  EXPECT_TRUE(report->oom_killed);
  EXPECT_THAT(report->cause, HasSubstr("memory limit reached (OOM)"));
}

TEST_F(ServerRecoveryTest, AStdioServerStillRunningIsStoppedBeforeItsRestart) {
  ContainerInfo running = exited(0);
  running.state.status = "running";
  running.state.running = true;
  EXPECT_CALL(docker_, inspectContainer("c1"))
      .WillOnce(Return(running))
      .WillRepeatedly(Return(exited(143)));
  EXPECT_CALL(docker_, stopContainer("c1", _)).WillOnce(Return(Result<void>()));
  auto s = server({});
  auto report = s->recover();
  ASSERT_TRUE(report) << report.error().message;
  EXPECT_THAT(report->cause, HasSubstr("exited with code 143"));
}

TEST_F(ServerRecoveryTest, AFailedRestartIsAnErrorWithTheCrashCause) {
  ON_CALL(docker_, startContainer(_))
      .WillByDefault(Return(Result<void>(fail(ErrorCode::kDocker, "no such image"))));
  auto s = server({});
  auto report = s->recover();
  ASSERT_FALSE(report);
  EXPECT_EQ(report.error().code, ErrorCode::kUnavailable);
  EXPECT_THAT(report.error().message, HasSubstr("exited with code 1"));
  EXPECT_THAT(report.error().message, HasSubstr("no such image"));
}

TEST_F(ServerRecoveryTest, AnHttpServerTheEngineGaveUpOnIsStartedWithoutAnAttach) {
  RunSpec spec;
  spec.name = "web";
  spec.command = {"web"};
  spec.transport = {TransportKind::kHttp, 8080, "/mcp"};
  HostedServer s(docker_, spec, "c1", "", RecoveryOptions{{}, &clock_, [](milliseconds) {}});
  EXPECT_CALL(docker_, attachContainer(_)).Times(0);
  EXPECT_CALL(docker_, startContainer("c1")).Times(1);
  // The mock's container stays exited, so finding the endpoint fails at once.
  auto report = s.recover(milliseconds(0));
  ASSERT_FALSE(report);
  EXPECT_THAT(report.error().message, HasSubstr("stopped before its HTTP port opened"));
  EXPECT_EQ(s.takeTransport(), nullptr);
}

}  // namespace
}  // namespace onemcp::sandbox::testing
