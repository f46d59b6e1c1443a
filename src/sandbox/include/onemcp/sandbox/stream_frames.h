// Docker's multiplexed attach/log stream (no TTY): each frame is an 8-byte header
// [stream, 0, 0, 0, size as big-endian u32] and `size` bytes of payload. Pure and
// incremental, so it can be fed whatever a socket read returns; fuzzed and unit-tested.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

#include "onemcp/common/result.h"
#include "onemcp/sandbox/docker_client.h"

namespace onemcp::sandbox {

class FrameDemuxer {
 public:
  using Sink = std::function<void(StreamKind, std::string_view)>;
  // Consumes bytes, calling `sink` for each complete frame. A header naming no known
  // stream is an error (the stream is not multiplexed, or is corrupt).
  Result<void> feed(std::string_view bytes, const Sink& sink);
  [[nodiscard]] bool midFrame() const { return !pending_.empty(); }

 private:
  std::string pending_;
};

// One frame, as the engine writes it (for fakes and tests).
std::string encodeFrame(StreamKind kind, std::string_view payload);

// Splits a byte stream into lines ("\n", a trailing "\r" dropped). Lines longer than
// `max_line` are cut and reported as overflow so one runaway writer cannot eat memory.
class LineSplitter {
 public:
  explicit LineSplitter(std::size_t max_line) : max_line_(max_line) {}
  // Calls `line(text, overflowed)` for each complete line.
  void feed(std::string_view bytes, const std::function<void(std::string, bool)>& line);
  // The unterminated rest, if any (at end of stream).
  std::string takeRest();

 private:
  std::size_t max_line_;
  std::string buf_;
  bool overflow_ = false;
};

}  // namespace onemcp::sandbox
