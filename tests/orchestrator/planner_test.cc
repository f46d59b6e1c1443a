// The planner's reply parser and its fallbacks, with the client's model stood in by a
// function (the daemon test drives it through a real MCP client).
#include "onemcp/orchestrator/planner.h"

#include <gtest/gtest.h>

namespace onemcp::orchestrator {
namespace {

using nlohmann::json;
using Tasks = std::vector<std::string>;

TEST(ParsePlanReply, ReadsTheObjectAloneInProseOrInAFence) {
  PlannerOptions o;
  EXPECT_EQ(*parsePlanReply(R"({"tasks": ["save a note", "send an email"]})", o),
            (Tasks{"save a note", "send an email"}));
  EXPECT_EQ(*parsePlanReply("Here you go:\n```json\n{\"tasks\": [\"read the file\"]}\n```\nDone.", o),
            (Tasks{"read the file"}));
  EXPECT_EQ(*parsePlanReply(R"(["a bare array", "works too"])", o), (Tasks{"a bare array", "works too"}));
}

TEST(ParsePlanReply, CleansTasksAndDropsEmptyAndRepeatedOnes) {
  PlannerOptions o;
  EXPECT_EQ(*parsePlanReply(R"({"tasks": ["  fetch\tthe page\n", "", "   ", "Fetch the page", "x"]})", o),
            (Tasks{"fetch the page", "x"}));
}

TEST(ParsePlanReply, CutsLongTasksWithoutSplittingACharacter) {
  PlannerOptions o;
  o.max_task_chars = 5;
  auto t = parsePlanReply(R"({"tasks": ["abcd\u00e9fgh"]})", o);  // 'é' is bytes 5-6
  ASSERT_TRUE(t);
  EXPECT_EQ(*t, (Tasks{"abcd"}));
}

TEST(ParsePlanReply, RefusesWhatIsNotAPlan) {
  PlannerOptions o;
  o.max_tasks = 2;
  EXPECT_FALSE(parsePlanReply("I cannot help with that.", o));
  EXPECT_FALSE(parsePlanReply(R"({"steps": ["a"]})", o));
  EXPECT_FALSE(parsePlanReply(R"({"tasks": []})", o));
  EXPECT_FALSE(parsePlanReply(R"({"tasks": ["", " "]})", o));
  EXPECT_FALSE(parsePlanReply(R"({"tasks": ["a", 3]})", o));
  EXPECT_FALSE(parsePlanReply(R"({"tasks": ["a", "b", "c"]})", o));
  EXPECT_FALSE(parsePlanReply("", o));
  EXPECT_FALSE(parsePlanReply("{\"tasks\": [\"unterminated", o));
}

TEST(PlanRequest, AsksForTheJsonShapeWithThePromptAsTheUserMessage) {
  PlannerOptions o;
  json r = planRequest("remember Alice and echo hi", o);
  EXPECT_EQ(r["messages"][0]["role"], "user");
  EXPECT_EQ(r["messages"][0]["content"]["text"], "remember Alice and echo hi");
  EXPECT_NE(r["systemPrompt"].get<std::string>().find("{\"tasks\""), std::string::npos);
  EXPECT_EQ(r["maxTokens"], o.max_tokens);
}

json textReply(const std::string& text) {
  return {{"role", "assistant"}, {"model", "m"}, {"content", {{"type", "text"}, {"text", text}}}};
}

TEST(PlanTasks, UsesTheClientsModelWhenItAnswersWell) {
  std::chrono::milliseconds seen_timeout{0};
  SampleFn sample = [&](json params, std::chrono::milliseconds timeout) -> Result<json> {
    seen_timeout = timeout;
    EXPECT_TRUE(params.contains("systemPrompt"));
    return textReply(R"({"tasks": ["store a fact", "echo a word"]})");
  };
  PlannerOptions o;
  o.timeout = std::chrono::milliseconds(1234);
  Plan p = planTasks("one long sentence with two needs in it", sample, o);
  EXPECT_EQ(p.by, "sampling");
  EXPECT_EQ(p.tasks, (Tasks{"store a fact", "echo a word"}));
  EXPECT_TRUE(p.note.empty());
  EXPECT_EQ(seen_timeout, std::chrono::milliseconds(1234));
}

TEST(PlanTasks, ReadsContentGivenAsAnArrayOfBlocks) {
  SampleFn sample = [](json, std::chrono::milliseconds) -> Result<json> {
    return json{{"content", json::array({{{"type", "text"}, {"text", "{\"tasks\": [\"a task\"]}"}}})}};
  };
  EXPECT_EQ(planTasks("p", sample, {}).tasks, (Tasks{"a task"}));
}

TEST(PlanTasks, FallsBackToTheSplitterAndSaysWhy) {
  const std::string prompt = "Fetch the weather for Paris. Then save it to a file.";
  Plan no_sampling = planTasks(prompt, nullptr, {});
  EXPECT_EQ(no_sampling.by, "splitter");
  EXPECT_EQ(no_sampling.tasks.size(), 2U);
  EXPECT_TRUE(no_sampling.note.empty());

  SampleFn failing = [](json, std::chrono::milliseconds) -> Result<json> {
    return fail(ErrorCode::kTimeout, "request timed out");
  };
  Plan timed_out = planTasks(prompt, failing, {});
  EXPECT_EQ(timed_out.by, "splitter");
  EXPECT_EQ(timed_out.tasks, no_sampling.tasks);
  EXPECT_NE(timed_out.note.find("timed out"), std::string::npos);

  SampleFn chatty = [](json, std::chrono::milliseconds) -> Result<json> { return textReply("Sure! Two things."); };
  Plan unusable = planTasks(prompt, chatty, {});
  EXPECT_EQ(unusable.by, "splitter");
  EXPECT_NE(unusable.note.find("unusably"), std::string::npos);

  PlannerOptions off;
  off.use_sampling = false;
  bool called = false;
  SampleFn spy = [&](json, std::chrono::milliseconds) -> Result<json> {
    called = true;
    return textReply("{\"tasks\": [\"x\"]}");
  };
  EXPECT_EQ(planTasks(prompt, spy, off).by, "splitter");
  EXPECT_FALSE(called);
}

TEST(PlanTasks, AnEmptyPromptStillGivesOneTask) {
  Plan p = planTasks("", nullptr, {});
  EXPECT_EQ(p.tasks, (Tasks{""}));
}

}  // namespace
}  // namespace onemcp::orchestrator
