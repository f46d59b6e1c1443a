#include "onemcp/sandbox/run_spec.h"

#include <gtest/gtest.h>

namespace onemcp::sandbox {
namespace {

using nlohmann::json;

RunSpec sample() {
  RunSpec s;
  s.name = "memory";
  s.runtime = Runtime::kNode;
  s.node_major = "20";
  s.install.kind = InstallKind::kNpm;
  s.install.packages = {"/srv/mcp"};
  s.install.from_source = true;
  s.install.build_command = {"npm", "run", "build"};
  s.command = {"node", "dist/index.js"};
  s.working_dir = "/srv/mcp";
  s.env = {{"API_TOKEN", "a token", true, true, std::nullopt}, {"UNITS", "", false, false, "metric"}};
  s.transport = {TransportKind::kSse, 8080, "/sse"};
  s.grants = {{"/home/u/src", "/srv/mcp", false}};
  s.evidence = {{"command", "package.json", "main = dist/index.js"}};
  s.source = "folder:/home/u/src";
  s.notes = {"pinned version 1.0 is not served"};
  return s;
}

TEST(RunSpec, RoundTripsEveryField) {
  json j = sample();
  auto back = parseRunSpec(j);
  ASSERT_TRUE(back) << back.error().toString();
  EXPECT_EQ(json(*back), j);
  EXPECT_TRUE(back->install.from_source);
  EXPECT_EQ(back->install.build_command.size(), 3u);
  EXPECT_EQ(back->transport.kind, TransportKind::kSse);
  EXPECT_EQ(back->source, "folder:/home/u/src");
  EXPECT_EQ(back->notes.size(), 1u);
}

TEST(RunSpec, NeverWritesASecretValue) {
  RunSpec s = sample();
  s.env[0].value = "hunter2";
  json j = s;
  EXPECT_EQ(j.dump().find("hunter2"), std::string::npos);
}

TEST(RunSpec, KeepsUnknownFieldsOnRoundTrip) {
  json j = sample();
  j["future_field"] = {{"x", 1}};
  auto back = parseRunSpec(j);
  ASSERT_TRUE(back);
  EXPECT_EQ(json(*back)["future_field"]["x"], 1);
}

TEST(RunSpec, RejectsWronglyTypedMembersWithoutThrowing) {
  json j = sample();
  j["env"][0]["required"] = "yes";
  auto r = parseRunSpec(j);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidInput);
  j = sample();
  j["install"]["from_source"] = 1;
  EXPECT_FALSE(parseRunSpec(j));
  j = sample();
  j["transport"]["port"] = -1;
  EXPECT_FALSE(parseRunSpec(j));
}

TEST(RunSpec, RejectsNewerVersionsByName) {
  json j = sample();
  j["version"] = kRunSpecVersion + 1;
  auto r = parseRunSpec(j);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("newer"), std::string::npos);
}

TEST(RunSpec, ImageSpecMayLeaveTheCommandToTheImage) {
  json j = {{"name", "x"}, {"runtime", "image"}, {"image", "onemcp-local/x:latest"}, {"build_context", "/src/x"}};
  auto r = parseRunSpec(j);
  ASSERT_TRUE(r) << r.error().toString();
  EXPECT_EQ(r->build_context, "/src/x");
  EXPECT_TRUE(r->command.empty());
}

}  // namespace
}  // namespace onemcp::sandbox
