// Expected failures are values: Result<T> holds either a T or an Error.
// Shaped like C++23 std::expected so that moving to it later is a rename.
// Error codes are the JSON-RPC ones plus OneMCP's own; messages are written for a user.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>

namespace onemcp {

enum class ErrorCode : std::int32_t {
  // JSON-RPC 2.0
  kParseError = -32700,
  kInvalidRequest = -32600,
  kMethodNotFound = -32601,
  kInvalidParams = -32602,
  kInternalError = -32603,
  // MCP
  kUrlElicitationRequired = -32042,
  kResourceNotFound = -32002,
  kRequestCancelled = -32800,  // not sent on the wire; a cancelled call resolves with it
  // OneMCP's own (server-defined range -32000..-32099)
  kUnavailable = -32010,
  kTimeout = -32011,
  kDocker = -32012,
  kNotFound = -32013,
  kInvalidInput = -32014,
  kTooLarge = -32015,
  kClosed = -32016,
  kIo = -32017,
  kUnauthorized = -32018,
  kForbidden = -32019,
};

std::string_view errorCodeName(ErrorCode code);

struct Error {
  ErrorCode code = ErrorCode::kInternalError;
  std::string message;
  // Optional JSON text attached to a JSON-RPC error's "data" member (empty: none).
  std::string data_json;

  Error() = default;
  Error(ErrorCode c, std::string msg) : code(c), message(std::move(msg)) {}
  Error(ErrorCode c, std::string msg, std::string data)
      : code(c), message(std::move(msg)), data_json(std::move(data)) {}

  // "timeout: server 'memory' did not answer tools/call within 30s"
  [[nodiscard]] std::string toString() const;
  // Prefixes context: err.wrap("starting server 'x'") -> "starting server 'x': <message>"
  [[nodiscard]] Error wrap(std::string_view context) const;
};

// Tag type like std::unexpected.
struct Unexpected {
  Error error;
  explicit Unexpected(Error e) : error(std::move(e)) {}
};

inline Unexpected fail(ErrorCode code, std::string message) {
  return Unexpected(Error(code, std::move(message)));
}
inline Unexpected fail(Error e) { return Unexpected(std::move(e)); }

template <typename T>
class [[nodiscard]] Result {
 public:
  using value_type = T;

  Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}  // NOLINT(google-explicit-constructor)
  Result(Unexpected u) : v_(std::in_place_index<1>, std::move(u.error)) {}  // NOLINT
  Result(Error e) : v_(std::in_place_index<1>, std::move(e)) {}  // NOLINT
  template <typename U>
    requires(std::is_constructible_v<T, U &&> && !std::is_same_v<std::decay_t<U>, T> &&
             !std::is_same_v<std::decay_t<U>, Error> &&
             !std::is_same_v<std::decay_t<U>, Unexpected> &&
             !std::is_same_v<std::decay_t<U>, Result<T>>)
  Result(U&& u) : v_(std::in_place_index<0>, T(std::forward<U>(u))) {}  // NOLINT

  [[nodiscard]] bool has_value() const noexcept { return v_.index() == 0; }
  explicit operator bool() const noexcept { return has_value(); }

  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const Error& error() const& { return std::get<1>(v_); }
  Error&& error() && { return std::get<1>(std::move(v_)); }

  template <typename U>
  T value_or(U&& fallback) const& {
    return has_value() ? value() : static_cast<T>(std::forward<U>(fallback));
  }

 private:
  std::variant<T, Error> v_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  using value_type = void;
  Result() = default;
  Result(Unexpected u) : error_(std::move(u.error)), ok_(false) {}  // NOLINT
  Result(Error e) : error_(std::move(e)), ok_(false) {}  // NOLINT

  [[nodiscard]] bool has_value() const noexcept { return ok_; }
  explicit operator bool() const noexcept { return ok_; }
  void value() const {}
  const Error& error() const& { return error_; }
  Error&& error() && { return std::move(error_); }

 private:
  Error error_;
  bool ok_ = true;
};

// Propagates an error from an expression yielding Result<...>.
#define ONEMCP_TRY(expr)                                 \
  do {                                                   \
    auto onemcp_try_result_ = (expr);                    \
    if (!onemcp_try_result_) {                           \
      return ::onemcp::fail(std::move(onemcp_try_result_).error()); \
    }                                                    \
  } while (false)

}  // namespace onemcp
