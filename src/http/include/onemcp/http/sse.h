// Server-Sent Events (WHATWG HTML "event stream" format): an incremental, pure parser
// that accepts arbitrary chunk boundaries, and a writer that formats one event.
// Used by MCP's streamable HTTP and legacy HTTP+SSE transports, both directions.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace onemcp::http {

struct SseEvent {
  std::string id;     // the stream's last event id when this event was dispatched
  std::string event;  // event type; empty means "message"
  std::string data;   // data lines joined with '\n'
  // Set when this event's block carried a valid `retry:` field (milliseconds).
  std::optional<long long> retry_ms;
};

// Feeds bytes, emits events. Lines end in CR, LF or CRLF (a CRLF split across two
// chunks is handled); comments (":...") are ignored; a leading UTF-8 BOM is skipped.
// Not thread-safe: one parser per stream, used by one thread at a time.
class SseParser {
 public:
  using EventSink = std::function<void(SseEvent event)>;

  // `max_event_bytes` caps a single event's buffered data and a single line; beyond it
  // the parser sets overflowed() and drops input until the next blank line.
  explicit SseParser(std::size_t max_event_bytes = 16u << 20) : max_bytes_(max_event_bytes) {}

  // Parses `chunk`, calling `sink` for each complete event, in order.
  void feed(std::string_view chunk, const EventSink& sink);

  // The last `id:` seen (persists across events, as the spec requires). For Last-Event-ID.
  [[nodiscard]] const std::string& lastEventId() const { return last_event_id_; }
  // The latest `retry:` value seen, if any.
  [[nodiscard]] std::optional<long long> retryMs() const { return retry_ms_; }
  [[nodiscard]] bool overflowed() const { return overflowed_; }

 private:
  void processLine(std::string_view line, const EventSink& sink);
  void dispatch(const EventSink& sink);

  std::size_t max_bytes_;
  std::string line_;  // partial line carried between chunks
  bool skip_lf_ = false;  // last chunk ended with CR: a leading LF belongs to it
  bool bom_checked_ = false;
  bool discarding_ = false;  // an oversized line/event is being dropped
  bool overflowed_ = false;
  std::string data_;
  bool has_data_ = false;
  std::string event_type_;
  std::optional<long long> block_retry_;
  std::string last_event_id_;
  std::optional<long long> retry_ms_;
};

// Formats one event: optional id/event/retry fields, then one `data:` line per line of
// `data` (a CR, LF or CRLF in `data` starts a new line), then a blank line.
// `id` and `event` must not contain CR or LF (they are stripped).
std::string formatSseEvent(std::string_view data, std::string_view id = {},
                           std::string_view event = {},
                           std::optional<long long> retry_ms = std::nullopt);

// A comment line (": text\n\n"), used as a keep-alive that no client dispatches.
std::string formatSseComment(std::string_view text);

}  // namespace onemcp::http
