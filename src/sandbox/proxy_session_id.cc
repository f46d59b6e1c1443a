#include "onemcp/sandbox/proxy_session_id.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include <atomic>

namespace onemcp::sandbox {
namespace {

constexpr std::string_view kPrefix = "m1.";
constexpr std::size_t kTagBytes = 16;
constexpr char kHex[] = "0123456789abcdef";

void appendHex(std::string& out, std::uint64_t v) {
  for (int shift = 60; shift >= 0; shift -= 4) out.push_back(kHex[(v >> shift) & 0xF]);
}

// Lower-case hex only, so that each id has exactly one spelling.
bool readHex(std::string_view text, std::uint64_t& out) {
  out = 0;
  for (char c : text) {
    int d = 0;
    if (c >= '0' && c <= '9') {
      d = c - '0';
    } else if (c >= 'a' && c <= 'f') {
      d = c - 'a' + 10;
    } else {
      return false;
    }
    out = (out << 4) | static_cast<std::uint64_t>(d);
  }
  return true;
}

}  // namespace

// The HTTP front checks the tag of every POST's id. OpenSSL 3's one-shot HMAC() fetches
// the algorithm and sets the key on each call (several µs); this context is keyed once
// and each tag works on a copy of it.
struct SessionIdCodec::Mac {
  EVP_MAC* mac = nullptr;
  EVP_MAC_CTX* keyed = nullptr;

  ~Mac() {
    EVP_MAC_CTX_free(keyed);
    EVP_MAC_free(mac);
  }
};

SessionIdCodec::SessionIdCodec(const Key& key, std::uint64_t instance)
    : key_(key), instance_(instance) {
  auto m = std::make_shared<Mac>();
  m->mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  m->keyed = m->mac ? EVP_MAC_CTX_new(m->mac) : nullptr;
  char digest[] = "SHA256";
  const OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
                               OSSL_PARAM_construct_end()};
  if (m->keyed && EVP_MAC_init(m->keyed, key_.data(), key_.size(), params) == 1)
    mac_ = std::move(m);
}

Result<SessionIdCodec> SessionIdCodec::random() {
  Key key{};
  std::array<unsigned char, 8> instance{};
  if (RAND_bytes(key.data(), static_cast<int>(key.size())) != 1 ||
      RAND_bytes(instance.data(), static_cast<int>(instance.size())) != 1) {
    return fail(ErrorCode::kInternalError, "the system's random generator failed");
  }
  std::uint64_t id = 0;
  for (unsigned char b : instance) id = (id << 8) | b;
  return SessionIdCodec(key, id);
}

std::string SessionIdCodec::tag(std::uint64_t instance, std::uint64_t serial) const {
  std::string message(kPrefix);
  appendHex(message, instance);
  appendHex(message, serial);
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_MAC_CTX* ctx = mac_ ? EVP_MAC_CTX_dup(mac_->keyed) : nullptr;
  std::size_t got = 0;
  if (ctx &&
      EVP_MAC_update(ctx, reinterpret_cast<const unsigned char*>(message.data()), message.size()) ==
          1 &&
      EVP_MAC_final(ctx, mac, &got, sizeof mac) == 1) {
    len = static_cast<unsigned int>(got);
  } else {
    HMAC(EVP_sha256(), key_.data(), static_cast<int>(key_.size()),
         reinterpret_cast<const unsigned char*>(message.data()), message.size(), mac, &len);
  }
  EVP_MAC_CTX_free(ctx);
  std::string out;
  out.reserve(kTagBytes * 2);
  for (std::size_t i = 0; i < kTagBytes; ++i) {
    out.push_back(kHex[mac[i] >> 4]);
    out.push_back(kHex[mac[i] & 0xF]);
  }
  return out;
}

std::string SessionIdCodec::encode(std::uint64_t serial) const {
  std::string out(kPrefix);
  out.reserve(kEncodedSize);
  appendHex(out, instance_);
  appendHex(out, serial);
  out += tag(instance_, serial);
  return out;
}

Result<ProxySessionId> SessionIdCodec::decode(std::string_view id) const {
  if (id.size() != kEncodedSize || !id.starts_with(kPrefix)) {
    return fail(ErrorCode::kInvalidInput, "the Mcp-Session-Id is not one this proxy issues");
  }
  ProxySessionId out;
  std::uint64_t ignored = 0;
  const std::string_view body = id.substr(kPrefix.size());
  if (!readHex(body.substr(0, 16), out.instance) || !readHex(body.substr(16, 16), out.serial) ||
      !readHex(body.substr(32, 16), ignored) || !readHex(body.substr(48, 16), ignored)) {
    return fail(ErrorCode::kInvalidInput, "the Mcp-Session-Id is not one this proxy issues");
  }
  if (out.instance != instance_) {
    return fail(
        ErrorCode::kNotFound,
        "the Mcp-Session-Id comes from an earlier run of the proxy; initialize a new session");
  }
  const std::string expected = tag(out.instance, out.serial);
  if (CRYPTO_memcmp(expected.data(), body.data() + 32, expected.size()) != 0) {
    return fail(ErrorCode::kInvalidInput, "the Mcp-Session-Id is not authentic");
  }
  return out;
}

mcp::SessionIdPolicy sessionIdPolicy(std::shared_ptr<const SessionIdCodec> codec) {
  auto serial = std::make_shared<std::atomic<std::uint64_t>>(0);
  mcp::SessionIdPolicy policy;
  policy.issue = [codec, serial] { return codec->encode(++*serial); };
  policy.check = [codec](std::string_view id) -> Result<void> {
    if (auto decoded = codec->decode(id); !decoded) return fail(decoded.error());
    return {};
  };
  return policy;
}

}  // namespace onemcp::sandbox
