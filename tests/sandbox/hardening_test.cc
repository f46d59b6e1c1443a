#include "onemcp/sandbox/hardening.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "onemcp/sandbox/engine_client.h"

namespace onemcp::sandbox {
namespace {

RunSpec everything() {
  RunSpec s;
  s.name = "everything";
  s.install = {InstallKind::kNpm, {"@modelcontextprotocol/server-everything"}};
  s.command = {"mcp-server-everything"};
  return s;
}

RunInputs inputs() { return RunInputs{"onemcp/node:22-abc", "i1", {}, ""}; }

bool hasEnv(const ContainerConfig& c, const std::string& kv) {
  return std::find(c.env.begin(), c.env.end(), kv) != c.env.end();
}

const MountSpec* mountAt(const ContainerConfig& c, const std::string& target) {
  for (const auto& m : c.mounts) {
    if (m.target == target) return &m;
  }
  return nullptr;
}

TEST(HardeningTest, DeniesByDefault) {
  auto c = runConfig(everything(), HostPolicy{}, inputs());
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->network_mode, "none");
  EXPECT_TRUE(c->read_only_rootfs);
  EXPECT_EQ(c->cap_drop, std::vector<std::string>{"ALL"});
  EXPECT_EQ(c->security_opt, std::vector<std::string>{"no-new-privileges"});
  EXPECT_EQ(c->user, "1000:1000");
  EXPECT_GT(c->memory_bytes, 0);
  EXPECT_GT(c->nano_cpus, 0);
  EXPECT_GT(c->pids_limit, 0);
  EXPECT_TRUE(c->attach_stdin);
  ASSERT_NE(mountAt(*c, "/tmp"), nullptr);
  EXPECT_EQ(mountAt(*c, "/tmp")->type, MountSpec::Type::kTmpfs);
  ASSERT_NE(mountAt(*c, "/data"), nullptr);
  EXPECT_FALSE(mountAt(*c, "/data")->read_only);
  ASSERT_NE(mountAt(*c, "/opt/onemcp/pkg"), nullptr);
  EXPECT_TRUE(mountAt(*c, "/opt/onemcp/pkg")->read_only) << "packages are read-only at run time";
  EXPECT_EQ(c->labels.at("io.onemcp.managed"), "true");
  EXPECT_EQ(c->labels.at("io.onemcp.server"), "everything");
  EXPECT_EQ(c->labels.at("io.onemcp.instance"), "i1");
}

TEST(HardeningTest, GrantsAreReadOnlyUnlessReadWrite) {
  auto spec = everything();
  spec.grants = {{"/home/u/work", "", false}, {"/home/u/out", "/out", true}};
  auto c = runConfig(spec, HostPolicy{}, inputs());
  ASSERT_TRUE(c) << c.error().message;
  ASSERT_NE(mountAt(*c, "/home/u/work"), nullptr);
  EXPECT_TRUE(mountAt(*c, "/home/u/work")->read_only);
  ASSERT_NE(mountAt(*c, "/out"), nullptr);
  EXPECT_FALSE(mountAt(*c, "/out")->read_only);
  EXPECT_EQ(mountAt(*c, "/out")->source, "/home/u/out");
}

TEST(HardeningTest, RefusesGrantsThatEscapeOrCoverSandboxPaths) {
  for (const auto& [host, target] : std::vector<std::pair<std::string, std::string>>{
           {"relative/dir", ""}, {"/a/../etc", ""}, {"/ok", "/proc/self"}, {"/ok", "/"},
           {"/ok", "/opt"}, {"/ok", "/data"}, {"/a,b", ""}}) {
    auto spec = everything();
    spec.grants = {{host, target, false}};
    auto c = runConfig(spec, HostPolicy{}, inputs());
    ASSERT_FALSE(c) << host << " -> " << target;
    EXPECT_EQ(c.error().code, ErrorCode::kInvalidInput);
    EXPECT_NE(c.error().message.find("server 'everything'"), std::string::npos);
  }
}

TEST(HardeningTest, AllowsGrantsBelowScratchAndData) {
  auto spec = everything();
  spec.grants = {{"/tmp/work", "", false}, {"/srv/x", "/data/x", false}};
  EXPECT_TRUE(runConfig(spec, HostPolicy{}, inputs()));
}

TEST(HardeningTest, NetworkOnlyWhenTheSpecAsks) {
  auto spec = everything();
  spec.network = true;
  auto c = runConfig(spec, HostPolicy{}, inputs());
  ASSERT_TRUE(c);
  EXPECT_EQ(c->network_mode, "bridge");
}

TEST(HardeningTest, HttpWithoutNetworkJoinsOnlyThePrivateNetwork) {
  auto spec = everything();
  spec.transport = {TransportKind::kHttp, 3001, "/mcp"};
  auto missing = runConfig(spec, HostPolicy{}, inputs());
  EXPECT_FALSE(missing);
  auto in = inputs();
  in.private_network = "onemcp-net-x";
  auto c = runConfig(spec, HostPolicy{}, in);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->network_mode, "onemcp-net-x");
  EXPECT_FALSE(c->publish_port);
  EXPECT_FALSE(c->attach_stdin);
  spec.network = true;
  auto published = runConfig(spec, HostPolicy{}, inputs());
  ASSERT_TRUE(published);
  EXPECT_EQ(published->publish_port, std::optional<std::uint16_t>(3001));
}

TEST(HardeningTest, SecretsComeFromInputsAndMissingRequiredOnesFail) {
  auto spec = everything();
  spec.env = {{"API_TOKEN", "", true, true, std::nullopt}, {"MODE", "", false, false, "fast"}};
  auto missing = runConfig(spec, HostPolicy{}, inputs());
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find("API_TOKEN (secret)"), std::string::npos);
  auto in = inputs();
  in.env_values["API_TOKEN"] = "s3cr3t";
  auto c = runConfig(spec, HostPolicy{}, in);
  ASSERT_TRUE(c);
  EXPECT_TRUE(hasEnv(*c, "API_TOKEN=s3cr3t"));
  EXPECT_TRUE(hasEnv(*c, "MODE=fast"));
  EXPECT_EQ(describe(*c).find("s3cr3t"), std::string::npos) << "secrets never logged";
}

TEST(HardeningTest, MissingCommandNamesTheServer) {
  auto spec = everything();
  spec.command.clear();
  auto c = runConfig(spec, HostPolicy{}, inputs());
  ASSERT_FALSE(c);
  EXPECT_NE(c.error().message.find("server 'everything'"), std::string::npos);
}

TEST(HardeningTest, InstallStepHasNetworkCaBundleAndRegistry) {
  HostPolicy policy;
  policy.install_env["npm_config_registry"] = "https://registry.example/";
  auto c = installConfig(everything(), "onemcp/node:22-abc", policy, "i9", true);
  EXPECT_EQ(c.network_mode, "bridge");
  EXPECT_EQ(c.cmd.front(), "npm");
  EXPECT_EQ(c.cmd.back(), "@modelcontextprotocol/server-everything");
  EXPECT_TRUE(hasEnv(c, "npm_config_registry=https://registry.example/"));
  EXPECT_TRUE(hasEnv(c, "NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt"));
  ASSERT_NE(mountAt(c, "/etc/ssl/certs/ca-certificates.crt"), nullptr);
  EXPECT_TRUE(mountAt(c, "/etc/ssl/certs/ca-certificates.crt")->read_only);
  ASSERT_NE(mountAt(c, "/opt/onemcp/pkg"), nullptr);
  EXPECT_FALSE(mountAt(c, "/opt/onemcp/pkg")->read_only);
  EXPECT_EQ(c.cap_drop, std::vector<std::string>{"ALL"});
  EXPECT_EQ(c.labels.at("io.onemcp.role"), "install");
}

TEST(HardeningTest, PackageVolumeDependsOnImageAndPackages) {
  auto a = everything();
  auto b = everything();
  b.install.packages = {"@modelcontextprotocol/server-everything@1.0.0"};
  EXPECT_EQ(packageVolumeName(a, "img:1"), packageVolumeName(a, "img:1"));
  EXPECT_NE(packageVolumeName(a, "img:1"), packageVolumeName(a, "img:2"));
  EXPECT_NE(packageVolumeName(a, "img:1"), packageVolumeName(b, "img:1"));
}

TEST(HardeningTest, SanitizesNamesForTheEngine) {
  EXPECT_EQ(sanitizeName("@scope/Server Name"), "scope-server-name");
  EXPECT_EQ(sanitizeName("---"), "server");
}

TEST(CreateBodyTest, MapsEveryHardeningField) {
  auto c = runConfig(everything(), HostPolicy{}, inputs());
  ASSERT_TRUE(c);
  const auto body = createContainerBody(*c);
  const auto& host = body.at("HostConfig");
  EXPECT_EQ(host.at("NetworkMode"), "none");
  EXPECT_EQ(host.at("ReadonlyRootfs"), true);
  EXPECT_EQ(host.at("CapDrop"), nlohmann::json::array({"ALL"}));
  EXPECT_EQ(host.at("SecurityOpt"), nlohmann::json::array({"no-new-privileges"}));
  EXPECT_EQ(host.at("Memory"), host.at("MemorySwap")) << "no swap beyond the memory limit";
  EXPECT_EQ(host.at("PidsLimit"), c->pids_limit);
  EXPECT_EQ(host.at("NanoCpus"), c->nano_cpus);
  EXPECT_EQ(body.at("User"), "1000:1000");
  EXPECT_EQ(body.at("OpenStdin"), true);
  EXPECT_EQ(body.at("StdinOnce"), true);
  EXPECT_EQ(body.at("Tty"), false);
  bool tmpfs = false;
  for (const auto& m : host.at("Mounts")) tmpfs = tmpfs || m.at("Type") == "tmpfs";
  EXPECT_TRUE(tmpfs);
}

TEST(CreateBodyTest, ReattachableStdioKeepsStdinOpenAfterTheAttach) {
  HostPolicy policy;
  policy.reattachable_stdio = true;
  auto c = runConfig(everything(), policy, inputs());
  ASSERT_TRUE(c);
  const auto body = createContainerBody(*c);
  EXPECT_EQ(body.at("OpenStdin"), true);
  EXPECT_EQ(body.at("StdinOnce"), false);
}

TEST(CreateBodyTest, PublishesOnLoopbackOnly) {
  ContainerConfig c;
  c.publish_port = 3001;
  const auto body = createContainerBody(c);
  EXPECT_TRUE(body.at("ExposedPorts").contains("3001/tcp"));
  EXPECT_EQ(body["HostConfig"]["PortBindings"]["3001/tcp"][0]["HostIp"], "127.0.0.1");
}

}  // namespace
}  // namespace onemcp::sandbox
