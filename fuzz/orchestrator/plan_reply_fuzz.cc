// Feeds arbitrary text as the client's LLM reply to the planner. Properties: no crash;
// an accepted plan has 1..max_tasks tasks, none empty, none longer than the cap, none
// holding a control character.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "onemcp/orchestrator/planner.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  onemcp::orchestrator::PlannerOptions o;
  o.max_tasks = 4;
  o.max_task_chars = 40;
  auto tasks = onemcp::orchestrator::parsePlanReply(text, o);
  if (!tasks) return 0;
  if (tasks->empty() || tasks->size() > o.max_tasks) std::abort();
  for (const auto& t : *tasks) {
    if (t.empty() || t.size() > o.max_task_chars) std::abort();
    for (unsigned char c : t) {
      if (c < 0x20 || c == 0x7f) std::abort();
    }
  }
  return 0;
}
