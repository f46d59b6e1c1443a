#include "onemcp/orchestrator/planner.h"

#include <set>

#include "onemcp/common/text.h"
#include "onemcp/search/splitter.h"

namespace onemcp::orchestrator {
namespace {

using nlohmann::json;

constexpr std::string_view kSystemPrompt =
    "You split a user's request into the separate tasks that each need a different tool. "
    "Answer with JSON only, exactly this shape: {\"tasks\": [\"...\", \"...\"]}. "
    "Each task is one short imperative sentence in the user's language that keeps the names, "
    "files and values it needs. One task when the request has one need. No other text.";

// The JSON value in `text`: the whole text, or the span from its first '{' (or '[') to the
// last '}' (or ']'), which covers fenced blocks and a sentence before or after.
std::optional<json> findJson(std::string_view text) {
  auto whole = json::parse(text, nullptr, false);
  if (!whole.is_discarded()) return whole;
  for (auto [open, close] : {std::pair{'{', '}'}, std::pair{'[', ']'}}) {
    const auto first = text.find(open);
    const auto last = text.rfind(close);
    if (first == std::string_view::npos || last == std::string_view::npos || last < first) continue;
    auto part = json::parse(text.substr(first, last - first + 1), nullptr, false);
    if (!part.is_discarded()) return part;
  }
  return std::nullopt;
}

std::string cleanTask(const std::string& raw, std::size_t max_chars) {
  std::string out;
  out.reserve(raw.size());
  for (unsigned char c : raw) out.push_back(c < 0x20 || c == 0x7f ? ' ' : static_cast<char>(c));
  out = trim(out);
  if (out.size() > max_chars) {
    out.resize(max_chars);
    // Do not leave half a UTF-8 sequence at the cut.
    while (!out.empty() && (static_cast<unsigned char>(out.back()) & 0xC0) == 0x80) out.pop_back();
    if (!out.empty() && (static_cast<unsigned char>(out.back()) & 0x80) != 0) out.pop_back();
  }
  return out;
}

// The text of a sampling result's content: one content block or an array of them.
std::string replyText(const json& result) {
  auto content = result.find("content");
  if (content == result.end()) return {};
  auto textOf = [](const json& block) {
    return block.is_object() && block.value("type", "") == "text" && block.contains("text") &&
                   block["text"].is_string()
               ? block["text"].get<std::string>()
               : std::string();
  };
  if (content->is_array()) {
    std::string out;
    for (const auto& b : *content) out += textOf(b);
    return out;
  }
  return textOf(*content);
}

Plan splitterPlan(const std::string& prompt, std::string note) {
  Plan p;
  p.tasks = search::splitTasks(prompt);
  if (p.tasks.empty()) p.tasks.push_back(prompt);
  p.by = "splitter";
  p.note = std::move(note);
  return p;
}

}  // namespace

json planRequest(std::string_view prompt, const PlannerOptions& options) {
  return {{"messages", json::array({{{"role", "user"},
                                     {"content", {{"type", "text"}, {"text", std::string(prompt)}}}}})},
          {"systemPrompt", std::string(kSystemPrompt)},
          {"maxTokens", options.max_tokens},
          {"temperature", 0},
          {"includeContext", "none"},
          {"modelPreferences", {{"speedPriority", 1.0}, {"intelligencePriority", 0.3}}}};
}

Result<std::vector<std::string>> parsePlanReply(std::string_view text, const PlannerOptions& options) {
  auto doc = findJson(text);
  if (!doc) return fail(ErrorCode::kInvalidInput, "the reply holds no JSON");
  const json* list = nullptr;
  if (doc->is_array()) {
    list = &*doc;
  } else if (doc->is_object() && doc->contains("tasks") && (*doc)["tasks"].is_array()) {
    list = &(*doc)["tasks"];
  } else {
    return fail(ErrorCode::kInvalidInput, "the reply is not {\"tasks\": [...]}");
  }
  std::vector<std::string> tasks;
  std::set<std::string> seen;
  for (const auto& t : *list) {
    if (!t.is_string()) return fail(ErrorCode::kInvalidInput, "a task in the reply is not a string");
    std::string task = cleanTask(t.get<std::string>(), options.max_task_chars);
    if (task.empty() || !seen.insert(toLowerAscii(task)).second) continue;
    tasks.push_back(std::move(task));
  }
  if (tasks.empty()) return fail(ErrorCode::kInvalidInput, "the reply lists no task");
  if (tasks.size() > options.max_tasks) {
    return fail(ErrorCode::kInvalidInput, "the reply lists " + std::to_string(tasks.size()) +
                                              " tasks; at most " + std::to_string(options.max_tasks));
  }
  return tasks;
}

Plan planTasks(const std::string& prompt, const SampleFn& sample, const PlannerOptions& options) {
  if (!options.use_sampling) return splitterPlan(prompt, "");
  if (!sample) return splitterPlan(prompt, "");  // the client cannot sample: nothing to explain
  auto result = sample(planRequest(prompt, options), options.timeout);
  if (!result) return splitterPlan(prompt, "the client's model did not answer: " + result.error().message);
  auto tasks = parsePlanReply(replyText(*result), options);
  if (!tasks) return splitterPlan(prompt, "the client's model answered unusably: " + tasks.error().message);
  Plan p;
  p.tasks = std::move(*tasks);
  p.by = "sampling";
  return p;
}

}  // namespace onemcp::orchestrator
