// A host process killed with SIGKILL runs no destructors. The next host process with the
// same owner finds its containers by label: running HTTP servers are adopted (and still
// answer), everything else is removed.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <condition_variable>
#include <mutex>

#include "docker_test_env.h"
#include "onemcp/common/process.h"

namespace onemcp::sandbox::testing {
namespace {

using std::chrono::seconds;

class AdoptionTest : public DockerTest {};

RunSpec httpSpec() {
  RunSpec s;
  s.name = "webby";
  s.runtime = Runtime::kNode;
  s.command = {"node", "-e",
               "require('http').createServer((q,r)=>r.end('ok')).listen(8080)"};
  s.transport = {TransportKind::kHttp, 8080, "/mcp"};
  return s;
}

TEST_F(AdoptionTest, NextHostAdoptsHttpServersAndRemovesTheRest) {
  (void)nodeImage();  // build (if needed) in the parent, not in the child
  auto ready = makePipe();
  ASSERT_TRUE(ready);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    // The doomed host: starts two servers, reports, and waits to be killed.
    ServerHost host(engine(), images(), policy_);
    auto stdio = host.start(shellSpec("catty", "exec cat"), StartOptions{});
    auto http = host.start(httpSpec(), StartOptions{});
    const char ok = stdio && http ? '1' : '0';
    (void)writeAll(ready->write.get(), std::string_view(&ok, 1));
    for (;;) ::pause();
  }
  ready->write.reset();
  char ok = 0;
  ASSERT_EQ(::read(ready->read.get(), &ok, 1), 1);
  ::kill(child, SIGKILL);
  ::waitpid(child, nullptr, 0);
  ASSERT_EQ(ok, '1') << "the child host could not start its servers";

  auto before = host_->list();
  ASSERT_TRUE(before);
  EXPECT_EQ(before->size(), 2u) << "SIGKILL left both containers behind";

  auto adopted = host_->adoptOrRemove();
  ASSERT_TRUE(adopted) << adopted.error().message;
  ASSERT_EQ(adopted->size(), 1u);
  EXPECT_EQ(adopted->front()->name(), "webby");
  EXPECT_FALSE(adopted->front()->url().empty());
  auto after = host_->list();
  ASSERT_TRUE(after);
  ASSERT_EQ(after->size(), 1u) << "the stdio server was removed";
  EXPECT_EQ(after->front().id, adopted->front()->containerId());
  adopted->clear();  // the adopted handles remove their containers and network
}

// With reattachable stdio, a stdio server outlives its host's attach: the next host's
// start() of the same server adopts the running container (no second one) and talks to
// the same process through a new attach.
TEST_F(AdoptionTest, NextHostReattachesStdioServerWhenAdoptingRunning) {
  (void)nodeImage();
  policy_.reattachable_stdio = true;
  host_ = std::make_unique<ServerHost>(engine(), images(), policy_);
  // Echoes every line with the pid of the process that read it.
  const RunSpec spec = shellSpec("echoer", "while read -r l; do echo \"{\\\"pid\\\":$$,\\\"l\\\":$l}\"; done");
  auto ready = makePipe();
  ASSERT_TRUE(ready);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ServerHost host(engine(), images(), policy_);
    auto started = host.start(spec, StartOptions{});
    const char ok = started ? '1' : '0';
    (void)writeAll(ready->write.get(), std::string_view(&ok, 1));
    for (;;) ::pause();
  }
  ready->write.reset();
  char ok = 0;
  ASSERT_EQ(::read(ready->read.get(), &ok, 1), 1);
  ::kill(child, SIGKILL);
  ::waitpid(child, nullptr, 0);
  ASSERT_EQ(ok, '1') << "the child host could not start its server";
  auto before = host_->list();
  ASSERT_TRUE(before);
  ASSERT_EQ(before->size(), 1u);

  StartOptions adopt;
  adopt.adopt_running = true;
  auto server = host_->start(spec, adopt);
  ASSERT_TRUE(server) << server.error().message;
  EXPECT_EQ((*server)->containerId(), before->front().id) << "a new container was started";
  auto transport = (*server)->takeTransport();
  ASSERT_TRUE(transport);
  std::mutex mu;
  std::condition_variable cv;
  std::vector<std::string> got;
  ASSERT_TRUE(transport->start({[&](std::string m) {
                                  std::lock_guard lock(mu);
                                  got.push_back(std::move(m));
                                  cv.notify_all();
                                },
                                [](const Error&) {}}));
  ASSERT_TRUE(transport->send("7"));
  std::unique_lock lock(mu);
  ASSERT_TRUE(cv.wait_for(lock, seconds(20), [&] { return !got.empty(); })) << "no answer after re-attaching";
  EXPECT_NE(got.front().find("\"l\":7"), std::string::npos) << got.front();
  lock.unlock();
  auto after = host_->list();
  ASSERT_TRUE(after);
  EXPECT_EQ(after->size(), 1u);
  transport->close();
  server->reset();  // removes the container
}

}  // namespace
}  // namespace onemcp::sandbox::testing
