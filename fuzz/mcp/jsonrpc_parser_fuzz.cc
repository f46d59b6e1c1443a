// libFuzzer target for the JSON-RPC parser: any input must yield a value or an error,
// never a crash, and whatever parses must serialize and parse back the same.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "onemcp/mcp/jsonrpc.h"
#include "onemcp/mcp/messages.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace onemcp::mcp;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto parsed = parse(text, ParseLimits{.max_bytes = 1 << 20, .max_depth = 64});
  if (!parsed) return 0;
  for (const auto& m : parsed->messages) {
    auto again = parse(serialize(m));
    if (!again || again->messages.size() != 1) __builtin_trap();
    // The MCP decoders must reject bad params as values, not exceptions.
    if (const auto* req = std::get_if<Request>(&m); req != nullptr && req->params) {
      (void)decode<CallToolParams>(*req->params);
      (void)decode<InitializeParams>(*req->params);
      (void)decode<CompleteParams>(*req->params);
    }
  }
  for (const auto& r : parsed->rejected) (void)serialize(r);
  return 0;
}
