// Logging with levels, always to stderr: stdout belongs to the stdio transport.
// A thin facade over spdlog so that no other component includes spdlog directly.
#pragma once

#include <string_view>

#include <spdlog/spdlog.h>

namespace onemcp::log {

enum class Level { kTrace, kDebug, kInfo, kWarn, kError, kOff };

// Sets up the process-wide stderr logger (call once from main()). Safe to call again.
void init(Level level);
// Parses "trace|debug|info|warn|error|off"; unknown text yields kInfo.
Level parseLevel(std::string_view text);
void setLevel(Level level);

template <typename... Args>
void trace(spdlog::format_string_t<Args...> fmt, Args&&... args) {
  spdlog::trace(fmt, std::forward<Args>(args)...);
}
template <typename... Args>
void debug(spdlog::format_string_t<Args...> fmt, Args&&... args) {
  spdlog::debug(fmt, std::forward<Args>(args)...);
}
template <typename... Args>
void info(spdlog::format_string_t<Args...> fmt, Args&&... args) {
  spdlog::info(fmt, std::forward<Args>(args)...);
}
template <typename... Args>
void warn(spdlog::format_string_t<Args...> fmt, Args&&... args) {
  spdlog::warn(fmt, std::forward<Args>(args)...);
}
template <typename... Args>
void error(spdlog::format_string_t<Args...> fmt, Args&&... args) {
  spdlog::error(fmt, std::forward<Args>(args)...);
}

}  // namespace onemcp::log
