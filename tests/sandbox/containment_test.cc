// Each containment rule as an assertion that can fail: no network without the grant,
// grants limit what the server sees and writes, PID and memory limits hold, and the
// process runs as a non-root user without capabilities.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <filesystem>
#include <fstream>

#include "docker_test_env.h"
#include "onemcp/common/process.h"

namespace onemcp::sandbox::testing {
namespace {

using std::chrono::seconds;

class ContainmentTest : public DockerTest {
 protected:
  struct Outcome {
    WaitResult exit;
    std::string output;
    ContainerInfo info;
  };

  // Runs `spec` to completion (its own exit; bounded) and collects its output.
  Outcome runToEnd(const RunSpec& spec) {
    Outcome out;
    auto server = host_->start(spec, StartOptions{});
    EXPECT_TRUE(server) << server.error().message;
    if (!server) return out;
    auto transport = (*server)->takeTransport();
    if (transport) transport->close();  // nothing to say on stdin
    auto w = (*server)->wait(std::chrono::minutes(2));
    EXPECT_TRUE(w) << w.error().message;
    if (w) out.exit = *w;
    if (auto logs = (*server)->logs(0)) out.output = *logs;
    if (auto info = (*server)->inspect()) out.info = *info;
    return out;
  }
};

// A TCP listener on all host interfaces, so that a container on the default bridge could
// reach it through the bridge gateway if it had a network.
class HostListener {
 public:
  HostListener() : fd_(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_ANY);
    EXPECT_EQ(::bind(fd_.get(), reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    EXPECT_EQ(::listen(fd_.get(), 16), 0);
    socklen_t len = sizeof a;
    ::getsockname(fd_.get(), reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
  }
  [[nodiscard]] int port() const { return port_; }

 private:
  Fd fd_;
  int port_ = 0;
};

std::string connectScript(const std::string& ip, int port) {
  return "node -e \"const s=require('net').connect({host:'" + ip + "',port:" +
         std::to_string(port) +
         ",timeout:5000});s.on('connect',()=>{console.log('CONNECTED');process.exit(0)});"
         "s.on('timeout',()=>{console.log('BLOCKED timeout');process.exit(3)});"
         "s.on('error',e=>{console.log('BLOCKED '+e.code);process.exit(3)})\"";
}

std::string bridgeGateway(DockerClient& engine) {
  // The default bridge's gateway is the host as seen from a bridged container.
  auto nets = engine.listNetworks({});
  EXPECT_TRUE(nets);
  for (const auto& n : nets ? *nets : std::vector<NetworkInfo>{}) {
    if (n.name != "bridge") continue;
    if (!n.gateway.empty()) return n.gateway;
    // The engine does not always report it: the bridge's gateway is its subnet's first host.
    const std::string net = n.subnet.substr(0, n.subnet.find('/'));
    const auto dot = net.rfind('.');
    return net.substr(0, dot + 1) + std::to_string(std::stoi(net.substr(dot + 1)) + 1);
  }
  ADD_FAILURE() << "the engine has no default bridge network";
  return "";
}

TEST_F(ContainmentTest, WithoutTheNetworkGrantNoTcpConnectionGoesOut) {
  HostListener listener;
  const std::string gw = bridgeGateway(engine());
  auto allowed = shellSpec("net-control", connectScript(gw, listener.port()));
  allowed.network = true;
  auto control = runToEnd(allowed);
  ASSERT_EQ(control.exit.exit_code, 0) << "control: a bridged container reaches the host at "
                                       << gw << ":" << listener.port() << ": " << control.output;
  EXPECT_NE(control.output.find("CONNECTED"), std::string::npos);

  auto denied = runToEnd(shellSpec("net-denied", connectScript(gw, listener.port())));
  EXPECT_EQ(denied.exit.exit_code, 3) << denied.output;
  EXPECT_NE(denied.output.find("BLOCKED"), std::string::npos) << denied.output;
  EXPECT_EQ(denied.output.find("CONNECTED"), std::string::npos);
}

TEST_F(ContainmentTest, RunsAsNonRootWithNoCapabilitiesAndNoNewPrivileges) {
  auto out = runToEnd(shellSpec(
      "whoami", "id -u; grep -E '^(CapEff|CapBnd|CapPrm|NoNewPrivs)' /proc/self/status; "
                "touch /usr/x 2>/dev/null && echo ROOTFS-WRITABLE || echo ROOTFS-READONLY; "
                "touch /tmp/x && echo TMP-WRITABLE"));
  ASSERT_EQ(out.exit.exit_code, 0) << out.output;
  EXPECT_EQ(out.output.rfind("1000\n", 0), 0u) << out.output;
  EXPECT_NE(out.output.find("CapEff:\t0000000000000000"), std::string::npos) << out.output;
  EXPECT_NE(out.output.find("CapBnd:\t0000000000000000"), std::string::npos) << out.output;
  EXPECT_NE(out.output.find("NoNewPrivs:\t1"), std::string::npos) << out.output;
  EXPECT_NE(out.output.find("ROOTFS-READONLY"), std::string::npos) << out.output;
  EXPECT_NE(out.output.find("TMP-WRITABLE"), std::string::npos) << out.output;
}

TEST_F(ContainmentTest, GrantsLimitWhatIsSeenAndWritten) {
  const auto root = std::filesystem::temp_directory_path() / ("onemcp-grant-" + owner_);
  std::filesystem::create_directories(root / "ro");
  std::filesystem::create_directories(root / "rw");
  std::filesystem::create_directories(root / "hidden");
  std::filesystem::permissions(root / "rw", std::filesystem::perms::all);
  std::ofstream(root / "ro/in.txt") << "readable";
  std::ofstream(root / "hidden/secret.txt") << "secret";
  auto spec = shellSpec(
      "grants",
      "cat /in/in.txt; echo; "
      "echo x > /in/new.txt 2>/dev/null && echo RO-WRITTEN || echo RO-DENIED; "
      "echo out > /out/new.txt && echo RW-WRITTEN; "
      "cat " + (root / "hidden/secret.txt").string() + " 2>/dev/null && echo HIDDEN-READ || "
      "echo HIDDEN-ABSENT; ls /etc/shadow >/dev/null; cat /etc/shadow 2>/dev/null | head -c1 "
      "| grep -q . && echo SHADOW-READ || echo SHADOW-DENIED");
  spec.grants = {{(root / "ro").string(), "/in", false}, {(root / "rw").string(), "/out", true}};
  auto out = runToEnd(spec);
  EXPECT_NE(out.output.find("readable"), std::string::npos) << out.output;
  EXPECT_NE(out.output.find("RO-DENIED"), std::string::npos) << out.output;
  EXPECT_NE(out.output.find("RW-WRITTEN"), std::string::npos) << out.output;
  EXPECT_NE(out.output.find("HIDDEN-ABSENT"), std::string::npos) << out.output;
  EXPECT_NE(out.output.find("SHADOW-DENIED"), std::string::npos) << out.output;
  EXPECT_FALSE(std::filesystem::exists(root / "ro/new.txt"));
  EXPECT_TRUE(std::filesystem::exists(root / "rw/new.txt"));
  std::filesystem::remove_all(root);
}

TEST_F(ContainmentTest, ForkBombStopsAtThePidLimit) {
  policy_.limits.pids = 64;
  host_ = std::make_unique<ServerHost>(engine(), images(), policy_);
  // Spawns 300 sleepers; the kernel refuses forks past the limit (node's own threads
  // count too), and the script reports how many it got.
  auto out = runToEnd(shellSpec(
      "forkbomb",
      "node -e \"const cp=require('child_process');let ok=0,failed=0;"
      "for(let i=0;i<300;i++){try{const c=cp.spawn('sleep',['60']);"
      "c.on('error',()=>{});if(c.pid)ok++;else failed++;}catch(e){failed++}}"
      "setImmediate(()=>{console.log('ok='+ok+' failed='+failed);process.exit(0)})\""));
  const auto pos = out.output.find("ok=");
  ASSERT_NE(pos, std::string::npos) << out.output;
  const int ok = std::stoi(out.output.substr(pos + 3));
  EXPECT_LT(ok, 64) << out.output;
  EXPECT_NE(out.output.find("failed="), std::string::npos);
  EXPECT_EQ(out.output.find("failed=0"), std::string::npos) << out.output;
}

TEST_F(ContainmentTest, MemoryHogIsKilledAtItsLimitAndReportedAsSuch) {
  policy_.limits.memory_bytes = 128LL << 20;
  host_ = std::make_unique<ServerHost>(engine(), images(), policy_);
  auto spec = shellSpec("memhog",
                        "node -e \"const a=[];for(;;){a.push(Buffer.alloc(8<<20,1))}\"");
  auto server = host_->start(spec, StartOptions{});
  ASSERT_TRUE(server) << server.error().message;
  auto w = (*server)->wait(std::chrono::minutes(2));
  ASSERT_TRUE(w) << w.error().message;
  EXPECT_NE(w->exit_code, 0);
  auto info = (*server)->inspect();
  ASSERT_TRUE(info);
  EXPECT_TRUE(info->state.oom_killed) << "exit " << info->state.exit_code;
  EXPECT_NE((*server)->diagnose().find("memory limit"), std::string::npos)
      << (*server)->diagnose();
}

}  // namespace
}  // namespace onemcp::sandbox::testing
