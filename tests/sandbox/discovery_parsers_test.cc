#include <gtest/gtest.h>

#include "onemcp/sandbox/detect.h"

namespace onemcp::sandbox {
namespace {

using nlohmann::json;

TEST(PackageJson, ReadsBinMainEnginesAndMcpDependency) {
  auto m = parsePackageJson(R"({"name":"@x/srv","version":"1.2.0","bin":{"srv":"dist/index.js"},
    "main":"lib.js","engines":{"node":"^20.10"},"dependencies":{"@modelcontextprotocol/sdk":"^1"},
    "devDependencies":{"typescript":"^5"},"scripts":{"build":"tsc"}})");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->bins.at("srv"), "dist/index.js");
  EXPECT_EQ(m->main, "lib.js");
  EXPECT_EQ(m->node_major, "20");
  EXPECT_EQ(m->mcp_dependency, "@modelcontextprotocol/sdk");
  EXPECT_TRUE(m->has_dependencies);
  EXPECT_TRUE(m->typescript);
  EXPECT_EQ(m->scripts.at("build"), "tsc");
}

TEST(PackageJson, AStringBinIsNamedAfterTheUnscopedPackage) {
  auto m = parsePackageJson(R"({"name":"@scope/tool-mcp","bin":"cli.js"})");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->bins.at("tool-mcp"), "cli.js");
}

TEST(PackageJson, BrokenJsonIsAnErrorNotACrash) {
  EXPECT_FALSE(parsePackageJson("{\"name\": "));
  EXPECT_FALSE(parsePackageJson("[1,2]"));
  auto odd = parsePackageJson(R"({"name":5,"bin":[1],"engines":"x","workspaces":{"packages":7}})");
  EXPECT_TRUE(odd);
}

TEST(NodeMajor, TakesTheLowestMajorOfARange) {
  EXPECT_EQ(lowestNodeMajor(">=18"), "18");
  EXPECT_EQ(lowestNodeMajor("^20.1.0"), "20");
  EXPECT_EQ(lowestNodeMajor(">= 16.0.0 || >=14"), "14");
  EXPECT_EQ(lowestNodeMajor("22.x"), "22");
  EXPECT_EQ(lowestNodeMajor("*"), std::nullopt);
}

TEST(NodeMajor, KeepsThePreferredMajorWhenTheRangeAllowsIt) {
  EXPECT_EQ(nodeMajorFor(">=18.0.0", 22), std::nullopt);
  EXPECT_EQ(nodeMajorFor("^22.3", 22), std::nullopt);
  EXPECT_EQ(nodeMajorFor("^18", 22), "18");
  EXPECT_EQ(nodeMajorFor("^18 || ^20", 22), "20");
  EXPECT_EQ(nodeMajorFor(">=16 <21", 22), "20");
  EXPECT_EQ(nodeMajorFor(">=23", 22), "23");
  EXPECT_EQ(nodeMajorFor("*", 22), std::nullopt);
}

TEST(Pyproject, ReadsScriptsDependenciesAndMcp) {
  auto m = parsePyproject(R"(
[project]
name = "weather-mcp"
version = "0.3.1"
requires-python = ">=3.10"
dependencies = ["mcp[cli]>=1.2.0", "httpx"]
[project.scripts]
weather-mcp = "weather_mcp.server:main"
)");
  ASSERT_TRUE(m) << m.error().toString();
  EXPECT_EQ(m->name, "weather-mcp");
  EXPECT_EQ(m->scripts.at("weather-mcp"), "weather_mcp.server:main");
  EXPECT_EQ(m->mcp_dependency, "mcp");
  EXPECT_EQ(m->dependencies.size(), 2u);
}

TEST(Pyproject, ReadsPoetryTables) {
  auto m = parsePyproject(R"(
[tool.poetry]
name = "poet"
[tool.poetry.dependencies]
python = "^3.10"
fastmcp = "^2"
[tool.poetry.scripts]
poet = "poet.main:run"
)");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->name, "poet");
  EXPECT_EQ(m->mcp_dependency, "fastmcp");
  EXPECT_EQ(m->scripts.at("poet"), "poet.main:run");
}

TEST(Pyproject, InvalidTomlIsAnError) {
  auto m = parsePyproject("[project\nname = ");
  ASSERT_FALSE(m);
  EXPECT_NE(m.error().message.find("pyproject.toml"), std::string::npos);
}

TEST(SetupCfg, ReadsConsoleScriptsAndRequirements) {
  auto m = parseSetupCfg(R"([metadata]
name = cfg-srv
[options]
install_requires =
    mcp>=1.0
    requests
[options.entry_points]
console_scripts =
    cfg-srv = cfg_srv.main:run
)");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->name, "cfg-srv");
  EXPECT_EQ(m->scripts.at("cfg-srv"), "cfg_srv.main:run");
  EXPECT_EQ(m->dependencies.size(), 2u);
  EXPECT_EQ(m->mcp_dependency, "mcp");
}

TEST(SetupPy, ReadsLiteralKeywords) {
  auto m = parseSetupPy(R"(setup(name="py-srv", version='1.0',
    install_requires=["fastmcp>=2", 'pydantic'],
    entry_points={"console_scripts": ["py-srv = py_srv.cli:main"]}))");
  EXPECT_EQ(m.name, "py-srv");
  EXPECT_EQ(m.version, "1.0");
  EXPECT_EQ(m.scripts.at("py-srv"), "py_srv.cli:main");
  EXPECT_EQ(m.mcp_dependency, "fastmcp");
}

TEST(Requirement, NameStopsAtExtrasAndVersions) {
  EXPECT_EQ(requirementName("mcp[cli]>=1.2; python_version>'3.9'"), "mcp");
  EXPECT_EQ(requirementName("  fastmcp==2.0"), "fastmcp");
}

TEST(Dockerfile, ReadsTheLastStage) {
  auto d = parseDockerfile(
      "FROM node:22 AS build\nRUN npm ci\nFROM node:22-slim\nENV PORT=3000 \\\n  MODE=x\n"
      "EXPOSE 3000/tcp\nENTRYPOINT [\"node\", \"dist/index.js\"]\nCMD --stdio\n");
  EXPECT_EQ(d.base_image, "node:22-slim");
  EXPECT_EQ(d.entrypoint, (std::vector<std::string>{"node", "dist/index.js"}));
  EXPECT_EQ(d.cmd, (std::vector<std::string>{"/bin/sh", "-c", "--stdio"}));
  ASSERT_EQ(d.exposed_ports.size(), 1u);
  EXPECT_EQ(d.exposed_ports[0], 3000);
  EXPECT_EQ(d.env_names, (std::vector<std::string>{"PORT"}));
}

TEST(Smithery, ReadsTypeCommandAndRequiredConfig) {
  auto s = parseSmithery(R"(startCommand:
  type: stdio
  configSchema:
    type: object
    required: [apiKey]
    properties:
      apiKey:
        type: string
        description: The API key
  commandFunction: |-
    (config) => ({ command: 'node', args: ['dist/index.js', '--stdio'], env: { API_KEY: config.apiKey } })
)");
  ASSERT_TRUE(s) << s.error().toString();
  EXPECT_EQ(s->type, "stdio");
  EXPECT_EQ(s->command, (std::vector<std::string>{"node", "dist/index.js", "--stdio"}));
  EXPECT_EQ(s->required_config, (std::vector<std::string>{"apiKey"}));
  EXPECT_EQ(s->config_descriptions.at("apiKey"), "The API key");
  EXPECT_FALSE(parseSmithery("a: [b"));
}

TEST(GoAndCargo, ReadTheirNames) {
  EXPECT_EQ(parseGoModule("// c\nmodule github.com/x/y\n\ngo 1.22\n"), "github.com/x/y");
  auto c = parseCargoToml("[package]\nname = \"rmcp-srv\"\n[[bin]]\nname = \"srv\"\n");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->name, "rmcp-srv");
  EXPECT_EQ(c->bins, (std::vector<std::string>{"srv"}));
}

TEST(EnvExample, MarksSecretsRequiredAndKeepsSettings) {
  auto hints = parseEnvExample("# GitHub token\nGITHUB_TOKEN=\nLOG_LEVEL=info\nexport API_KEY=your-key-here\n"
                               "OPTIONAL_URL=  # optional\n");
  ASSERT_EQ(hints.size(), 4u);
  EXPECT_EQ(hints[0].name, "GITHUB_TOKEN");
  EXPECT_TRUE(hints[0].secret);
  EXPECT_TRUE(hints[0].required);
  EXPECT_EQ(hints[0].description, "GitHub token");
  EXPECT_FALSE(hints[1].required);
  EXPECT_EQ(hints[1].value, "info");
  EXPECT_TRUE(hints[2].secret);
  EXPECT_FALSE(hints[2].value);
  EXPECT_FALSE(hints[3].required);
}

TEST(Secrets, RecognisesCredentialNames) {
  EXPECT_TRUE(looksSecret("GITHUB_PERSONAL_ACCESS_TOKEN"));
  EXPECT_TRUE(looksSecret("openai_api_key"));
  EXPECT_TRUE(looksSecret("STRIPE_SECRET"));
  EXPECT_FALSE(looksSecret("LOG_LEVEL"));
  EXPECT_FALSE(looksSecret("PORT"));
}

TEST(ShellWords, HandlesQuotesEscapesAndComments) {
  EXPECT_EQ(splitShellWords(R"(npx -y "@a/b c" 'd e' f\ g # comment)"),
            (std::vector<std::string>{"npx", "-y", "@a/b c", "d e", "f g"}));
  EXPECT_EQ(splitShellWords("  "), std::vector<std::string>{});
}

TEST(McpServers, ReadsClaudeAndVsCodeShapes) {
  json claude = json::parse(R"({"mcpServers":{"fs":{"command":"npx","args":["-y","@modelcontextprotocol/server-filesystem","/tmp"],
    "env":{"X":"1"}},"remote":{"url":"https://example.com/mcp"}}})");
  auto c = parseMcpServers(claude, "config");
  ASSERT_TRUE(c);
  ASSERT_EQ(c->size(), 2u);
  EXPECT_EQ((*c)[0].name, "fs");
  EXPECT_EQ((*c)[0].argv.size(), 4u);
  EXPECT_EQ((*c)[0].env.at("X"), "1");
  EXPECT_EQ((*c)[1].url, "https://example.com/mcp");
  json vscode = json::parse(R"({"servers":{"m":{"type":"stdio","command":"uvx mcp-server-time"}}})");
  auto v = parseMcpServers(vscode, "");
  ASSERT_TRUE(v);
  EXPECT_EQ((*v)[0].argv, (std::vector<std::string>{"uvx", "mcp-server-time"}));
  EXPECT_FALSE(parseMcpServers(json::parse(R"({"mcpServers":{}})"), ""));
}

TEST(Readme, FindsCommandsConfigBlocksAndEnvNames) {
  auto r = parseReadme(R"(# Server
Install:
```bash
$ npm install -g thing
GITHUB_TOKEN=ghp_x npx -y @acme/github-mcp --verbose
docker run -i --rm -e SLACK_BOT_TOKEN \
  mcp/slack
```
Or in your config:
```json
{ "mcpServers": { "acme": { "command": "uvx", "args": ["acme-mcp"], "env": {"ACME_API_KEY": "<key>"} } } }
```
)");
  ASSERT_EQ(r.commands.size(), 3u);
  EXPECT_EQ(r.commands[0].argv[0], "npx");
  EXPECT_EQ(r.commands[0].env.at("GITHUB_TOKEN"), "ghp_x");
  EXPECT_EQ(r.commands[0].origin, "README.md line 5");
  EXPECT_EQ(r.commands[1].argv.back(), "mcp/slack");
  EXPECT_EQ(r.commands[2].argv, (std::vector<std::string>{"uvx", "acme-mcp"}));
  EXPECT_EQ(r.env_names, (std::vector<std::string>{"GITHUB_TOKEN", "SLACK_BOT_TOKEN", "ACME_API_KEY"}));
}

TEST(Readme, UnwrapsClientAddCommandsAndTheInspector) {
  auto r = parseReadme("```\nclaude mcp add memory -- npx -y @modelcontextprotocol/server-memory\n"
                       "npx @modelcontextprotocol/inspector node build/index.js\n```\n");
  ASSERT_EQ(r.commands.size(), 2u);
  EXPECT_EQ(r.commands[0].argv[0], "npx");
  EXPECT_EQ(r.commands[1].argv, (std::vector<std::string>{"node", "build/index.js"}));
}

}  // namespace
}  // namespace onemcp::sandbox
