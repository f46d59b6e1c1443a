#include "validation.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>

#include "onemcp/registry/description_scan.h"

namespace onemcp::registry {
namespace {

enum class JsonShape { kObject, kArray };

Result<void> checkText(std::string_view what, std::string_view field, std::string_view text,
                       std::size_t cap, std::string_view cap_name) {
  if (text.size() > cap) {
    return fail(ErrorCode::kTooLarge, std::string(what) + ": " + std::string(field) + " is " +
                                          std::to_string(text.size()) +
                                          " bytes, over the limit of " + std::to_string(cap) +
                                          " (StoreLimits::" + std::string(cap_name) + ")");
  }
  if (!isValidUtf8(text)) {
    return fail(ErrorCode::kInvalidInput,
                std::string(what) + ": " + std::string(field) + " is not valid UTF-8");
  }
  if (text.find('\0') != std::string_view::npos) {
    return fail(ErrorCode::kInvalidInput,
                std::string(what) + ": " + std::string(field) + " contains a NUL character");
  }
  return {};
}

Result<void> checkJson(std::string_view what, std::string_view field, std::string_view text,
                       JsonShape shape) {
  const auto doc = nlohmann::json::parse(text, nullptr, false);
  const bool ok =
      !doc.is_discarded() && (shape == JsonShape::kObject ? doc.is_object() : doc.is_array());
  if (!ok) {
    return fail(ErrorCode::kInvalidInput, std::string(what) + ": " + std::string(field) +
                                              " is not a JSON " +
                                              (shape == JsonShape::kObject ? "object" : "array"));
  }
  return {};
}

}  // namespace

Result<void> validateServer(const ServerRecord& s, const StoreLimits& limits) {
  if (s.id.empty()) return fail(ErrorCode::kInvalidInput, "server: id is empty");
  ONEMCP_TRY(checkText("server", "id", s.id, limits.max_id_bytes, "max_id_bytes"));
  const std::string what = "server '" + s.id + "'";
  if (s.name.empty()) return fail(ErrorCode::kInvalidInput, what + ": name is empty");
  ONEMCP_TRY(checkText(what, "name", s.name, limits.max_name_bytes, "max_name_bytes"));
  ONEMCP_TRY(checkText(what, "title", s.title, limits.max_title_bytes, "max_title_bytes"));
  ONEMCP_TRY(checkText(what, "description", s.description, limits.max_description_bytes,
                       "max_description_bytes"));
  ONEMCP_TRY(checkText(what, "source", s.source, limits.max_name_bytes, "max_name_bytes"));
  ONEMCP_TRY(checkText(what, "version", s.version, limits.max_name_bytes, "max_name_bytes"));
  ONEMCP_TRY(
      checkText(what, "repository", s.repository, limits.max_title_bytes, "max_title_bytes"));
  ONEMCP_TRY(checkText(what, "server_json", s.server_json, limits.max_server_json_bytes,
                       "max_server_json_bytes"));
  ONEMCP_TRY(
      checkText(what, "meta_json", s.meta_json, limits.max_meta_json_bytes, "max_meta_json_bytes"));
  ONEMCP_TRY(checkText(what, "versions_json", s.versions_json, limits.max_meta_json_bytes,
                       "max_meta_json_bytes"));
  ONEMCP_TRY(checkText(what, "packages_json", s.packages_json, limits.max_server_json_bytes,
                       "max_server_json_bytes"));
  ONEMCP_TRY(checkText(what, "remotes_json", s.remotes_json, limits.max_server_json_bytes,
                       "max_server_json_bytes"));
  ONEMCP_TRY(checkJson(what, "server_json", s.server_json, JsonShape::kObject));
  ONEMCP_TRY(checkJson(what, "meta_json", s.meta_json, JsonShape::kObject));
  ONEMCP_TRY(checkJson(what, "versions_json", s.versions_json, JsonShape::kArray));
  ONEMCP_TRY(checkJson(what, "packages_json", s.packages_json, JsonShape::kArray));
  ONEMCP_TRY(checkJson(what, "remotes_json", s.remotes_json, JsonShape::kArray));
  return {};
}

Result<void> validateTools(const std::string& server_id, const std::vector<ToolRecord>& tools,
                           const StoreLimits& limits) {
  const std::string what = "tools of server '" + server_id + "'";
  if (tools.size() > limits.max_tools_per_server) {
    return fail(ErrorCode::kTooLarge, what + ": " + std::to_string(tools.size()) +
                                          " tools, over the limit of " +
                                          std::to_string(limits.max_tools_per_server) +
                                          " (StoreLimits::max_tools_per_server)");
  }
  std::set<std::string_view> names;
  for (const auto& t : tools) {
    if (t.name.empty()) return fail(ErrorCode::kInvalidInput, what + ": a tool has an empty name");
    const std::string tool = "tool '" + t.name.substr(0, 128) + "' of server '" + server_id + "'";
    ONEMCP_TRY(checkText(tool, "name", t.name, limits.max_name_bytes, "max_name_bytes"));
    ONEMCP_TRY(checkText(tool, "description", t.description, limits.max_description_bytes,
                         "max_description_bytes"));
    ONEMCP_TRY(checkText(tool, "definition_json", t.definition_json,
                         limits.max_tool_definition_bytes, "max_tool_definition_bytes"));
    ONEMCP_TRY(checkJson(tool, "definition_json", t.definition_json, JsonShape::kObject));
    if (!names.insert(t.name).second) {
      return fail(ErrorCode::kInvalidInput, what + ": tool name '" + t.name + "' appears twice");
    }
  }
  return {};
}

Result<void> validateRunSpec(const RunSpecRecord& spec, const StoreLimits& limits) {
  const std::string what = "run spec of server '" + spec.server_id + "'";
  ONEMCP_TRY(checkText(what, "spec_json", spec.spec_json, limits.max_run_spec_bytes,
                       "max_run_spec_bytes"));
  ONEMCP_TRY(checkText(what, "source", spec.source, limits.max_name_bytes, "max_name_bytes"));
  return checkJson(what, "spec_json", spec.spec_json, JsonShape::kObject);
}

Result<void> validateVerification(const VerificationRecord& r, const StoreLimits& limits) {
  const std::string what = "verification of server '" + r.server_id + "'";
  ONEMCP_TRY(checkText(what, "reason", r.reason, limits.max_reason_bytes, "max_reason_bytes"));
  ONEMCP_TRY(checkText(what, "tool_hash", r.tool_hash, limits.max_name_bytes, "max_name_bytes"));
  ONEMCP_TRY(
      checkText(what, "timings_json", r.timings_json, limits.max_reason_bytes, "max_reason_bytes"));
  return checkJson(what, "timings_json", r.timings_json, JsonShape::kObject);
}

Result<void> validateEmbedding(const EmbeddingRecord& e, const StoreLimits& limits) {
  const std::string what = "embedding of '" + e.owner_id + "'";
  if (e.owner_id.empty() || e.model_id.empty()) {
    return fail(ErrorCode::kInvalidInput, what + ": owner id and model id are required");
  }
  ONEMCP_TRY(checkText(what, "owner_id", e.owner_id, limits.max_id_bytes, "max_id_bytes"));
  ONEMCP_TRY(checkText(what, "model_id", e.model_id, limits.max_name_bytes, "max_name_bytes"));
  if (e.vector.empty() || e.vector.size() > limits.max_embedding_dims) {
    return fail(ErrorCode::kTooLarge, what + ": " + std::to_string(e.vector.size()) +
                                          " dimensions; expected 1.." +
                                          std::to_string(limits.max_embedding_dims) +
                                          " (StoreLimits::max_embedding_dims)");
  }
  return {};
}

Result<void> validateJob(const JobRequest& r, const StoreLimits& limits) {
  if (r.kind.empty() || r.target.empty()) {
    return fail(ErrorCode::kInvalidInput, "crawl job: kind and target are required");
  }
  const std::string what = "crawl job '" + r.kind + "' for '" + r.target.substr(0, 128) + "'";
  ONEMCP_TRY(checkText(what, "kind", r.kind, limits.max_name_bytes, "max_name_bytes"));
  ONEMCP_TRY(checkText(what, "target", r.target, limits.max_title_bytes, "max_title_bytes"));
  ONEMCP_TRY(checkText(what, "payload_json", r.payload_json, limits.max_job_payload_bytes,
                       "max_job_payload_bytes"));
  return checkJson(what, "payload_json", r.payload_json, JsonShape::kObject);
}

std::string sanitizeText(std::string_view text, std::size_t max_bytes) {
  std::string out;
  out.reserve(std::min(text.size(), max_bytes));
  for (std::size_t i = 0; i < text.size();) {
    std::size_t len = 1;
    const auto b = static_cast<unsigned char>(text[i]);
    if (b >= 0xC0) len = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : 2;
    const std::string_view ch = text.substr(i, len);
    const bool ok = ch.size() == len && isValidUtf8(ch) && b != 0;
    const std::string_view piece = ok ? ch : (b == 0 ? std::string_view() : std::string_view("?"));
    if (out.size() + piece.size() > max_bytes) break;
    out.append(piece);
    i += ok ? len : 1;
  }
  return out;
}

namespace {
constexpr std::string_view kCursorPrefix = "s1:";
constexpr char kB64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
}  // namespace

std::string encodeCursor(const std::string& last_id) {
  const std::string in = std::string(kCursorPrefix) + last_id;
  std::string out;
  std::uint32_t buf = 0;
  int bits = 0;
  for (unsigned char c : in) {
    buf = (buf << 8) | c;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out.push_back(kB64[(buf >> bits) & 63]);
    }
  }
  if (bits > 0) out.push_back(kB64[(buf << (6 - bits)) & 63]);
  return out;
}

Result<std::string> decodeCursor(const std::string& cursor) {
  std::string out;
  std::uint32_t buf = 0;
  int bits = 0;
  for (char c : cursor) {
    const char* p = std::char_traits<char>::find(kB64, 64, c);
    if (p == nullptr)
      return fail(ErrorCode::kInvalidParams, "invalid cursor: not one this registry issued");
    buf = (buf << 6) | static_cast<std::uint32_t>(p - kB64);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((buf >> bits) & 0xFF));
    }
  }
  if (out.rfind(kCursorPrefix, 0) != 0) {
    return fail(ErrorCode::kInvalidParams, "invalid cursor: not one this registry issued");
  }
  return out.substr(kCursorPrefix.size());
}

}  // namespace onemcp::registry
