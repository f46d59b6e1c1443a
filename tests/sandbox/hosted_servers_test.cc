// Real MCP servers nobody here wrote, installed by the networked install step and run in
// hardened containers with no network: server-everything (stdio and streamable HTTP),
// server-filesystem with one grant, server-memory keeping its data across a restart.
#include <filesystem>
#include <fstream>

#include "docker_test_env.h"
#include "http_mcp_client.h"

namespace onemcp::sandbox::testing {
namespace {

using nlohmann::json;
using std::chrono::seconds;

class HostedServerTest : public DockerTest {
 protected:
  std::unique_ptr<McpProbe> connect(HostedServer& server) {
    auto probe = McpProbe::open(server.takeTransport(), server.name());
    EXPECT_TRUE(probe) << probe.error().message;
    if (!probe) return nullptr;
    auto init = (*probe)->initialize(seconds(60));
    EXPECT_TRUE(init) << server.explain(init.error()).message;
    return std::move(*probe);
  }

  static std::string firstText(const json& result) {
    if (!result.contains("content")) return "";
    for (const auto& c : result["content"]) {
      if (c.value("type", "") == "text") return c.value("text", "");
    }
    return "";
  }
};

TEST_F(HostedServerTest, EverythingOverStdioAnswersAndSecondStartDoesNotReinstall) {
  const auto spec = npmSpec("everything", "@modelcontextprotocol/server-everything",
                            {"mcp-server-everything"});
  StartOptions opts;
  auto server = host_->start(spec, opts);
  ASSERT_TRUE(server) << server.error().message;
  auto probe = connect(**server);
  ASSERT_TRUE(probe);
  auto tools = probe->request("tools/list", json::object(), seconds(30));
  ASSERT_TRUE(tools) << tools.error().message;
  bool has_echo = false;
  for (const auto& t : (*tools)["tools"]) has_echo = has_echo || t["name"] == "echo";
  EXPECT_TRUE(has_echo);
  auto echo = probe->request("tools/call", {{"name", "echo"}, {"arguments", {{"message", "hi"}}}},
                             seconds(30));
  ASSERT_TRUE(echo) << echo.error().message;
  EXPECT_NE(firstText(*echo).find("hi"), std::string::npos);
  auto info = (*server)->inspect();
  ASSERT_TRUE(info);
  EXPECT_TRUE(info->state.running);
  probe.reset();
  server->reset();

  auto image = images().imageFor(spec, {});
  ASSERT_TRUE(image);
  auto again = host_->ensureInstalled(spec, *image, opts);
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_FALSE(*again) << "the package volume is reused, not reinstalled";
}

TEST_F(HostedServerTest, EverythingOverStreamableHttpOnAPrivateNetwork) {
  auto spec = npmSpec("everything-http", "@modelcontextprotocol/server-everything",
                      {"mcp-server-everything", "streamableHttp"});
  spec.transport = {TransportKind::kHttp, 3001, "/mcp"};
  auto server = host_->start(spec, StartOptions{});
  ASSERT_TRUE(server) << server.error().message;
  ASSERT_FALSE((*server)->url().empty());
  auto info = (*server)->inspect();
  ASSERT_TRUE(info);
  EXPECT_TRUE(info->published.empty()) << "no published port without the network grant";
  HttpMcpClient client((*server)->url());
  auto init = client.post({{"jsonrpc", "2.0"}, {"id", 1}, {"method", "initialize"},
                           {"params", {{"protocolVersion", "2025-06-18"},
                                       {"capabilities", json::object()},
                                       {"clientInfo", {{"name", "t"}, {"version", "1"}}}}}});
  ASSERT_TRUE(init.is_object()) << "status " << client.status();
  EXPECT_TRUE(init.contains("result")) << init.dump();
  client.post({{"jsonrpc", "2.0"}, {"method", "notifications/initialized"}});
  auto tools = client.post({{"jsonrpc", "2.0"}, {"id", 2}, {"method", "tools/list"}});
  ASSERT_TRUE(tools.contains("result")) << tools.dump();
  EXPECT_FALSE(tools["result"]["tools"].empty());
}

TEST_F(HostedServerTest, MemoryServerKeepsItsDataAcrossARestart) {
  auto spec = npmSpec("memory", "@modelcontextprotocol/server-memory", {"mcp-server-memory"});
  spec.env = {{"MEMORY_FILE_PATH", "", false, false, "/data/memory.jsonl"}};
  auto server = host_->start(spec, StartOptions{});
  ASSERT_TRUE(server) << server.error().message;
  {
    auto probe = connect(**server);
    ASSERT_TRUE(probe);
    auto created = probe->request(
        "tools/call",
        {{"name", "create_entities"},
         {"arguments",
          {{"entities", json::array({{{"name", "onemcp"}, {"entityType", "project"},
                                      {"observations", json::array({"runs sandboxed"})}}})}}}},
        seconds(30));
    ASSERT_TRUE(created) << created.error().message;
  }
  ASSERT_TRUE((*server)->restart());
  auto probe = connect(**server);
  ASSERT_TRUE(probe);
  auto graph = probe->request("tools/call", {{"name", "read_graph"}, {"arguments", json::object()}},
                              seconds(30));
  ASSERT_TRUE(graph) << graph.error().message;
  EXPECT_NE(graph->dump().find("runs sandboxed"), std::string::npos) << graph->dump();
}

TEST_F(HostedServerTest, FilesystemServerSeesOnlyItsGrant) {
  const auto root = std::filesystem::temp_directory_path() / ("onemcp-fs-" + owner_);
  std::filesystem::create_directories(root / "granted");
  std::filesystem::create_directories(root / "secret");
  std::ofstream(root / "granted/hello.txt") << "hello from the host";
  std::ofstream(root / "secret/key.txt") << "do not read";
  auto spec = npmSpec("filesystem", "@modelcontextprotocol/server-filesystem",
                      {"mcp-server-filesystem", "/work"});
  spec.grants = {{(root / "granted").string(), "/work", false}};
  auto server = host_->start(spec, StartOptions{});
  ASSERT_TRUE(server) << server.error().message;
  auto probe = connect(**server);
  ASSERT_TRUE(probe);
  auto call = [&](const std::string& tool, json args) {
    return probe->request("tools/call", {{"name", tool}, {"arguments", std::move(args)}},
                          seconds(30));
  };
  auto read = call("read_text_file", {{"path", "/work/hello.txt"}});
  ASSERT_TRUE(read) << read.error().message;
  EXPECT_NE(firstText(*read).find("hello from the host"), std::string::npos) << read->dump();
  // Outside the grant: the host's secret folder does not exist in the container at all.
  auto outside = call("read_text_file", {{"path", (root / "secret/key.txt").string()}});
  EXPECT_TRUE(!outside || outside->value("isError", false)) << outside->dump();
  EXPECT_EQ(outside ? outside->dump().find("do not read") : std::string::npos, std::string::npos);
  // Read-only grant: the write fails and the host file is unchanged.
  auto write = call("write_file", {{"path", "/work/hello.txt"}, {"content", "overwritten"}});
  EXPECT_TRUE(!write || write->value("isError", false)) << write->dump();
  std::ifstream in(root / "granted/hello.txt");
  std::string content((std::istreambuf_iterator<char>(in)), {});
  EXPECT_EQ(content, "hello from the host");
  probe.reset();
  server->reset();
  std::filesystem::remove_all(root);
}

}  // namespace
}  // namespace onemcp::sandbox::testing
