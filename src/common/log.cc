#include "onemcp/common/log.h"

#include <spdlog/sinks/stdout_color_sinks.h>

namespace onemcp::log {
namespace {

spdlog::level::level_enum toSpd(Level level) {
  switch (level) {
    case Level::kTrace: return spdlog::level::trace;
    case Level::kDebug: return spdlog::level::debug;
    case Level::kInfo: return spdlog::level::info;
    case Level::kWarn: return spdlog::level::warn;
    case Level::kError: return spdlog::level::err;
    case Level::kOff: return spdlog::level::off;
  }
  return spdlog::level::info;
}

}  // namespace

void init(Level level) {
  // spdlog's default logger writes to stdout; replace it with a stderr one.
  auto logger = spdlog::get("onemcp");
  if (!logger) logger = spdlog::stderr_color_mt("onemcp");
  logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");
  spdlog::set_default_logger(std::move(logger));
  spdlog::set_level(toSpd(level));
}

Level parseLevel(std::string_view text) {
  if (text == "trace") return Level::kTrace;
  if (text == "debug") return Level::kDebug;
  if (text == "info") return Level::kInfo;
  if (text == "warn" || text == "warning") return Level::kWarn;
  if (text == "error") return Level::kError;
  if (text == "off") return Level::kOff;
  return Level::kInfo;
}

void setLevel(Level level) { spdlog::set_level(toSpd(level)); }

}  // namespace onemcp::log
