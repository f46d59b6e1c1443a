#include "onemcp/sandbox/verify.h"


#include <algorithm>
#include <array>
#include <mutex>

#include "onemcp/common/text.h"
#include "onemcp/mcp/client.h"

namespace onemcp::sandbox {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr int kMaxPages = 100;

// Watches what the server sends: a line that is not JSON breaks the stdio protocol even
// when the JSON lines around it are fine.
class WatchingTransport final : public mcp::Transport {
 public:
  explicit WatchingTransport(std::shared_ptr<mcp::Transport> inner) : inner_(std::move(inner)) {}
  Result<void> start(mcp::TransportHandlers handlers) override {
    auto on_message = std::move(handlers.on_message);
    handlers.on_message = [this, on_message](std::string message) {
      if (json::accept(message) == false) {
        std::lock_guard lock(mu_);
        if (garbage_.empty()) garbage_ = message.substr(0, 200);
      }
      on_message(std::move(message));
    };
    return inner_->start(std::move(handlers));
  }
  Result<void> send(std::string message, const mcp::SendOptions& options) override {
    return inner_->send(std::move(message), options);
  }
  void close() override { inner_->close(); }
  std::string garbage() {
    std::lock_guard lock(mu_);
    return garbage_;
  }

 private:
  std::shared_ptr<mcp::Transport> inner_;
  std::mutex mu_;
  std::string garbage_;  // guarded by mu_
};

std::int64_t msSince(Clock::time_point t) {
  return std::chrono::duration_cast<milliseconds>(Clock::now() - t).count();
}

milliseconds remaining(Clock::time_point deadline) {
  return std::max(milliseconds(1), std::chrono::duration_cast<milliseconds>(deadline - Clock::now()));
}

VerificationRecord& failed(VerificationRecord& r, VerifyOutcome outcome, std::string reason) {
  r.outcome = outcome;
  r.reason = std::move(reason);
  return r;
}

// Every page of a list method; the items of `key` in order.
Result<json> listAll(mcp::ClientSession& session, const std::string& method, const char* key,
                     Clock::time_point deadline) {
  json items = json::array();
  std::optional<std::string> cursor;
  for (int page = 0; page < kMaxPages; ++page) {
    json params = json::object();
    if (cursor) params["cursor"] = *cursor;
    mcp::CallOptions call;
    call.timeout = remaining(deadline);
    auto r = session.request(method, params, call);
    if (!r) return fail(r.error());
    if (!r->is_object() || !r->contains(key) || !(*r)[key].is_array()) {
      return fail(ErrorCode::kInvalidParams, method + " result has no '" + key + "' array");
    }
    for (auto& item : (*r)[key]) items.push_back(std::move(item));
    auto next = r->find("nextCursor");
    if (next == r->end() || !next->is_string() || next->get<std::string>().empty()) return items;
    cursor = next->get<std::string>();
  }
  return fail(ErrorCode::kInvalidParams, method + " returned more than " + std::to_string(kMaxPages) + " pages");
}

std::string missingValues(const RunSpec& spec, const std::map<std::string, std::string>& given) {
  std::string list;
  for (const auto& e : spec.env) {
    if (!e.required || e.value || given.count(e.name) != 0) continue;
    list += (list.empty() ? "" : ", ") + e.name;
  }
  return list;
}

}  // namespace

std::string_view toString(VerifyOutcome outcome) {
  static constexpr std::array<std::string_view, 7> kNames{
      "verified", "failed-install", "failed-start", "failed-handshake", "failed-listing", "needs-secret", "timed-out"};
  return kNames[static_cast<std::size_t>(outcome)];
}

json VerificationRecord::toJson() const {
  json j = {{"server", server},
            {"outcome", toString(outcome)},
            {"timings_ms", timings_ms},
            {"tools", tools},
            {"tool_count", tools.size()},
            {"resources", resources},
            {"prompts", prompts}};
  if (!reason.empty()) j["reason"] = reason;
  if (!protocol_version.empty()) j["protocol_version"] = protocol_version;
  if (!server_info.empty()) j["server_info"] = server_info;
  if (!installed.empty()) j["installed"] = installed;
  if (!pinned_not_served.empty()) j["pinned_not_served"] = pinned_not_served;
  if (!tool_hash.empty()) {
    j["tool_hash"] = tool_hash;
    j["tools_changed"] = tools_changed;
  }
  return j;
}

std::string toolDefinitionsHash(const json& tools) {
  std::vector<std::string> parts;
  if (tools.is_array()) {
    for (const auto& t : tools) parts.push_back(t.dump());  // nlohmann sorts object keys
  }
  std::sort(parts.begin(), parts.end());
  std::string canonical = "[";
  for (std::size_t i = 0; i < parts.size(); ++i) canonical += (i == 0 ? "" : ",") + parts[i];
  canonical += "]";
  return sha256Hex(canonical);
}

VerificationRecord Verifier::verify(const RunSpec& spec, const VerifyOptions& options) {
  VerificationRecord r;
  r.server = spec.name;
  if (spec.install.kind != InstallKind::kNone && !spec.install.from_source) r.installed = spec.install.packages;
  r.pinned_not_served = spec.install.pinned_not_served;
  const auto t0 = Clock::now();
  const auto deadline = t0 + options.budget;
  if (auto missing = missingValues(spec, options.env_values); !missing.empty()) {
    return failed(r, VerifyOutcome::kNeedsSecret, "needs secret: " + missing);
  }
  std::optional<StartFailure> failure;
  auto server = runner_.start(StartRequest{spec, options.env_values, options.budget}, failure);
  r.timings_ms["start"] = msSince(t0);
  if (!server) {
    Error e = failure ? failure->error : Error(ErrorCode::kInternalError, "the runner gave no reason");
    if (e.code == ErrorCode::kTimeout) return failed(r, VerifyOutcome::kTimedOut, e.message);
    bool install = failure && failure->stage == StartStage::kInstall;
    return failed(r, install ? VerifyOutcome::kFailedInstall : VerifyOutcome::kFailedStart, e.message);
  }
  auto watch = std::make_shared<WatchingTransport>(server->transport());
  mcp::ClientOptions client_options;
  client_options.request_timeout = remaining(deadline);
  client_options.protocol_version = "2025-06-18";
  mcp::ClientSession session(watch, client_options);
  const auto t_init = Clock::now();
  auto init = session.initialize();
  r.timings_ms["initialize"] = msSince(t_init);
  if (std::string garbage = watch->garbage(); !garbage.empty()) {
    return failed(r, VerifyOutcome::kFailedHandshake, "printed non-JSON on stdout: '" + garbage + "'");
  }
  if (!init) {
    const ErrorCode code = init.error().code;
    if (code == ErrorCode::kClosed || code == ErrorCode::kIo || code == ErrorCode::kTimeout) {
      // The server went away (a crash at start), or never answered.
      std::string why = server->diagnose();
      if (!why.empty()) return failed(r, VerifyOutcome::kFailedStart, why);
      if (code == ErrorCode::kTimeout) {
        return failed(r, VerifyOutcome::kTimedOut, "no answer to initialize: " + init.error().message);
      }
      return failed(r, VerifyOutcome::kFailedStart, init.error().message);
    }
    return failed(r, VerifyOutcome::kFailedHandshake, init.error().message);
  }
  r.protocol_version = init->protocolVersion;
  r.server_info = {{"name", init->serverInfo.name}, {"version", init->serverInfo.version}};
  const auto t_list = Clock::now();
  auto tools = listAll(session, "tools/list", "tools", deadline);
  if (!tools) {
    bool timeout = tools.error().code == ErrorCode::kTimeout;
    return failed(r, timeout ? VerifyOutcome::kTimedOut : VerifyOutcome::kFailedListing,
                  "tools/list: " + tools.error().message);
  }
  r.tools = std::move(*tools);
  r.tool_hash = toolDefinitionsHash(r.tools);
  r.tools_changed = !options.previous_tool_hash.empty() && options.previous_tool_hash != r.tool_hash;
  if (init->capabilities.resources) {
    auto res = listAll(session, "resources/list", "resources", deadline);
    if (!res) return failed(r, VerifyOutcome::kFailedListing, "resources/list: " + res.error().message);
    r.resources = static_cast<int>(res->size());
  }
  if (init->capabilities.prompts) {
    auto pr = listAll(session, "prompts/list", "prompts", deadline);
    if (!pr) return failed(r, VerifyOutcome::kFailedListing, "prompts/list: " + pr.error().message);
    r.prompts = static_cast<int>(pr->size());
  }
  r.timings_ms["list"] = msSince(t_list);
  r.timings_ms["total"] = msSince(t0);
  if (std::string garbage = watch->garbage(); !garbage.empty()) {
    return failed(r, VerifyOutcome::kFailedHandshake, "printed non-JSON on stdout: '" + garbage + "'");
  }
  return r;
}

}  // namespace onemcp::sandbox
