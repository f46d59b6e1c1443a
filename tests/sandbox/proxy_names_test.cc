// The proxy's pure parts: exposed names, the name table, the configuration reader.
#include <gtest/gtest.h>

#include "onemcp/sandbox/proxy_config.h"
#include "onemcp/sandbox/proxy_names.h"

namespace onemcp::sandbox {
namespace {

TEST(ProxyNamesTest, PrefixesWithDoubleUnderscore) {
  EXPECT_EQ(exposedName("fs", "read_file"), "fs__read_file");
  EXPECT_EQ(exposedName("", "read_file"), "read_file");
}

TEST(ProxyNamesTest, ReplacesCharactersModelsRejectAndAddsAHash) {
  const std::string name = exposedName("my server", "get.item");
  EXPECT_TRUE(isExposableName(name)) << name;
  EXPECT_EQ(name.rfind("my_server__get_item_", 0), 0U) << name;
  // "my_server"/"get_item" cleans up to the same text but is a different input.
  EXPECT_NE(name, exposedName("my_server", "get_item"));
  EXPECT_EQ(exposedName("my_server", "get_item"), "my_server__get_item");
}

TEST(ProxyNamesTest, ShortensLongNamesDeterministically) {
  const std::string long_tool(100, 'x');
  const std::string a = exposedName("server", long_tool);
  EXPECT_EQ(a.size(), kMaxExposedName);
  EXPECT_TRUE(isExposableName(a));
  EXPECT_EQ(a, exposedName("server", long_tool));
  EXPECT_NE(a, exposedName("server", long_tool + "y"));
}

TEST(ProxyNamesTest, PrefixForCleansServerNames) {
  EXPECT_EQ(prefixFor("@scope/server.x"), "_scope_server_x");
  EXPECT_EQ(prefixFor("memory"), "memory");
}

TEST(NameTableTest, KeepsNamesStableAndUnique) {
  NameTable t;
  auto a = t.assign("a__b", "a__b", "c");
  auto b = t.assign("a", "a", "b__c");
  ASSERT_TRUE(a && b);
  EXPECT_EQ(*a, "a__b__c");
  EXPECT_NE(*a, *b);  // the second owner of "a__b__c" gets the hashed form
  EXPECT_TRUE(isExposableName(*b));
  EXPECT_EQ(*t.assign("a", "a", "b__c"), *b);  // stable
  ASSERT_TRUE(t.find(*b));
  EXPECT_EQ(t.find(*b)->backend, "a");
  EXPECT_EQ(t.find(*b)->original, "b__c");
}

TEST(NameTableTest, UnprefixedClashIsAnErrorNamingBothServers) {
  NameTable t;
  ASSERT_TRUE(t.assign("one", "", "search"));
  auto clash = t.assign("two", "", "search");
  ASSERT_FALSE(clash);
  EXPECT_EQ(clash.error().code, ErrorCode::kInvalidInput);
  EXPECT_NE(clash.error().message.find("'one'"), std::string::npos);
  EXPECT_NE(clash.error().message.find("'two'"), std::string::npos);
}

TEST(NameTableTest, RemoveBackendFreesItsNames) {
  NameTable t;
  ASSERT_TRUE(t.assign("one", "", "search"));
  t.removeBackend("one");
  EXPECT_EQ(t.size(), 0U);
  EXPECT_TRUE(t.assign("two", "", "search"));
}

std::optional<std::string> testVars(std::string_view name) {
  if (name == "env:TOKEN") return "secret";
  if (name == "workspaceFolder") return "/ws";
  return std::nullopt;
}

TEST(ProxyConfigTest, ReadsMcpServersAndVsCodeServers) {
  auto a = parseProxyConfig(R"({"mcpServers": {
      "fs": {"command": "npx", "args": ["-y", "server-filesystem", "${workspaceFolder}"]},
      "remote": {"url": "https://example.com/mcp", "headers": {"Authorization": "Bearer ${env:TOKEN}"}},
      "off": {"command": "x", "disabled": true}}})",
                            testVars);
  ASSERT_TRUE(a) << a.error().toString();
  ASSERT_EQ(a->servers.size(), 2U);
  EXPECT_EQ(a->servers[0].name, "fs");
  EXPECT_EQ(a->servers[0].args.back(), "/ws");
  EXPECT_EQ(a->servers[1].kind, ProxyServerConfig::Kind::kHttp);
  EXPECT_EQ(a->servers[1].headers.at(0).second, "Bearer secret");
  EXPECT_EQ(a->notes.size(), 1U);

  auto b = parseProxyConfig(R"({
      // VS Code allows comments
      "servers": {"mem": {"type": "stdio", "command": "node", "env": {"PORT": 8080},
                          "prefix": "", "timeoutMs": 5000, "maxOutputBytes": 1024, "sandbox": false},
                  "old": {"type": "sse", "url": "http://127.0.0.1:1/sse"}}})",
                            testVars);
  ASSERT_TRUE(b) << b.error().toString();
  EXPECT_EQ(b->servers.at(0).env.at("PORT"), "8080");
  EXPECT_EQ(*b->servers.at(0).prefix, "");
  EXPECT_EQ(b->servers.at(0).timeout->count(), 5000);
  EXPECT_EQ(*b->servers.at(0).max_output_bytes, 1024U);
  EXPECT_EQ(*b->servers.at(0).sandbox, false);
  EXPECT_EQ(b->servers.at(1).kind, ProxyServerConfig::Kind::kSse);
}

TEST(ProxyConfigTest, ErrorsNameTheServerAndTheField) {
  auto expectError = [](std::string_view text, std::string_view needle) {
    auto r = parseProxyConfig(text, testVars);
    ASSERT_FALSE(r) << text;
    EXPECT_NE(r.error().message.find(needle), std::string::npos) << r.error().message;
  };
  expectError("not json", "not valid JSON");
  expectError(R"({"other": {}})", "mcpServers");
  expectError(R"({"mcpServers": {"x": {}}})", "server 'x'");
  expectError(R"({"mcpServers": {"x": {"command": "a", "url": "http://b"}}})", "both");
  expectError(R"({"mcpServers": {"x": {"command": "a", "args": "b"}}})", "'args'");
  expectError(R"({"mcpServers": {"x": {"type": "ws", "url": "ws://b"}}})", "unknown type");
  expectError(R"({"mcpServers": {"x": {"url": "ftp://b"}}})", "http://");
  expectError(R"({"mcpServers": {"x": {"command": "a", "env": {"K": "${input:key}"}}}})",
              "ONEMCP_INPUT_key");
  expectError(R"({"mcpServers": {"x": {"command": "a", "args": ["${env:TOKEN"]}}})",
              "unterminated");
}

}  // namespace
}  // namespace onemcp::sandbox
