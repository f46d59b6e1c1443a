#include "onemcp/common/process.h"

#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <unistd.h>

namespace onemcp {
namespace {

using std::chrono::milliseconds;

ProcessSpec specOf(std::vector<std::string> argv) {
  ProcessSpec spec;
  spec.argv = std::move(argv);
  return spec;
}

// Reads until EOF (bounded by a generous deadline so a broken child cannot hang the test).
std::string readAll(int fd) {
  std::string out;
  char buf[4096];
  for (;;) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 10000) <= 0) break;
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

TEST(ProcessTest, EchoesStdinToStdoutThroughPipes) {
  auto proc = Process::spawn(specOf({"cat"}));
  ASSERT_TRUE(proc) << proc.error().toString();
  ASSERT_TRUE(writeAll((*proc)->stdinFd(), "hello\nworld\n"));
  (*proc)->closeStdin();
  EXPECT_EQ(readAll((*proc)->stdoutFd()), "hello\nworld\n");
  auto status = (*proc)->wait(milliseconds(10000));
  ASSERT_TRUE(status);
  EXPECT_TRUE(status->success());
}

TEST(ProcessTest, PassesEnvironmentAndReportsExitCode) {
  auto spec = specOf({"sh", "-c", "printf %s \"$GREETING\" >&2; exit 7"});
  spec.env["GREETING"] = "hi there";
  auto proc = Process::spawn(spec);
  ASSERT_TRUE(proc);
  EXPECT_EQ(readAll((*proc)->stderrFd()), "hi there");
  auto status = (*proc)->wait(milliseconds(10000));
  ASSERT_TRUE(status);
  EXPECT_EQ(status->code, 7);
  EXPECT_FALSE(status->success());
}

TEST(ProcessTest, EmptyEnvironmentWhenNotInherited) {
  auto spec = specOf({"/usr/bin/env"});
  spec.inherit_env = false;
  spec.env["ONLY"] = "one";
  auto proc = Process::spawn(spec);
  ASSERT_TRUE(proc);
  EXPECT_EQ(readAll((*proc)->stdoutFd()), "ONLY=one\n");
}

TEST(ProcessTest, RunsInRequestedDirectory) {
  auto spec = specOf({"pwd"});
  spec.cwd = "/tmp";
  auto proc = Process::spawn(spec);
  ASSERT_TRUE(proc);
  EXPECT_EQ(readAll((*proc)->stdoutFd()), "/tmp\n");
}

TEST(ProcessTest, MissingProgramIsAnError) {
  auto proc = Process::spawn(specOf({"/nonexistent/program-xyz"}));
  ASSERT_FALSE(proc);
  EXPECT_EQ(proc.error().code, ErrorCode::kIo);
  EXPECT_FALSE(Process::spawn({}));
}

TEST(ProcessTest, WaitTimesOutWhileChildRuns) {
  auto proc = Process::spawn(specOf({"sleep", "30"}));
  ASSERT_TRUE(proc);
  auto status = (*proc)->wait(milliseconds(20));
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().code, ErrorCode::kTimeout);
  EXPECT_FALSE((*proc)->tryWait().has_value());
  auto ended = (*proc)->terminate(milliseconds(5000));
  EXPECT_EQ(ended.signal, SIGTERM);
}

TEST(ProcessTest, KillsChildThatIgnoresTerm) {
  auto proc =
      Process::spawn(specOf({"sh", "-c", "trap '' TERM; echo ready; while :; do sleep 1; done"}));
  ASSERT_TRUE(proc);
  char c = 0;
  ASSERT_EQ(::read((*proc)->stdoutFd(), &c, 1), 1);  // trap is installed
  auto ended = (*proc)->terminate(milliseconds(100));
  EXPECT_EQ(ended.signal, SIGKILL);
}

TEST(ProcessTest, DestructorReapsRunningChild) {
  pid_t pid = 0;
  {
    auto proc = Process::spawn(specOf({"sleep", "30"}));
    ASSERT_TRUE(proc);
    pid = (*proc)->pid();
  }
  // Reaped: the pid is no longer our child.
  EXPECT_EQ(::kill(pid, 0), -1);
}

TEST(ProcessTest, WriteToVanishedReaderIsClosedNotSigpipe) {
  auto pipe = makePipe();
  ASSERT_TRUE(pipe);
  pipe->read.reset();
  auto written = writeAll(pipe->write.get(), "data");
  ASSERT_FALSE(written);
  EXPECT_EQ(written.error().code, ErrorCode::kClosed);
  // SIGPIPE stays blocked on this thread, and the one the write raised was taken.
  sigset_t mask;
  pthread_sigmask(SIG_BLOCK, nullptr, &mask);
  EXPECT_EQ(sigismember(&mask, SIGPIPE), 1);
  sigset_t pending;
  sigpending(&pending);
  EXPECT_EQ(sigismember(&pending, SIGPIPE), 0);
  // A second vanished reader is again kClosed.
  auto again = makePipe();
  ASSERT_TRUE(again);
  again->read.reset();
  auto second = writeAll(again->write.get(), "data");
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().code, ErrorCode::kClosed);
}

}  // namespace
}  // namespace onemcp
