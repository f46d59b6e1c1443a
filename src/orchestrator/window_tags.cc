#include "onemcp/orchestrator/window_tags.h"

namespace onemcp::orchestrator {

Result<std::string> parseWindowId(std::string_view text) {
  constexpr std::size_t kMax = 128;
  const auto allowed = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == ':' || c == '-';
  };
  bool ok = !text.empty() && text.size() <= kMax;
  for (char c : text) ok = ok && allowed(c);
  if (!ok) {
    return fail(
        ErrorCode::kInvalidInput,
        std::string(kWindowHeader) + " must be 1 to 128 characters of letters, digits and . _ : -");
  }
  return std::string(text);
}

void WindowTags::tag(const std::string& session_id, const std::string& window) {
  std::lock_guard lock(mu_);
  window_of_[session_id] = window;
}

std::optional<std::string> WindowTags::windowOf(const std::string& session_id) const {
  std::lock_guard lock(mu_);
  auto it = window_of_.find(session_id);
  if (it == window_of_.end()) return std::nullopt;
  return it->second;
}

std::vector<std::string> WindowTags::sessionsOf(
    const std::string& window, const std::function<bool(const std::string&)>& open) {
  std::lock_guard lock(mu_);
  std::vector<std::string> out;
  for (auto it = window_of_.begin(); it != window_of_.end();) {
    if (!open(it->first)) {
      it = window_of_.erase(it);
      continue;
    }
    if (it->second == window) out.push_back(it->first);
    ++it;
  }
  return out;
}

}  // namespace onemcp::orchestrator
