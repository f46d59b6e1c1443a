#include "onemcp/common/result.h"

namespace onemcp {

std::string_view errorCodeName(ErrorCode code) {
  switch (code) {
    case ErrorCode::kParseError: return "parse error";
    case ErrorCode::kInvalidRequest: return "invalid request";
    case ErrorCode::kMethodNotFound: return "method not found";
    case ErrorCode::kInvalidParams: return "invalid params";
    case ErrorCode::kInternalError: return "internal error";
    case ErrorCode::kUrlElicitationRequired: return "url elicitation required";
    case ErrorCode::kResourceNotFound: return "resource not found";
    case ErrorCode::kRequestCancelled: return "cancelled";
    case ErrorCode::kUnavailable: return "unavailable";
    case ErrorCode::kTimeout: return "timeout";
    case ErrorCode::kDocker: return "docker";
    case ErrorCode::kNotFound: return "not found";
    case ErrorCode::kInvalidInput: return "invalid input";
    case ErrorCode::kTooLarge: return "too large";
    case ErrorCode::kClosed: return "closed";
    case ErrorCode::kIo: return "i/o";
    case ErrorCode::kUnauthorized: return "unauthorized";
    case ErrorCode::kForbidden: return "forbidden";
  }
  return "error";
}

std::string Error::toString() const {
  std::string out(errorCodeName(code));
  out += ": ";
  out += message;
  return out;
}

Error Error::wrap(std::string_view context) const {
  Error e = *this;
  std::string msg(context);
  msg += ": ";
  msg += message;
  e.message = std::move(msg);
  return e;
}

}  // namespace onemcp
