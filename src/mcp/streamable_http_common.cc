#include "onemcp/mcp/streamable_http_common.h"

#include <charconv>
#include <random>

#include <nlohmann/json.hpp>

namespace onemcp::mcp::streamable_http {

namespace {

std::string lowerAscii(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

// Splits "name[:port]" (with "[v6]" literals) into a lower-case name and the port text.
std::pair<std::string, std::string> splitHostPort(std::string_view hp) {
  if (!hp.empty() && hp.front() == '[') {
    auto close = hp.find(']');
    if (close == std::string_view::npos) return {lowerAscii(hp), ""};
    std::string_view rest = hp.substr(close + 1);
    return {lowerAscii(hp.substr(0, close + 1)), rest.starts_with(":") ? std::string(rest.substr(1)) : ""};
  }
  auto colon = hp.rfind(':');
  if (colon == std::string_view::npos) return {lowerAscii(hp), ""};
  return {lowerAscii(hp.substr(0, colon)), std::string(hp.substr(colon + 1))};
}

bool isLoopbackName(std::string_view name) {
  return name == "localhost" || name == "127.0.0.1" || name == "[::1]";
}

bool validPort(std::string_view port) {
  if (port.empty() || port.size() > 5) return false;
  for (char c : port) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

}  // namespace

bool isAllowedHost(std::string_view host_header, const std::vector<std::string>& allowed) {
  auto [name, port] = splitHostPort(host_header);
  if (name.empty()) return false;
  if (!port.empty() && !validPort(port)) return false;
  if (allowed.empty()) return isLoopbackName(name);
  std::string full = port.empty() ? name : name + ":" + port;
  for (const auto& a : allowed) {
    std::string al = lowerAscii(a);
    if (al == full || al == name) return true;
  }
  return false;
}

bool bearerTokenMatches(std::string_view authorization, std::string_view token) {
  constexpr std::string_view kScheme = "bearer ";
  if (authorization.size() < kScheme.size()) return false;
  for (std::size_t i = 0; i < kScheme.size(); ++i) {
    const char c = authorization[i];
    if ((c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c) != kScheme[i]) return false;
  }
  const std::string_view given = authorization.substr(kScheme.size());
  if (given.size() != token.size() || token.empty()) return false;
  unsigned char diff = 0;
  for (std::size_t i = 0; i < token.size(); ++i) {
    diff |= static_cast<unsigned char>(given[i] ^ token[i]);
  }
  return diff == 0;
}

bool isAllowedOrigin(std::string_view origin, const std::vector<std::string>& allowed) {
  std::string o = lowerAscii(origin);
  while (!o.empty() && o.back() == '/') o.pop_back();
  if (!allowed.empty()) {
    for (const auto& a : allowed) {
      if (lowerAscii(a) == o) return true;
    }
    return false;
  }
  std::string_view rest;
  if (o.starts_with("http://")) {
    rest = std::string_view(o).substr(7);
  } else if (o.starts_with("https://")) {
    rest = std::string_view(o).substr(8);
  } else {
    return false;  // "null", file://, chrome-extension://... are not loopback web pages
  }
  if (rest.find('/') != std::string_view::npos || rest.find('@') != std::string_view::npos) return false;
  auto [name, port] = splitHostPort(rest);
  if (!port.empty() && !validPort(port)) return false;
  return isLoopbackName(name);
}

std::string newSessionId() {
  std::random_device rd;
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id;
  id.reserve(32);
  for (int i = 0; i < 4; ++i) {
    std::uint32_t v = rd();
    for (int j = 0; j < 8; ++j) {
      id.push_back(kHex[v & 0xF]);
      v >>= 4;
    }
  }
  return id;
}

std::string formatEventId(EventId id) {
  return std::to_string(id.stream) + "-" + std::to_string(id.seq);
}

std::optional<EventId> parseEventId(std::string_view text) {
  auto dash = text.find('-');
  if (dash == std::string_view::npos || dash == 0 || dash + 1 == text.size()) return std::nullopt;
  EventId id;
  auto a = std::from_chars(text.data(), text.data() + dash, id.stream);
  if (a.ec != std::errc() || a.ptr != text.data() + dash) return std::nullopt;
  auto b = std::from_chars(text.data() + dash + 1, text.data() + text.size(), id.seq);
  if (b.ec != std::errc() || b.ptr != text.data() + text.size()) return std::nullopt;
  return id;
}

std::uint64_t ReplayBuffer::append(std::string event_text) {
  std::uint64_t seq = next_seq_++;
  events_.emplace_back(seq, std::move(event_text));
  while (events_.size() > capacity_) events_.pop_front();
  return seq;
}

Result<std::vector<std::string>> ReplayBuffer::after(std::uint64_t after) const {
  std::vector<std::string> out;
  if (after + 1 < next_seq_) {
    std::uint64_t oldest = events_.empty() ? next_seq_ : events_.front().first;
    if (oldest > after + 1) {
      return fail(ErrorCode::kNotFound, "events after " + std::to_string(after) + " are no longer buffered");
    }
  }
  for (const auto& [seq, text] : events_) {
    if (seq > after) out.push_back(text);
  }
  return out;
}

namespace {

Result<void> summarizeOne(const nlohmann::json& m, BodySummary& out) {
  if (!m.is_object()) return fail(ErrorCode::kInvalidRequest, "a JSON-RPC message must be an object");
  auto method = m.find("method");
  auto id = m.find("id");
  if (method != m.end()) {
    if (!method->is_string()) return fail(ErrorCode::kInvalidRequest, "method must be a string");
    if (id != m.end() && !id->is_null()) {
      if (!id->is_string() && !id->is_number_integer()) {
        return fail(ErrorCode::kInvalidRequest, "id must be a string or an integer");
      }
      out.request_ids.push_back(id->dump());
      if (*method == "initialize") {
        out.has_initialize = true;
        auto params = m.find("params");
        if (params != m.end() && params->is_object()) {
          auto v = params->find("protocolVersion");
          if (v != params->end() && v->is_string()) out.initialize_version = v->get<std::string>();
        }
      }
    } else {
      ++out.notifications;
    }
    return {};
  }
  if (m.contains("result") || m.contains("error")) {
    ++out.responses;
    return {};
  }
  return fail(ErrorCode::kInvalidRequest, "not a JSON-RPC request, notification or response");
}

}  // namespace

Result<BodySummary> summarizeBody(std::string_view body) {
  auto j = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return fail(ErrorCode::kParseError, "the body is not valid JSON");
  BodySummary out;
  if (j.is_array()) {
    if (j.empty()) return fail(ErrorCode::kInvalidRequest, "empty batch");
    out.batch = true;
    for (const auto& m : j) ONEMCP_TRY(summarizeOne(m, out));
  } else {
    ONEMCP_TRY(summarizeOne(j, out));
  }
  return out;
}

std::string responseIdOf(std::string_view message) {
  auto j = nlohmann::json::parse(message, nullptr, false);
  if (!j.is_object() || j.contains("method")) return {};
  if (!j.contains("result") && !j.contains("error")) return {};
  auto id = j.find("id");
  if (id == j.end() || id->is_null()) return {};
  return id->dump();
}

std::string canonicalId(std::string_view id_text) {
  auto j = nlohmann::json::parse(id_text, nullptr, false);
  if (j.is_discarded() || !(j.is_string() || j.is_number_integer())) return {};
  return j.dump();
}

}  // namespace onemcp::mcp::streamable_http
