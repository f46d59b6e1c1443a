// The proxy's parsers and pure functions on arbitrary input: the client configuration
// reader (mcpServers / VS Code servers) and the exposed-name functions, whose output must
// always be a valid, bounded name and must never give two owners the same name.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "onemcp/sandbox/proxy_config.h"
#include "onemcp/sandbox/proxy_names.h"

using namespace onemcp::sandbox;  // NOLINT(google-build-using-namespace)

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)parseProxyConfig(text, [](std::string_view name) -> std::optional<std::string> {
    if (name.rfind("env:", 0) == 0) return std::string(name.substr(4));
    return std::nullopt;
  });

  // "<prefix>\0<name>\0<other name>"
  const auto first = text.find('\0');
  const std::string_view prefix = text.substr(0, std::min(first, text.size()));
  const std::string_view rest = first == std::string_view::npos ? "" : text.substr(first + 1);
  const auto second = rest.find('\0');
  const std::string name(rest.substr(0, std::min(second, rest.size())));
  const std::string other(second == std::string_view::npos ? "x" : rest.substr(second + 1));

  const std::string exposed = exposedName(prefix, name);
  if (!isExposableName(exposed)) __builtin_trap();
  NameTable table;
  auto a = table.assign("a", prefix, name);
  auto b = table.assign("b", prefix, other);
  if (!prefix.empty() && (!a || !b)) __builtin_trap();  // prefixed names never clash
  if (a && b && *a == *b) __builtin_trap();
  if (a && !isExposableName(*a)) __builtin_trap();
  return 0;
}
