// libFuzzer target for the SSE parser: any bytes, any chunking. Checks that the parser
// never crashes, that splitting the input at an arbitrary point yields the same events
// as feeding it whole, and that formatSseEvent output parses back to the same data.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "onemcp/http/sse.h"

namespace {

struct Seen {
  std::string id, event, data;
  long long retry = -1;
  bool operator==(const Seen&) const = default;
};

std::vector<Seen> run(const std::vector<std::string_view>& chunks) {
  onemcp::http::SseParser parser(1u << 16);
  std::vector<Seen> out;
  for (auto c : chunks) {
    parser.feed(c, [&](onemcp::http::SseEvent e) {
      out.push_back({e.id, e.event, e.data, e.retry_ms.value_or(-1)});
    });
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
  if (size == 0) return 0;
  std::size_t split = bytes[0] % size;
  std::string_view input(reinterpret_cast<const char*>(bytes) + 1, size - 1);
  split = split > input.size() ? input.size() : split;

  auto whole = run({input});
  auto halves = run({input.substr(0, split), input.substr(split)});
  if (whole != halves) __builtin_trap();

  // Writer -> parser round trip. The parser drops a leading BOM and the writer
  // normalizes CR/CRLF to LF, so compare against the normalized text.
  std::string data(input);
  if (data.size() > 4096) data.resize(4096);
  std::string expected;
  for (std::size_t i = 0; i < data.size(); ++i) {
    if (data[i] == '\r') {
      expected.push_back('\n');
      if (i + 1 < data.size() && data[i + 1] == '\n') ++i;
    } else {
      expected.push_back(data[i]);
    }
  }
  auto text = onemcp::http::formatSseEvent(data, "id", "message");
  auto back = run({"data: x\n\n", text});  // a first event so that a BOM cannot matter
  if (back.size() != 2 || back[1].data != expected) __builtin_trap();
  return 0;
}
