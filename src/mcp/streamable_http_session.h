// The server side of one streamable HTTP session (StreamableHttpServer's private part):
// SessionTransport, the Transport handed to the session layer, which maps each POST's
// request ids to the stream (SSE or JSON) that answers them and keeps finished streams
// for replay; and SessionRegistry, the sessions by id. Threading: see
// streamable_http_server.cc.
#pragma once

#include <atomic>
#include <chrono>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "onemcp/http/server.h"
#include "onemcp/mcp/streamable_http_common.h"
#include "onemcp/mcp/streamable_http_server.h"
#include "onemcp/mcp/transport.h"

namespace onemcp::mcp::streamable_http {

using http::Headers;
using http::Request;
using http::Responder;
using http::Response;
using http::ResponseStream;

inline constexpr std::string_view kSessionHeader = "Mcp-Session-Id";
inline constexpr std::string_view kVersionHeader = "MCP-Protocol-Version";

// A JSON-RPC error with a null id as the whole HTTP answer.
Response jsonRpcError(int status, ErrorCode code, const std::string& message);
// Whether the Accept header takes `type` (or anything).
bool accepts(const Headers& h, std::string_view type);

// Adds the new session's id to whatever answers an initialize POST in JSON mode.
class WithSession final : public Responder {
 public:
  WithSession(std::shared_ptr<Responder> inner, std::string sid)
      : inner_(std::move(inner)), sid_(std::move(sid)) {}
  void respond(Response r) override {
    r.headers.set(std::string(kSessionHeader), sid_);
    inner_->respond(std::move(r));
  }
  std::shared_ptr<ResponseStream> beginStream(int status, Headers h) override {
    h.set(std::string(kSessionHeader), sid_);
    return inner_->beginStream(status, std::move(h));
  }

 private:
  std::shared_ptr<Responder> inner_;
  std::string sid_;
};

class SessionRegistry;

// One MCP session: the Transport handed to the session layer.
class SessionTransport final : public Transport,
                               public std::enable_shared_from_this<SessionTransport> {
 public:
  SessionTransport(std::string id, const StreamableHttpServerOptions& options,
                   std::weak_ptr<SessionRegistry> registry)
      : id_(std::move(id)), options_(options), registry_(std::move(registry)) {}

  Result<void> start(TransportHandlers handlers) override {
    std::lock_guard lock(mu_);
    if (started_) return fail(ErrorCode::kInvalidInput, "transport already started");
    handlers_ = std::move(handlers);
    started_ = true;
    return {};
  }
  Result<void> send(std::string message, const SendOptions& options) override;
  void close() override { closeWith(Error(ErrorCode::kClosed, "session closed")); }

  void closeWith(const Error& reason);
  bool started() {
    std::lock_guard lock(mu_);
    return started_;
  }
  const std::string& id() const { return id_; }
  // Marks a request as handled now (every POST, GET or DELETE of this session).
  void touch(std::chrono::steady_clock::time_point now) {
    std::lock_guard lock(mu_);
    last_activity_ = now;
  }
  // When the session became idle, or nullopt while a client holds a stream open.
  std::optional<std::chrono::steady_clock::time_point> idleSince() {
    std::lock_guard lock(mu_);
    for (const auto& [num, s] : streams_) {
      if ((s.conn && s.conn->isOpen()) || s.json_responder) return std::nullopt;
    }
    return last_activity_;
  }

  // POST with at least one request: opens a stream (SSE or JSON) owning those ids and
  // delivers the body. `version` decides whether a priming event is sent.
  // `on_demand`: JSON until a message other than a response is sent for the POST.
  void handleRequests(const BodySummary& summary, std::string body, bool json_mode, bool on_demand,
                      const std::string& version, std::shared_ptr<Responder> responder);
  // GET: the standalone stream, or a resumed one when Last-Event-ID names it.
  void handleGet(const Request& request, const std::string& version,
                 std::shared_ptr<Responder> responder);
  // Delivers notifications/responses; false if the session is closed.
  bool deliver(std::string body);

 private:
  struct Stream {
    explicit Stream(std::size_t cap) : replay(cap) {}
    ReplayBuffer replay;
    std::shared_ptr<ResponseStream> conn;  // null while no client is connected
    std::uint64_t delivered = 0;           // highest seq written to some connection
    std::set<std::string> pending;         // request ids still awaiting a response
    bool json_mode = false;
    bool on_demand = false;  // json_mode, until something else than a response comes
    std::string version;     // the POST's protocol version (for an on-demand priming event)
    std::shared_ptr<Responder> json_responder;
    std::vector<std::string> json_responses;
    bool batch = false;
  };

  std::shared_ptr<ResponseStream> openSse(Responder& responder, bool with_session_header);
  void attach(std::uint64_t num, const std::shared_ptr<ResponseStream>& conn);
  void retireIfDone(std::uint64_t num);
  void collectJsonAnswer(std::map<std::uint64_t, Stream>::iterator it, const std::string& id,
                         std::string message, std::shared_ptr<Responder>& done, std::string& body);
  static std::string jsonBody(Stream& s);
  // Caller holds mu_. Turns an on-demand JSON POST into an SSE stream; returns what to
  // write first (priming event, answers already collected for a batch).
  std::string upgradeToSse(std::uint64_t num, Stream& s);

  const std::string id_;
  // A copy: the session layer may keep this transport after the server is gone.
  const StreamableHttpServerOptions options_;
  std::weak_ptr<SessionRegistry> registry_;
  std::mutex deliver_mu_;                             // serializes on_message calls
  std::atomic<std::thread::id> delivering_thread_{};  // the thread inside on_message, if any
  mutable std::mutex mu_;
  bool started_ = false;                                   // guarded by mu_
  bool closed_ = false;                                    // guarded by mu_
  TransportHandlers handlers_;                             // guarded by mu_ (copied out before use)
  std::map<std::uint64_t, Stream> streams_;                // guarded by mu_; 0 is the GET stream
  std::map<std::string, std::uint64_t> request_stream_;    // guarded by mu_
  std::deque<std::uint64_t> finished_;                     // guarded by mu_: done, kept for replay
  std::uint64_t next_stream_ = 1;                          // guarded by mu_
  std::chrono::steady_clock::time_point last_activity_{};  // guarded by mu_
};

// Sessions by id. Shared with the transports (weakly) so a transport closed by its
// session layer can remove itself even while the server is stopping.
class SessionRegistry {
 public:
  void add(const std::shared_ptr<SessionTransport>& t) {
    std::lock_guard lock(mu_);
    sessions_[t->id()] = t;
  }
  std::shared_ptr<SessionTransport> find(const std::string& id) {
    std::lock_guard lock(mu_);
    auto it = sessions_.find(id);
    return it == sessions_.end() ? nullptr : it->second;
  }
  void remove(const std::string& id) {
    std::lock_guard lock(mu_);
    sessions_.erase(id);
  }
  std::size_t size() const {
    std::lock_guard lock(mu_);
    return sessions_.size();
  }
  std::vector<std::shared_ptr<SessionTransport>> snapshot() const {
    std::lock_guard lock(mu_);
    std::vector<std::shared_ptr<SessionTransport>> out;
    for (const auto& [k, v] : sessions_) out.push_back(v);
    return out;
  }
  std::vector<std::shared_ptr<SessionTransport>> takeAll() {
    std::lock_guard lock(mu_);
    std::vector<std::shared_ptr<SessionTransport>> out;
    for (auto& [k, v] : sessions_) out.push_back(v);
    sessions_.clear();
    return out;
  }

 private:
  mutable std::mutex mu_;
  std::map<std::string, std::shared_ptr<SessionTransport>> sessions_;  // guarded by mu_
};

}  // namespace onemcp::mcp::streamable_http
