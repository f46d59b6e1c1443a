#include "onemcp_prompt.h"

#include <algorithm>
#include <cctype>

namespace onemcp::orchestrator {

using mcp::Json;

mcp::Prompt onemcpPromptDefinition() {
  mcp::Prompt p;
  p.name = std::string(kOnemcpPrompt);
  p.title = "OneMCP: get the tools for a task";
  p.description =
      "Finds, starts and adds to this session the tools a task needs (as find_tools does), then "
      "hands the task to the assistant with the tools it can now call.";
  p.arguments = {{"task", "what needs doing, in plain words", true}};
  return p;
}

Result<std::string> onemcpPromptTask(const Json& arguments) {
  auto it = arguments.find("task");
  const bool blank = it == arguments.end() || !it->is_string() ||
                     std::all_of(it->get_ref<const std::string&>().begin(),
                                 it->get_ref<const std::string&>().end(),
                                 [](unsigned char c) { return std::isspace(c) != 0; });
  if (blank) {
    return fail(ErrorCode::kInvalidParams,
                "the onemcp prompt needs the argument 'task': what needs doing");
  }
  return it->get<std::string>();
}

Json onemcpPromptResult(const std::string& task, const Json& found) {
  std::string text = task + "\n\nOneMCP prepared this session for the task";
  const std::string by = found.value("planned_by", "");
  text += by.empty() ? ":\n" : " (split by " + by + "):\n";
  std::string waiting;
  for (const auto& part : found.value("tasks", Json::array())) {
    text += "- " + part.value("task", "") + ": ";
    const auto tools = part.value("tools", Json::array());
    if (!tools.empty()) {
      text += "call ";
      for (std::size_t i = 0; i < tools.size(); ++i) {
        text += (i == 0 ? "" : ", ") + tools[i].get<std::string>();
      }
    } else if (part.contains("needs_approval")) {
      const Json& a = part["needs_approval"];
      text += "'" + a.value("name", "") + "' waits for approval (" + a.value("reasons", "") + ")";
      waiting += " approve_server {\"server_id\": \"" + a.value("server_id", "") + "\"}";
    } else {
      text += part.value("note", std::string("nothing found"));
    }
    text += "\n";
  }
  if (!waiting.empty()) {
    text += "Ask me before starting what waits for approval; if I agree, call" + waiting + ".\n";
  }
  mcp::GetPromptResult r;
  r.description = "The task, with the tools OneMCP made callable for it";
  r.messages.push_back({"user", Json{{"type", "text"}, {"text", text}}});
  return Json(r);
}

}  // namespace onemcp::orchestrator
