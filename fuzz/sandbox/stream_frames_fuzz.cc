// The attach stream demuxer and the line splitter behind it: never crash, and the
// frames do not depend on how the bytes were cut into reads. The input's first byte
// picks the read size, as a socket might deliver the same stream in any pieces.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "onemcp/sandbox/stream_frames.h"

namespace {

using onemcp::sandbox::FrameDemuxer;
using onemcp::sandbox::LineSplitter;
using onemcp::sandbox::StreamKind;

struct Decoded {
  std::vector<std::pair<StreamKind, std::string>> frames;
  bool failed = false;
};

Decoded decode(std::string_view wire, std::size_t step) {
  Decoded out;
  FrameDemuxer demuxer;
  auto sink = [&](StreamKind kind, std::string_view payload) {
    out.frames.emplace_back(kind, std::string(payload));
  };
  for (std::size_t pos = 0; pos < wire.size() && !out.failed; pos += step) {
    out.failed = !demuxer.feed(wire.substr(pos, step), sink);
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::size_t step = 1 + data[0] % 16;
  const std::string_view wire(reinterpret_cast<const char*>(data + 1), size - 1);
  const Decoded whole = decode(wire, wire.size() + 1);
  const Decoded pieces = decode(wire, step);
  // The same frames and the same verdict, however the stream was cut.
  if (whole.failed != pieces.failed || whole.frames != pieces.frames) std::abort();
  LineSplitter lines(64);
  for (const auto& [kind, payload] : pieces.frames) {
    lines.feed(payload, [](std::string line, bool overflow) {
      if (line.size() > 64 || (!overflow && line.find('\n') != std::string::npos)) std::abort();
    });
    const std::string again = onemcp::sandbox::encodeFrame(kind, payload);
    if (again.size() != payload.size() + 8) std::abort();
  }
  (void)lines.takeRest();
  return 0;
}
