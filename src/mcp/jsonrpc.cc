#include "onemcp/mcp/jsonrpc.h"

#include <algorithm>
#include <limits>

namespace onemcp::mcp {
namespace {

constexpr std::string_view kVersion = "2.0";

// Rejects nesting deeper than the cap before nlohmann sees the text: its serializer
// recurses, so depth is bounded up front. Strings are skipped with their escapes.
bool withinDepth(std::string_view text, int max_depth) {
  int depth = 0;
  bool in_string = false;
  bool escaped = false;
  for (char c : text) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      if (++depth > max_depth) return false;
    } else if (c == '}' || c == ']') {
      --depth;
    }
  }
  return true;
}

Error invalid(std::string why) { return Error(ErrorCode::kInvalidRequest, std::move(why)); }

bool validParams(const Json& j) {
  auto it = j.find("params");
  return it == j.end() || it->is_object() || it->is_array();
}

// Moves the params out of a message that is being taken apart (no copy of the tree).
std::optional<Json> takeParams(Json& j) {
  auto it = j.find("params");
  if (it == j.end()) return std::nullopt;
  return std::move(*it);
}

Result<Message> errorResponseFromJson(const Json& j, std::optional<RequestId> id) {
  const Json& e = j.at("error");
  if (!e.is_object()) return invalid("\"error\" must be an object");
  auto code = e.find("code");
  auto message = e.find("message");
  if (code == e.end() || !code->is_number_integer()) {
    return invalid("\"error.code\" must be an integer");
  }
  if (message == e.end() || !message->is_string()) {
    return invalid("\"error.message\" must be a string");
  }
  ErrorResponse r{std::move(id), ErrorObject{code->get<int>(), message->get<std::string>(), {}}};
  if (auto d = e.find("data"); d != e.end()) r.error.data = *d;
  return Message(std::move(r));
}

// Reads a message from one JSON value, moving its params or result out of `j`; on failure
// returns the error and, through `id_out`, the id if one could be read (so the error
// response can name it).
Result<Message> readMessage(Json& j, std::optional<RequestId>& id_out) {
  if (!j.is_object()) return invalid("a JSON-RPC message must be an object");
  auto id_it = j.find("id");
  std::optional<RequestId> id;
  if (id_it != j.end() && !id_it->is_null()) id = RequestId::fromJson(*id_it);
  id_out = id;
  auto ver = j.find("jsonrpc");
  if (ver == j.end() || !ver->is_string() || ver->get_ref<const std::string&>() != kVersion) {
    return invalid("\"jsonrpc\" must be \"2.0\"");
  }
  if (id_it != j.end() && !id_it->is_null() && !id) {
    return invalid("\"id\" must be an integer or a string");
  }
  if (auto m = j.find("method"); m != j.end()) {
    if (!m->is_string()) return invalid("\"method\" must be a string");
    if (!validParams(j)) return invalid("\"params\" must be an object or an array");
    if (id_it == j.end()) return Message(Notification{m->get<std::string>(), takeParams(j)});
    if (!id) return invalid("a request's \"id\" must not be null");
    return Message(Request{*id, m->get<std::string>(), takeParams(j)});
  }
  const bool has_result = j.contains("result");
  const bool has_error = j.contains("error");
  if (has_result == has_error) {
    return invalid("a message needs a \"method\", or exactly one of \"result\" and \"error\"");
  }
  if (has_result) {
    if (!id) return invalid("a response needs an \"id\"");
    return Message(Response{*id, std::move(j.at("result"))});
  }
  return errorResponseFromJson(j, id);
}

}  // namespace

std::optional<RequestId> RequestId::fromJson(const Json& j) {
  if (j.is_string()) return RequestId(j.get<std::string>());
  if (j.is_number_integer()) {
    if (j.is_number_unsigned() &&
        j.get<std::uint64_t>() >
            static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
      return std::nullopt;
    }
    return RequestId(j.get<std::int64_t>());
  }
  return std::nullopt;
}

Json RequestId::toJson() const {
  if (const auto* n = std::get_if<std::int64_t>(&v_)) return *n;
  return std::get<std::string>(v_);
}

std::string RequestId::key() const {
  // Runs several times per relayed call: an integer needs no JSON document.
  if (const auto* n = std::get_if<std::int64_t>(&v_)) return std::to_string(*n);
  return toJson().dump();
}

ErrorObject ErrorObject::fromError(const Error& e) {
  ErrorObject out{static_cast<int>(e.code), e.message, std::nullopt};
  if (!e.data_json.empty()) {
    Json data = Json::parse(e.data_json, nullptr, false);
    if (!data.is_discarded()) out.data = std::move(data);
  }
  return out;
}

Error ErrorObject::toError() const {
  return Error(static_cast<ErrorCode>(code), message, data ? data->dump() : std::string());
}

Result<Message> fromJson(const Json& j) {
  std::optional<RequestId> ignored;
  Json copy = j;
  return readMessage(copy, ignored);
}

Result<ParsedText> parse(std::string_view text, const ParseLimits& limits) {
  if (text.size() > limits.max_bytes) {
    return fail(ErrorCode::kTooLarge, "message of " + std::to_string(text.size()) +
                                          " bytes exceeds the limit of " +
                                          std::to_string(limits.max_bytes));
  }
  if (!withinDepth(text, limits.max_depth)) {
    return fail(ErrorCode::kParseError,
                "JSON nested deeper than " + std::to_string(limits.max_depth) + " levels");
  }
  Json doc = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return fail(ErrorCode::kParseError, "message is not valid JSON");

  ParsedText out;
  auto take = [&out](Json& j) {
    std::optional<RequestId> id;
    auto m = readMessage(j, id);
    if (m) {
      out.messages.push_back(std::move(*m));
    } else {
      out.rejected.push_back(ErrorResponse{id, ErrorObject::fromError(m.error())});
    }
  };
  if (doc.is_array()) {
    if (doc.empty()) return fail(ErrorCode::kInvalidRequest, "empty batch");
    out.is_batch = true;
    for (auto& item : doc) take(item);
  } else if (doc.is_object()) {
    take(doc);
  } else {
    return fail(ErrorCode::kInvalidRequest, "a JSON-RPC message must be an object or a batch");
  }
  return out;
}

Json toJson(const Message& m) {
  Json j = Json::object();
  j["jsonrpc"] = kVersion;
  std::visit(
      [&j](const auto& msg) {
        using T = std::decay_t<decltype(msg)>;
        if constexpr (std::is_same_v<T, Request>) {
          j["id"] = msg.id.toJson();
          j["method"] = msg.method;
          if (msg.params) j["params"] = *msg.params;
        } else if constexpr (std::is_same_v<T, Notification>) {
          j["method"] = msg.method;
          if (msg.params) j["params"] = *msg.params;
        } else if constexpr (std::is_same_v<T, Response>) {
          j["id"] = msg.id.toJson();
          j["result"] = msg.result;
        } else {
          j["id"] = msg.id ? msg.id->toJson() : Json(nullptr);
          Json e = {{"code", msg.error.code}, {"message", msg.error.message}};
          if (msg.error.data) e["data"] = *msg.error.data;
          j["error"] = std::move(e);
        }
      },
      m);
  return j;
}

namespace {

// Invalid UTF-8 from a peer is replaced rather than thrown on.
void dumpTo(std::string& out, const Json& j) {
  out += j.dump(-1, ' ', false, Json::error_handler_t::replace);
}

// A string as JSON: printable ASCII without quotes or backslashes (every method name, most
// string ids) is written as it is, anything else through nlohmann's escaping.
void dumpString(std::string& out, const std::string& s) {
  const bool plain = std::all_of(
      s.begin(), s.end(), [](char c) { return c >= 0x20 && c < 0x7f && c != '"' && c != '\\'; });
  if (!plain) {
    dumpTo(out, Json(s));
    return;
  }
  out += '"';
  out += s;
  out += '"';
}

void dumpId(std::string& out, const RequestId& id) {
  if (id.isString()) {
    dumpTo(out, id.toJson());
  } else {
    out += id.key();
  }
}

}  // namespace

// Writes the envelope directly, in the order toJson(m).dump() gives (nlohmann's objects
// sort their keys), so that params and results are serialised in place, never copied
// into a temporary document: this runs for every message the proxy relays.
std::string serialize(const Message& m) {
  std::string out;
  std::visit(
      [&out](const auto& msg) {
        using T = std::decay_t<decltype(msg)>;
        if constexpr (std::is_same_v<T, Request>) {
          out += "{\"id\":";
          dumpId(out, msg.id);
          out += ",\"jsonrpc\":\"2.0\",\"method\":";
          dumpString(out, msg.method);
          if (msg.params) {
            out += ",\"params\":";
            dumpTo(out, *msg.params);
          }
          out += '}';
        } else if constexpr (std::is_same_v<T, Notification>) {
          out += "{\"jsonrpc\":\"2.0\",\"method\":";
          dumpString(out, msg.method);
          if (msg.params) {
            out += ",\"params\":";
            dumpTo(out, *msg.params);
          }
          out += '}';
        } else if constexpr (std::is_same_v<T, Response>) {
          out += "{\"id\":";
          dumpId(out, msg.id);
          out += ",\"jsonrpc\":\"2.0\",\"result\":";
          dumpTo(out, msg.result);
          out += '}';
        } else {
          dumpTo(out, toJson(Message(msg)));  // errors: rare, and small
        }
      },
      m);
  return out;
}

std::string serializeBatch(const std::vector<Message>& messages) {
  Json arr = Json::array();
  for (const auto& m : messages) arr.push_back(toJson(m));
  return arr.dump(-1, ' ', false, Json::error_handler_t::replace);
}

Message makeRequest(RequestId id, std::string method, std::optional<Json> params) {
  return Request{std::move(id), std::move(method), std::move(params)};
}
Message makeNotification(std::string method, std::optional<Json> params) {
  return Notification{std::move(method), std::move(params)};
}
Message makeResponse(RequestId id, Json result) {
  return Response{std::move(id), std::move(result)};
}
Message makeErrorResponse(std::optional<RequestId> id, const Error& error) {
  return ErrorResponse{std::move(id), ErrorObject::fromError(error)};
}

}  // namespace onemcp::mcp
