// The Mcp-Session-Id the proxy's streamable HTTP front hands out: a pure codec. An id
// names the proxy instance that issued it and a session serial, and carries an HMAC tag
// keyed by a secret of that instance, so the front can tell, before any table lookup,
// an id from an earlier proxy (404: the client re-initializes) from a forged or garbled
// one (400). Backends are shared by every client session, so, unlike Envoy's
// mcp_router, no per-backend session id travels in it (see src/sandbox/README.md).
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "onemcp/common/result.h"
#include "onemcp/mcp/streamable_http_server.h"

namespace onemcp::sandbox {

struct ProxySessionId {
  std::uint64_t instance = 0;
  std::uint64_t serial = 0;
  friend bool operator==(const ProxySessionId&, const ProxySessionId&) = default;
};

class SessionIdCodec {
 public:
  static constexpr std::size_t kKeyBytes = 32;
  using Key = std::array<unsigned char, kKeyBytes>;
  // "m1." + 16 hex (instance) + 16 hex (serial) + 32 hex (tag): 67 visible ASCII bytes.
  static constexpr std::size_t kEncodedSize = 67;

  SessionIdCodec(const Key& key, std::uint64_t instance);
  // A codec with a random key and instance (the OS's generator, through OpenSSL).
  static Result<SessionIdCodec> random();

  [[nodiscard]] std::uint64_t instance() const { return instance_; }
  [[nodiscard]] std::string encode(std::uint64_t serial) const;
  // kInvalidInput for a malformed id or one whose tag is wrong (forged, or altered);
  // kNotFound for a well-formed id of another instance (an earlier run of the proxy).
  [[nodiscard]] Result<ProxySessionId> decode(std::string_view id) const;

 private:
  [[nodiscard]] std::string tag(std::uint64_t instance, std::uint64_t serial) const;

  // HMAC-SHA256 already keyed (null if OpenSSL could not make one: tag() then keys a
  // one-shot HMAC each time). Shared by copies; only ever read.
  struct Mac;
  Key key_;
  std::uint64_t instance_;
  std::shared_ptr<const Mac> mac_;
};

// The streamable HTTP server's session-id hooks, backed by `codec`: ids get serials
// 1, 2, ... and are checked by decode().
mcp::SessionIdPolicy sessionIdPolicy(std::shared_ptr<const SessionIdCodec> codec);

}  // namespace onemcp::sandbox
