// Pure pieces of the streamable HTTP transports, kept apart so they can be tested
// without sockets: Host/Origin checks against DNS rebinding, session id generation,
// SSE event ids ("<stream>-<seq>"), the per-stream replay buffer, and a classifier that
// reads only what routing needs from a POST body (kinds and request ids).
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "onemcp/common/result.h"

namespace onemcp::mcp::streamable_http {

// Host header check. `allowed` holds "name" (any port) or "name:port" entries; empty
// means the loopback names localhost, 127.0.0.1 and [::1] on any port.
bool isAllowedHost(std::string_view host_header, const std::vector<std::string>& allowed);
// Origin header check (call only when the header is present). `allowed` holds exact
// origins ("http://localhost:3000"); empty means http/https origins on a loopback name.
bool isAllowedOrigin(std::string_view origin, const std::vector<std::string>& allowed);
// "Bearer <token>" (scheme case-insensitive) against the expected token, in time that
// does not depend on where they differ.
bool bearerTokenMatches(std::string_view authorization, std::string_view token);

// A fresh session id: 32 hex digits from the OS's random source (visible ASCII, as the
// spec requires).
std::string newSessionId();

struct EventId {
  std::uint64_t stream = 0;
  std::uint64_t seq = 0;
};
std::string formatEventId(EventId id);
std::optional<EventId> parseEventId(std::string_view text);

// The last `capacity` events of one SSE stream, by sequence number, for replay.
// Not thread-safe; the owning session guards it.
class ReplayBuffer {
 public:
  explicit ReplayBuffer(std::size_t capacity) : capacity_(capacity) {}
  // Stores the formatted event text under the next sequence number and returns it.
  std::uint64_t append(std::string event_text);
  // Events with seq > after, oldest first. Fails (kNotFound) if some of them were
  // already evicted, so the caller can tell the client it cannot resume.
  Result<std::vector<std::string>> after(std::uint64_t after) const;
  [[nodiscard]] std::uint64_t lastSeq() const { return next_seq_ - 1; }
  [[nodiscard]] std::size_t size() const { return events_.size(); }

 private:
  std::size_t capacity_;
  std::uint64_t next_seq_ = 1;  // seq 0 is the priming event, never stored
  std::deque<std::pair<std::uint64_t, std::string>> events_;
};

// What a POST body holds, as far as routing is concerned.
struct BodySummary {
  bool batch = false;
  bool has_initialize = false;
  std::string initialize_version;         // params.protocolVersion of an initialize
  std::vector<std::string> request_ids;   // serialized JSON ids of requests, in order
  std::size_t notifications = 0;
  std::size_t responses = 0;
};
// Fails with kParseError for malformed JSON, kInvalidRequest for a body that is not a
// JSON-RPC message or a non-empty array of them.
Result<BodySummary> summarizeBody(std::string_view body);

// For an outgoing message: the serialized id if it is a response (result or error),
// else empty.
std::string responseIdOf(std::string_view message);
// Re-serializes a JSON id text ("7", "\"a\"") into canonical form; empty if invalid.
std::string canonicalId(std::string_view id_text);

}  // namespace onemcp::mcp::streamable_http
