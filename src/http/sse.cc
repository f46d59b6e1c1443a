#include "onemcp/http/sse.h"

#include <charconv>

namespace onemcp::http {

void SseParser::feed(std::string_view chunk, const EventSink& sink) {
  std::size_t i = 0;
  if (!bom_checked_) {
    // The BOM may itself be split; wait until three bytes (or a non-BOM prefix) are seen.
    static constexpr std::string_view kBom = "\xEF\xBB\xBF";
    line_.append(chunk);
    chunk = {};
    if (line_.size() < kBom.size() && kBom.substr(0, line_.size()) == line_) return;
    bom_checked_ = true;
    std::string pending = std::move(line_);
    line_.clear();
    if (pending.starts_with(kBom)) pending.erase(0, kBom.size());
    feed(pending, sink);
    return;
  }
  if (skip_lf_ && !chunk.empty()) {
    if (chunk[0] == '\n') i = 1;
    skip_lf_ = false;
  }
  while (i < chunk.size()) {
    std::size_t end = chunk.find_first_of("\r\n", i);
    if (end == std::string_view::npos) {
      if (!discarding_) {
        line_.append(chunk.substr(i));
        if (line_.size() > max_bytes_) {
          line_.clear();
          discarding_ = overflowed_ = true;
        }
      }
      return;
    }
    std::string_view piece = chunk.substr(i, end - i);
    if (chunk[end] == '\r') {
      if (end + 1 < chunk.size()) {
        i = end + (chunk[end + 1] == '\n' ? 2 : 1);
      } else {
        i = end + 1;
        skip_lf_ = true;
      }
    } else {
      i = end + 1;
    }
    if (line_.empty()) {
      processLine(piece, sink);
    } else {
      line_.append(piece);
      std::string line = std::move(line_);
      line_.clear();
      processLine(line, sink);
    }
  }
}

void SseParser::processLine(std::string_view line, const EventSink& sink) {
  if (line.empty()) {
    if (discarding_) {
      // Drop the oversized event entirely and start afresh.
      discarding_ = false;
      data_.clear();
      has_data_ = false;
      event_type_.clear();
      block_retry_.reset();
      return;
    }
    dispatch(sink);
    return;
  }
  if (discarding_) return;
  if (line[0] == ':') return;  // comment
  std::string_view field = line;
  std::string_view value;
  if (auto colon = line.find(':'); colon != std::string_view::npos) {
    field = line.substr(0, colon);
    value = line.substr(colon + 1);
    if (!value.empty() && value[0] == ' ') value.remove_prefix(1);
  }
  if (field == "data") {
    if (data_.size() + value.size() + 1 > max_bytes_) {
      discarding_ = overflowed_ = true;
      return;
    }
    if (has_data_) data_.push_back('\n');
    data_.append(value);
    has_data_ = true;
  } else if (field == "event") {
    event_type_.assign(value);
  } else if (field == "id") {
    if (value.find('\0') == std::string_view::npos) last_event_id_.assign(value);
  } else if (field == "retry") {
    long long ms = 0;
    const char* first = value.data();
    const char* last = value.data() + value.size();
    bool digits = !value.empty();
    for (char c : value) digits = digits && c >= '0' && c <= '9';
    if (digits) {
      auto [ptr, ec] = std::from_chars(first, last, ms);
      if (ec == std::errc() && ptr == last) {
        retry_ms_ = ms;
        block_retry_ = ms;
      }
    }
  }
  // Other fields are ignored, as the spec requires.
}

void SseParser::dispatch(const EventSink& sink) {
  if (!has_data_) {
    // No data line: not an event (the spec dispatches nothing); id and retry still
    // took effect through lastEventId() and retryMs().
    event_type_.clear();
    block_retry_.reset();
    return;
  }
  SseEvent ev;
  ev.id = last_event_id_;
  ev.event = std::move(event_type_);
  ev.data = std::move(data_);
  ev.retry_ms = block_retry_;
  data_.clear();
  event_type_.clear();
  has_data_ = false;
  block_retry_.reset();
  if (sink) sink(std::move(ev));
}

namespace {
void appendClean(std::string& out, std::string_view s) {
  for (char c : s) {
    if (c != '\r' && c != '\n') out.push_back(c);
  }
}
}  // namespace

std::string formatSseEvent(std::string_view data, std::string_view id, std::string_view event,
                           std::optional<long long> retry_ms) {
  std::string out;
  out.reserve(data.size() + id.size() + event.size() + 32);
  if (!id.empty()) {
    out += "id: ";
    appendClean(out, id);
    out += '\n';
  }
  if (!event.empty()) {
    out += "event: ";
    appendClean(out, event);
    out += '\n';
  }
  if (retry_ms) {
    out += "retry: ";
    out += std::to_string(*retry_ms);
    out += '\n';
  }
  std::size_t i = 0;
  while (true) {
    std::size_t end = data.find_first_of("\r\n", i);
    out += "data: ";
    out.append(data.substr(i, end == std::string_view::npos ? std::string_view::npos : end - i));
    out += '\n';
    if (end == std::string_view::npos) break;
    i = end + ((data[end] == '\r' && end + 1 < data.size() && data[end + 1] == '\n') ? 2 : 1);
  }
  out += '\n';
  return out;
}

std::string formatSseComment(std::string_view text) {
  std::string out = ": ";
  appendClean(out, text);
  out += "\n\n";
  return out;
}

}  // namespace onemcp::http
