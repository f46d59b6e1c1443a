// Splits a prompt into the tasks find_tools looks up one by one. When the client can
// sample, its own LLM does the split: a sampling/createMessage request that asks for a
// JSON object {"tasks": [string, ...]}, answered within a time limit and validated.
// Anything else (no sampling, a refusal, a timeout, a reply that is not that JSON) falls
// back to the deterministic splitter from search, and the plan says why.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "onemcp/common/result.h"

namespace onemcp::orchestrator {

struct PlannerOptions {
  bool use_sampling = true;
  std::chrono::milliseconds timeout{std::chrono::seconds(20)};
  std::size_t max_tasks = 8;
  std::size_t max_task_chars = 300;
  int max_tokens = 400;
};

struct Plan {
  std::vector<std::string> tasks;
  std::string by;    // "sampling" or "splitter"
  std::string note;  // why the splitter was used although sampling was possible
};

// The sampling/createMessage params that ask the client's LLM for the split.
nlohmann::json planRequest(std::string_view prompt, const PlannerOptions& options);

// Reads the LLM's reply text: the JSON object {"tasks": [...]} (or a bare array), alone
// or inside prose or a ``` fence. Tasks are trimmed, control characters removed, empty
// and repeated ones dropped, each cut to max_task_chars; more than max_tasks is an
// error, as is no task at all. Never throws.
Result<std::vector<std::string>> parsePlanReply(std::string_view text, const PlannerOptions& options);

// Sends a sampling request (params) to the client and returns its result object; the
// daemon binds this to the calling session's RequestScope.
using SampleFn = std::function<Result<nlohmann::json>(nlohmann::json params, std::chrono::milliseconds timeout)>;

// `sample` is empty when the client cannot sample.
Plan planTasks(const std::string& prompt, const SampleFn& sample, const PlannerOptions& options);

}  // namespace onemcp::orchestrator
