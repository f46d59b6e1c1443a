// The proxy's session-id codec on arbitrary Mcp-Session-Id headers: decode never
// crashes, an id it accepts is exactly the one encode() gives for its serial (one
// spelling per id, so nothing forged gets through a second spelling), and every serial
// round-trips.
#include <cstddef>
#include <cstdint>
#include <algorithm>
#include <cstring>
#include <string_view>

#include "onemcp/sandbox/proxy_session_id.h"

using namespace onemcp::sandbox;  // NOLINT(google-build-using-namespace)

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  SessionIdCodec::Key key;
  key.fill(0x5a);
  const SessionIdCodec codec(key, 0x0123456789abcdefULL);
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  if (auto decoded = codec.decode(text)) {
    if (decoded->instance != codec.instance()) __builtin_trap();
    if (codec.encode(decoded->serial) != text) __builtin_trap();
  }
  std::uint64_t serial = 0;
  std::memcpy(&serial, data, std::min(size, sizeof serial));
  auto round = codec.decode(codec.encode(serial));
  if (!round || round->serial != serial) __builtin_trap();
  return 0;
}
