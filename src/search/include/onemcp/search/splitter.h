// Splits a user prompt into the sub-tasks it asks for (numbered or bulleted steps,
// sentences, ";", "and then", "then", "after that", "also"), so that retrieval can
// serve every need. Deterministic, allocation-light, no model.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace onemcp::search {

struct SplitOptions {
  // Pieces with fewer words than this are merged into the previous one.
  std::size_t min_words = 3;
  // At most this many sub-tasks; the tail is merged into the last.
  std::size_t max_tasks = 8;
};

// The sub-tasks in prompt order; a single-need prompt yields one element; an empty
// prompt yields none.
std::vector<std::string> splitTasks(std::string_view prompt, const SplitOptions& options = {});

}  // namespace onemcp::search
