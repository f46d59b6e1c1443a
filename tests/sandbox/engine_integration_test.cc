// The engine client against the real Docker engine.
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "docker_test_env.h"
#include "onemcp/common/process.h"

namespace onemcp::sandbox::testing {
namespace {

class EngineTest : public DockerTest {};

TEST_F(EngineTest, PingsAndReportsItsVersion) {
  auto v = engine().version();
  ASSERT_TRUE(v) << v.error().message;
  EXPECT_FALSE(v->version.empty());
  EXPECT_FALSE(v->api_version.empty());
}

TEST(EngineDownTest, MissingSocketIsUnavailableAndNamesTheSocket) {
  EngineOptions o;
  o.host = "unix:///nonexistent/onemcp-test.sock";
  auto client = makeEngineClient(o);
  ASSERT_TRUE(client);
  auto r = (*client)->ping();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(r.error().message.find("/nonexistent/onemcp-test.sock"), std::string::npos);
}

TEST(EngineDownTest, SilentEngineTimesOutInsteadOfHanging) {
  // A socket that accepts connections (the kernel's backlog) but never answers.
  const std::string path = "/tmp/onemcp-silent-" + std::to_string(::getpid()) + ".sock";
  Fd fd(::socket(AF_UNIX, SOCK_STREAM, 0));
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", path.c_str());
  ::unlink(path.c_str());
  ASSERT_EQ(::bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(::listen(fd.get(), 4), 0);
  EngineOptions o;
  o.host = "unix://" + path;
  o.timeout = std::chrono::milliseconds(300);
  auto client = makeEngineClient(o);
  ASSERT_TRUE(client);
  auto r = (*client)->version();
  ::unlink(path.c_str());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kTimeout);
  EXPECT_NE(r.error().message.find("did not answer"), std::string::npos);
}

TEST(EngineDownTest, NonUnixHostIsRefusedClearly) {
  EngineOptions o;
  o.host = "tcp://127.0.0.1:2375";
  auto client = makeEngineClient(o);
  ASSERT_FALSE(client);
  EXPECT_NE(client.error().message.find("tcp://127.0.0.1:2375"), std::string::npos);
}

TEST_F(EngineTest, VolumesAndNetworksCarryLabelsAndGoAway) {
  const Labels labels{{std::string(kLabelManaged), "true"}, {std::string(kLabelOwner), owner_}};
  const std::string vol = "onemcp-test-vol-" + owner_;
  ASSERT_TRUE(engine().createVolume(vol, labels));
  auto vols = engine().listVolumes({{std::string(kLabelOwner), owner_}});
  ASSERT_TRUE(vols);
  ASSERT_EQ(vols->size(), 1u);
  EXPECT_EQ(vols->front().labels.at(std::string(kLabelManaged)), "true");
  auto net = engine().createNetwork("onemcp-test-net-" + owner_, labels, true);
  ASSERT_TRUE(net) << net.error().message;
  auto nets = engine().listNetworks({{std::string(kLabelOwner), owner_}});
  ASSERT_TRUE(nets);
  ASSERT_EQ(nets->size(), 1u);
  EXPECT_TRUE(nets->front().internal);
  EXPECT_TRUE(engine().removeNetwork(*net));
  EXPECT_TRUE(engine().removeVolume(vol, false));
  auto gone = engine().inspectVolume(vol);
  ASSERT_TRUE(gone);
  EXPECT_FALSE(gone->has_value());
}

TEST_F(EngineTest, MissingObjectsAreNotFound) {
  auto c = engine().inspectContainer("onemcp-no-such-container");
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().code, ErrorCode::kNotFound);
  auto i = engine().inspectImage("onemcp/no-such-image:1");
  ASSERT_FALSE(i);
  EXPECT_EQ(i.error().code, ErrorCode::kNotFound);
}

TEST_F(EngineTest, UnchangedRecipeIsNotRebuilt) {
  const std::string first = nodeImage();
  ASSERT_FALSE(first.empty());
  int lines = 0;
  auto again = images().ensure(ImageRecipe{"node", {{"NODE_MAJOR", "22"}}},
                               [&](std::string_view) { ++lines; });
  ASSERT_TRUE(again);
  EXPECT_EQ(*again, first);
  EXPECT_EQ(lines, 0) << "a second ensure() must not build";
  auto info = engine().inspectImage(first);
  ASSERT_TRUE(info);
  EXPECT_EQ(info->labels.at(std::string(kLabelManaged)), "true");
}

TEST_F(EngineTest, AttachDemuxesStdoutFromStderrAndCarriesStdin) {
  ContainerConfig c;
  c.image = nodeImage();
  c.cmd = {"sh", "-c", "read x; echo out:$x; echo err:$x >&2"};
  c.attach_stdin = true;
  c.labels = {{std::string(kLabelManaged), "true"}, {std::string(kLabelOwner), owner_}};
  auto id = engine().createContainer(c);
  ASSERT_TRUE(id) << id.error().message;
  auto stream = engine().attachContainer(*id);
  ASSERT_TRUE(stream) << stream.error().message;
  ASSERT_TRUE(engine().startContainer(*id));
  ASSERT_TRUE((*stream)->write("hello\n"));
  std::string out;
  std::string err;
  for (auto chunk = (*stream)->read(); chunk; chunk = (*stream)->read()) {
    (chunk->kind == StreamKind::kStderr ? err : out) += chunk->data;
  }
  EXPECT_EQ(out, "out:hello\n");
  EXPECT_EQ(err, "err:hello\n");
  auto w = engine().waitContainer(*id, std::chrono::seconds(30));
  ASSERT_TRUE(w);
  EXPECT_EQ(w->exit_code, 0);
  auto logs = engine().containerLogs(*id, 0);
  ASSERT_TRUE(logs);
  EXPECT_NE(logs->find("out:hello"), std::string::npos);
  EXPECT_TRUE(engine().removeContainer(*id, true));
}

}  // namespace
}  // namespace onemcp::sandbox::testing
