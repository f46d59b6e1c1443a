// SessionTransport and SessionRegistry: see streamable_http_session.h.
#include "streamable_http_session.h"

#include <nlohmann/json.hpp>

#include "onemcp/common/log.h"
#include "onemcp/http/sse.h"

namespace onemcp::mcp::streamable_http {
namespace {

constexpr std::size_t kFinishedStreamsKept = 32;

}  // namespace

Response jsonRpcError(int status, ErrorCode code, const std::string& message) {
  nlohmann::json body = {{"jsonrpc", "2.0"},
                         {"error", {{"code", static_cast<int>(code)}, {"message", message}}},
                         {"id", nullptr}};
  return Response::json(status, body.dump());
}

bool accepts(const Headers& h, std::string_view type) {
  auto accept = h.get("Accept");
  if (!accept) return false;
  return accept->find(type) != std::string::npos || accept->find("*/*") != std::string::npos;
}

std::shared_ptr<ResponseStream> SessionTransport::openSse(Responder& responder,
                                                          bool with_session_header) {
  Headers h{{"Content-Type", "text/event-stream"}, {"Cache-Control", "no-cache"}};
  if (with_session_header) h.add(std::string(kSessionHeader), id_);
  return responder.beginStream(200, std::move(h));
}

void SessionTransport::attach(std::uint64_t num, const std::shared_ptr<ResponseStream>& conn) {
  std::weak_ptr<SessionTransport> weak = weak_from_this();
  std::weak_ptr<ResponseStream> weak_conn = conn;
  conn->onClosed([weak, weak_conn, num] {
    auto self = weak.lock();
    if (!self) return;
    std::lock_guard lock(self->mu_);
    auto it = self->streams_.find(num);
    if (it != self->streams_.end() && it->second.conn == weak_conn.lock()) it->second.conn.reset();
  });
}

void SessionTransport::handleRequests(const BodySummary& summary, std::string body, bool json_mode,
                                      bool on_demand, const std::string& version,
                                      std::shared_ptr<Responder> responder) {
  std::shared_ptr<ResponseStream> conn;
  bool with_session_header = summary.has_initialize;
  if (!json_mode) conn = openSse(*responder, with_session_header);
  std::uint64_t num = 0;
  {
    std::lock_guard lock(mu_);
    if (closed_) {
      if (conn)
        conn->close();
      else
        responder->respond(jsonRpcError(404, ErrorCode::kInvalidRequest, "session closed"));
      return;
    }
    num = next_stream_++;
    Stream& s = streams_.emplace(num, Stream(options_.replay_events)).first->second;
    s.json_mode = json_mode;
    s.on_demand = json_mode && on_demand;
    s.version = version;
    s.batch = summary.batch;
    for (const auto& id : summary.request_ids) {
      s.pending.insert(id);
      request_stream_[id] = num;
    }
    if (json_mode) {
      s.json_responder = std::move(responder);
    } else {
      s.conn = conn;
      if (version >= "2025-11-25") {
        (void)conn->write(
            http::formatSseEvent("", formatEventId({num, 0}), {}, options_.sse_retry.count()));
      }
    }
  }
  // Outside mu_: onClosed runs the callback at once if the stream has already ended.
  if (conn) attach(num, conn);
  deliver(std::move(body));
}

bool SessionTransport::deliver(std::string body) {
  std::lock_guard deliver_lock(deliver_mu_);
  std::function<void(std::string)> on_message;
  {
    std::lock_guard lock(mu_);
    if (closed_) return false;
    on_message = handlers_.on_message;
  }
  if (on_message) {
    delivering_thread_ = std::this_thread::get_id();
    try {
      on_message(std::move(body));
    } catch (const std::exception& e) {
      log::error("mcp http: session {} on_message threw: {}", id_, e.what());
    }
    delivering_thread_ = std::thread::id();
  }
  return true;
}

std::string SessionTransport::jsonBody(Stream& s) {
  if (!s.batch && s.json_responses.size() == 1) return s.json_responses.front();
  std::string out = "[";
  for (std::size_t i = 0; i < s.json_responses.size(); ++i) {
    if (i) out += ",";
    out += s.json_responses[i];
  }
  return out + "]";
}

std::string SessionTransport::upgradeToSse(std::uint64_t num, Stream& s) {
  s.conn = openSse(*s.json_responder, false);  // an initialize POST's responder adds the id
  s.json_responder.reset();
  s.json_mode = false;
  s.on_demand = false;
  std::string out;
  if (s.version >= "2025-11-25") {
    out = http::formatSseEvent("", formatEventId({num, 0}), {}, options_.sse_retry.count());
  }
  for (auto& answer : s.json_responses) {
    std::string event =
        http::formatSseEvent(answer, formatEventId({num, s.replay.lastSeq() + 1}), "message");
    s.replay.append(event);
    out += event;
  }
  s.json_responses.clear();
  return out;
}

Result<void> SessionTransport::send(std::string message, const SendOptions& options) {
  std::string response_id = responseIdOf(message);
  std::string related =
      !response_id.empty() ? response_id : canonicalId(options.related_request_id);
  std::shared_ptr<Responder> json_done;
  std::string json_text;
  std::shared_ptr<ResponseStream> conn;
  std::string event;
  bool close_conn = false;
  std::uint64_t upgraded = 0;  // the stream turned from on-demand JSON into SSE, if any
  {
    std::lock_guard lock(mu_);
    if (closed_) return fail(ErrorCode::kClosed, "session closed");
    std::uint64_t num = 0;
    if (!related.empty()) {
      if (auto it = request_stream_.find(related); it != request_stream_.end()) num = it->second;
    }
    auto sit = streams_.find(num);
    bool collected = false;
    if (num != 0 && sit != streams_.end() && sit->second.json_mode) {
      if (!response_id.empty()) {
        collected = true;
        collectJsonAnswer(sit, response_id, std::move(message), json_done, json_text);
      } else if (sit->second.on_demand) {
        event = upgradeToSse(num, sit->second);
        upgraded = num;
      } else {
        num = 0;  // a JSON response cannot carry notifications: use the GET stream
        sit = streams_.find(0);
      }
    }
    if (!collected) {
      if (sit == streams_.end()) sit = streams_.emplace(num, Stream(options_.replay_events)).first;
      Stream& s = sit->second;
      // Sequence numbers come from the replay buffer; format with the number it will get.
      std::uint64_t seq = s.replay.lastSeq() + 1;
      std::string formatted = http::formatSseEvent(message, formatEventId({num, seq}), "message");
      s.replay.append(formatted);
      event += formatted;
      if (s.conn) {
        conn = s.conn;
        s.delivered = seq;
      }
      if (!response_id.empty() && num != 0) {
        s.pending.erase(response_id);
        request_stream_.erase(response_id);
        if (s.pending.empty()) {
          close_conn = true;
          retireIfDone(num);
        }
      }
    }
  }
  if (json_done) {
    auto r = Response::json(200, std::move(json_text));
    json_done->respond(std::move(r));
    return {};
  }
  // Outside mu_: onClosed runs the callback at once if the stream has already ended.
  if (upgraded != 0 && conn) attach(upgraded, conn);
  if (conn) {
    if (auto w = conn->write(std::move(event)); !w) {
      log::warn("mcp http: session {}: dropping a slow SSE stream: {}", id_, w.error().message);
      conn->close();
    } else if (close_conn) {
      conn->close();
    }
  }
  return {};
}

// Caller holds mu_. Adds an answer to a JSON-mode POST; when it was the last one, hands
// back the responder and the body to send (outside the lock).
void SessionTransport::collectJsonAnswer(std::map<std::uint64_t, Stream>::iterator it,
                                         const std::string& id, std::string message,
                                         std::shared_ptr<Responder>& done, std::string& body) {
  Stream& s = it->second;
  s.json_responses.push_back(std::move(message));
  s.pending.erase(id);
  request_stream_.erase(id);
  if (!s.pending.empty()) return;
  done = std::move(s.json_responder);
  body = jsonBody(s);
  streams_.erase(it);
}

// Caller holds mu_. Keeps a finished POST stream for replay; forgets the oldest ones.
void SessionTransport::retireIfDone(std::uint64_t num) {
  finished_.push_back(num);
  while (finished_.size() > kFinishedStreamsKept) {
    streams_.erase(finished_.front());
    finished_.pop_front();
  }
}

void SessionTransport::handleGet(const Request& request, const std::string& version,
                                 std::shared_ptr<Responder> responder) {
  auto last = request.headers.get("Last-Event-ID");
  std::optional<EventId> resume;
  if (last) resume = parseEventId(*last);
  std::vector<std::string> backlog;
  std::shared_ptr<ResponseStream> old_conn;
  std::shared_ptr<ResponseStream> conn;
  bool finished = false;
  std::uint64_t num = 0;
  {
    std::lock_guard lock(mu_);
    if (closed_) {
      responder->respond(jsonRpcError(404, ErrorCode::kInvalidRequest, "session closed"));
      return;
    }
    std::uint64_t after = 0;
    auto it = streams_.end();
    if (resume) {
      it = streams_.find(resume->stream);
      if (it != streams_.end()) {
        num = resume->stream;
        after = resume->seq;
      }
    }
    if (it == streams_.end()) {
      it = streams_.find(0);
      if (it == streams_.end()) it = streams_.emplace(0, Stream(options_.replay_events)).first;
      if (it->second.conn && it->second.conn->isOpen()) {
        responder->respond(jsonRpcError(409, ErrorCode::kInvalidRequest,
                                        "only one standalone SSE stream is allowed per session"));
        return;
      }
      after = it->second.delivered;
    }
    Stream& s = it->second;
    auto events = s.replay.after(after);
    if (!events) {
      responder->respond(jsonRpcError(400, ErrorCode::kInvalidRequest, events.error().message));
      return;
    }
    backlog = std::move(*events);
    conn = openSse(*responder, false);
    old_conn = std::exchange(s.conn, conn);
    s.delivered = s.replay.lastSeq();
    finished = num != 0 && s.pending.empty();
    if (!finished && version >= "2025-11-25" && !resume) {
      backlog.insert(backlog.begin(), http::formatSseEvent("", formatEventId({num, 0}), {},
                                                           options_.sse_retry.count()));
    }
    for (auto& e : backlog) (void)conn->write(std::move(e));
    if (finished) s.conn.reset();
  }
  if (old_conn) old_conn->close();
  if (finished) {
    conn->close();
  } else {
    attach(num, conn);
  }
}

void SessionTransport::closeWith(const Error& reason) {
  std::function<void(const Error&)> on_close;
  std::vector<std::shared_ptr<ResponseStream>> conns;
  std::vector<std::shared_ptr<Responder>> responders;
  {
    std::lock_guard lock(mu_);
    if (closed_) return;
    closed_ = true;
    on_close = std::move(handlers_.on_close);
    handlers_ = {};
    for (auto& [num, s] : streams_) {
      if (s.conn) conns.push_back(std::move(s.conn));
      if (s.json_responder) responders.push_back(std::move(s.json_responder));
    }
    streams_.clear();
    request_stream_.clear();
  }
  if (auto reg = registry_.lock()) reg->remove(id_);
  // Wait for a delivery in progress on another thread, so that after close() returns
  // the session layer's on_message is no longer running (it may free what it uses).
  if (delivering_thread_.load() != std::this_thread::get_id()) std::lock_guard wait(deliver_mu_);
  for (auto& c : conns) c->close();
  for (auto& r : responders) r->respond(jsonRpcError(404, ErrorCode::kClosed, "session closed"));
  if (on_close) on_close(reason);
}

}  // namespace onemcp::mcp::streamable_http
