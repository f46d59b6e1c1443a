// libFuzzer target for what the streamable HTTP transport parses by hand: Host and
// Origin values, SSE event ids (Last-Event-ID), and the POST body classifier. (Request
// heads themselves are parsed by Beast.) Checks event-id round trips as it goes.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "onemcp/mcp/streamable_http_common.h"

namespace sh = onemcp::mcp::streamable_http;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(bytes), size);
  (void)sh::isAllowedHost(input, {});
  (void)sh::isAllowedHost(input, {"example.com", "localhost:8080"});
  (void)sh::isAllowedOrigin(input, {});
  (void)sh::isAllowedOrigin(input, {"http://localhost:3000"});
  if (auto id = sh::parseEventId(input)) {
    auto again = sh::parseEventId(sh::formatEventId(*id));
    if (!again || again->stream != id->stream || again->seq != id->seq) __builtin_trap();
  }
  auto summary = sh::summarizeBody(input);
  if (summary && summary->request_ids.empty() && summary->notifications == 0 && summary->responses == 0) {
    __builtin_trap();  // a valid body holds at least one message
  }
  (void)sh::responseIdOf(input);
  (void)sh::canonicalId(input);
  return 0;
}
