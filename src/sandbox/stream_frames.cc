#include "onemcp/sandbox/stream_frames.h"

#include <cstdint>

namespace onemcp::sandbox {

namespace {
constexpr std::size_t kHeaderSize = 8;
}

Result<void> FrameDemuxer::feed(std::string_view bytes, const Sink& sink) {
  pending_.append(bytes);
  std::size_t pos = 0;
  while (pending_.size() - pos >= kHeaderSize) {
    const auto* h = reinterpret_cast<const unsigned char*>(pending_.data() + pos);
    if (h[0] > 2 || h[1] != 0 || h[2] != 0 || h[3] != 0) {
      pending_.clear();
      return fail(ErrorCode::kDocker, "attach stream: invalid frame header (stream byte " +
                                          std::to_string(h[0]) + ")");
    }
    const std::uint32_t size = (std::uint32_t{h[4]} << 24) | (std::uint32_t{h[5]} << 16) |
                               (std::uint32_t{h[6]} << 8) | std::uint32_t{h[7]};
    if (pending_.size() - pos - kHeaderSize < size) break;
    sink(static_cast<StreamKind>(h[0]),
         std::string_view(pending_).substr(pos + kHeaderSize, size));
    pos += kHeaderSize + size;
  }
  pending_.erase(0, pos);
  return {};
}

std::string encodeFrame(StreamKind kind, std::string_view payload) {
  std::string out(kHeaderSize, '\0');
  out[0] = static_cast<char>(kind);
  const auto n = static_cast<std::uint32_t>(payload.size());
  out[4] = static_cast<char>((n >> 24) & 0xff);
  out[5] = static_cast<char>((n >> 16) & 0xff);
  out[6] = static_cast<char>((n >> 8) & 0xff);
  out[7] = static_cast<char>(n & 0xff);
  out.append(payload);
  return out;
}

void LineSplitter::feed(std::string_view bytes,
                        const std::function<void(std::string, bool)>& line) {
  while (!bytes.empty()) {
    const auto nl = bytes.find('\n');
    const auto chunk = bytes.substr(0, nl);
    const std::size_t room = max_line_ > buf_.size() ? max_line_ - buf_.size() : 0;
    if (chunk.size() > room) overflow_ = true;
    buf_.append(chunk.substr(0, room));
    if (nl == std::string_view::npos) return;
    if (!buf_.empty() && buf_.back() == '\r') buf_.pop_back();
    line(std::move(buf_), overflow_);
    buf_.clear();
    overflow_ = false;
    bytes.remove_prefix(nl + 1);
  }
}

std::string LineSplitter::takeRest() {
  std::string out = std::move(buf_);
  buf_.clear();
  overflow_ = false;
  return out;
}

}  // namespace onemcp::sandbox
