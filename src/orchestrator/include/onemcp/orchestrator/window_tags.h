// Which client sessions belong to one editor window. VS Code runs its chat's MCP session
// and the OneMCP extension's own session side by side in each window; the extension sends
// one random window id in the X-OneMCP-Window header of both, so that list_running can
// show a window the tools all its sessions hold, not only the calling session's.
#pragma once

#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "onemcp/common/result.h"

namespace onemcp::orchestrator {

inline constexpr std::string_view kWindowHeader = "X-OneMCP-Window";

// A window id as a client may send it: 1 to 128 characters of [A-Za-z0-9._:-];
// kInvalidInput otherwise.
Result<std::string> parseWindowId(std::string_view text);

// Session id -> window id. Thread-safe; sessions that ended are forgotten lazily.
class WindowTags {
 public:
  void tag(const std::string& session_id, const std::string& window);
  [[nodiscard]] std::optional<std::string> windowOf(const std::string& session_id) const;
  // The sessions tagged with `window`, by session id; those `open` says have ended are
  // forgotten on the way.
  std::vector<std::string> sessionsOf(
      const std::string& window, const std::function<bool(const std::string& session_id)>& open);

 private:
  mutable std::mutex mu_;
  std::map<std::string, std::string> window_of_;  // guarded by mu_: session id -> window id
};

}  // namespace onemcp::orchestrator
