// Helpers shared by the discovery sources (private to src/sandbox).
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "onemcp/sandbox/discovery.h"

namespace onemcp::sandbox::detail {

inline void addEvidence(RunSpec& spec, std::string field, std::string source, std::string detail) {
  spec.evidence.push_back({std::move(field), std::move(source), std::move(detail)});
}

// Adds or replaces the variable of that name.
void mergeEnv(RunSpec& spec, EnvVar var, const std::string& source, const std::string& detail);
// Variables from a launch command's env block: placeholders and credentials become
// required (secret where the name says so), literal settings keep their value.
void addLaunchEnv(RunSpec& spec, const std::map<std::string, std::string>& env, const std::string& origin);
bool isPlaceholder(std::string_view value);
// A server's own state files: a README's launch example that sets a variable to a file or
// folder path (MEMORY_FILE_PATH=/path/to/memory.jsonl) means the server writes there. The
// package is mounted read-only, so such a variable the spec does not set yet is pointed at
// the server's persistent data volume (/data/<the example's file name>). Credentials and
// values that are not paths are left alone. Returns how many it set.
int addReadmeStatePaths(RunSpec& spec, std::string_view readme, const std::string& origin);

// Sets outcome/reason from what the spec still needs (secrets, settings), when nothing
// worse was found already.
void settleOutcome(Discovery& d);

// Marks a failure: outcome and reason, keeping any partial spec.
inline Discovery& failWith(Discovery& d, Outcome outcome, std::string reason) {
  d.outcome = outcome;
  d.reason = std::move(reason);
  return d;
}

// "@scope/name@1.2" -> {"@scope/name", "1.2"}; "name" -> {"name", ""}; "latest" is kept.
std::pair<std::string, std::string> splitNpmSpec(std::string_view spec);
// "pkg==1.0", "pkg@1.0", "pkg[cli]>=2" -> {"pkg", "1.0"} (version only when pinned exactly).
std::pair<std::string, std::string> splitPypiSpec(std::string_view spec);
// Remote bridges ("supergateway --sse URL", "mcp-remote URL"): the URL, or empty.
std::string bridgedUrl(const std::vector<std::string>& args);

}  // namespace onemcp::sandbox::detail
