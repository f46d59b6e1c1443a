#include "onemcp/sandbox/mcp_probe.h"

namespace onemcp::sandbox {

using nlohmann::json;

McpProbe::McpProbe(std::unique_ptr<mcp::Transport> transport, std::string server)
    : transport_(std::move(transport)), server_(std::move(server)) {}

McpProbe::~McpProbe() { close(); }

Result<std::unique_ptr<McpProbe>> McpProbe::open(std::unique_ptr<mcp::Transport> transport,
                                                 std::string server) {
  if (!transport) {
    return fail(ErrorCode::kInvalidInput, "server '" + server + "': no transport to probe");
  }
  std::unique_ptr<McpProbe> probe(new McpProbe(std::move(transport), std::move(server)));
  McpProbe* self = probe.get();
  mcp::TransportHandlers handlers;
  handlers.on_message = [self](std::string text) { self->onMessage(text); };
  handlers.on_close = [self](const Error& reason) {
    std::lock_guard lock(self->mu_);
    self->closed_ = reason;
    self->cv_.notify_all();
  };
  ONEMCP_TRY(self->transport_->start(std::move(handlers)));
  return probe;
}

void McpProbe::onMessage(const std::string& text) {
  auto j = json::parse(text, nullptr, false);
  auto deliver = [this](const json& m) {
    if (!m.is_object() || !m.contains("id") || !m["id"].is_number_integer()) return;
    if (!m.contains("result") && !m.contains("error")) return;  // a request to us: ignored
    std::lock_guard lock(mu_);
    replies_[m["id"].get<std::int64_t>()] = m;
    cv_.notify_all();
  };
  if (j.is_array()) {
    for (const auto& m : j) deliver(m);
  } else {
    deliver(j);
  }
}

Result<json> McpProbe::request(const std::string& method, json params,
                               std::chrono::milliseconds timeout) {
  std::int64_t id = 0;
  {
    std::lock_guard lock(mu_);
    id = next_id_++;
  }
  json msg{{"jsonrpc", "2.0"}, {"id", id}, {"method", method}};
  if (!params.is_null()) msg["params"] = std::move(params);
  auto sent = transport_->send(msg.dump());
  if (!sent) return fail(sent.error().wrap(method));
  std::unique_lock lock(mu_);
  const bool got = cv_.wait_for(lock, timeout, [&] { return replies_.contains(id) || closed_; });
  if (auto it = replies_.find(id); it != replies_.end()) {
    json reply = std::move(it->second);
    replies_.erase(it);
    if (reply.contains("error")) {
      const auto& e = reply["error"];
      return fail(static_cast<ErrorCode>(e.value("code", -32603)),
                  "server '" + server_ + "' answered " + method + " with an error: " +
                      e.value("message", std::string("(no message)")));
    }
    return reply.value("result", json::object());
  }
  if (closed_) {
    return fail(closed_->code, "server '" + server_ + "' closed before answering " + method +
                                   ": " + closed_->message);
  }
  (void)got;
  return fail(ErrorCode::kTimeout, "server '" + server_ + "' did not answer " + method +
                                       " within " + std::to_string(timeout.count()) + " ms");
}

Result<void> McpProbe::notify(const std::string& method, json params) {
  json msg{{"jsonrpc", "2.0"}, {"method", method}};
  if (!params.is_null()) msg["params"] = std::move(params);
  return transport_->send(msg.dump());
}

Result<json> McpProbe::initialize(std::chrono::milliseconds timeout) {
  json params{{"protocolVersion", kProbeProtocolVersion},
              {"capabilities", json::object()},
              {"clientInfo", {{"name", "onemcp-probe"}, {"version", "0.1"}}}};
  auto r = request("initialize", std::move(params), timeout);
  ONEMCP_TRY(r);
  ONEMCP_TRY(notify("notifications/initialized", json()));
  return r;
}

std::optional<Error> McpProbe::closedReason() const {
  std::lock_guard lock(mu_);
  return closed_;
}

void McpProbe::close() {
  if (transport_) transport_->close();
}

}  // namespace onemcp::sandbox
