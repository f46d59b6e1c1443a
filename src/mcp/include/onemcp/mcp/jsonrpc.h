// JSON-RPC 2.0 as pure functions: text -> typed messages and back. Request ids keep
// their exact JSON type (integer or string); malformed input becomes an error value
// (parse error, invalid request) that the caller can send back, never an exception.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "onemcp/common/result.h"

namespace onemcp::mcp {

using Json = nlohmann::json;

// A request id: an integer or a string, compared and hashed by its exact JSON form.
class RequestId {
 public:
  RequestId() = default;
  RequestId(std::int64_t n) : v_(n) {}  // NOLINT(google-explicit-constructor)
  RequestId(std::string s) : v_(std::move(s)) {}  // NOLINT(google-explicit-constructor)
  RequestId(const char* s) : v_(std::string(s)) {}  // NOLINT(google-explicit-constructor)

  // Accepts a JSON integer or string; anything else is invalid.
  static std::optional<RequestId> fromJson(const Json& j);
  [[nodiscard]] Json toJson() const;
  // The serialized JSON form ("7" or "\"abc\""): a stable map key.
  [[nodiscard]] std::string key() const;
  [[nodiscard]] bool isString() const { return v_.index() == 1; }

  friend bool operator==(const RequestId&, const RequestId&) = default;
  friend auto operator<=>(const RequestId&, const RequestId&) = default;

 private:
  std::variant<std::int64_t, std::string> v_{std::int64_t{0}};
};

struct ErrorObject {
  int code = 0;
  std::string message;
  std::optional<Json> data;

  static ErrorObject fromError(const Error& e);
  [[nodiscard]] Error toError() const;
};

struct Request {
  RequestId id;
  std::string method;
  std::optional<Json> params;  // object or array when present
};

struct Notification {
  std::string method;
  std::optional<Json> params;
};

struct Response {
  RequestId id;
  Json result;
};

struct ErrorResponse {
  std::optional<RequestId> id;  // absent (null on the wire) when the id was unreadable
  ErrorObject error;
};

using Message = std::variant<Request, Notification, Response, ErrorResponse>;

struct ParseLimits {
  std::size_t max_bytes = 4 * 1024 * 1024;
  int max_depth = 128;
};

// One received text: a single message or a batch. Entries that are JSON but not valid
// messages become ready-to-send error responses in `rejected` (with their id if readable).
struct ParsedText {
  bool is_batch = false;
  std::vector<Message> messages;
  std::vector<ErrorResponse> rejected;
};

// Fails as a whole with kParseError (not JSON, or nested deeper than the cap),
// kInvalidRequest (an empty batch, or JSON that is neither object nor array) or
// kTooLarge (over the size cap); the reply to each is an error response with a null id.
Result<ParsedText> parse(std::string_view text, const ParseLimits& limits = {});
// Interprets one already-parsed JSON value as a message.
Result<Message> fromJson(const Json& j);

Json toJson(const Message& m);
std::string serialize(const Message& m);
std::string serializeBatch(const std::vector<Message>& messages);

// Helpers for building messages.
Message makeRequest(RequestId id, std::string method, std::optional<Json> params = std::nullopt);
Message makeNotification(std::string method, std::optional<Json> params = std::nullopt);
Message makeResponse(RequestId id, Json result);
Message makeErrorResponse(std::optional<RequestId> id, const Error& error);

}  // namespace onemcp::mcp
