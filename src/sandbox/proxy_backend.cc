#include "onemcp/sandbox/proxy_backend.h"

#include <algorithm>
#include <utility>

#include "onemcp/common/log.h"
#include "onemcp/mcp/protocol.h"
#include "onemcp/sandbox/proxy_names.h"

namespace onemcp::sandbox {
namespace {

constexpr int kMaxListPages = 1000;

// Whether `j` serialises to more than `cap` bytes, without serialising it: strings and
// keys by their length, everything else by a small constant. Stops as soon as it knows.
bool largerThan(const Json& j, std::size_t cap, std::size_t& total) {
  switch (j.type()) {
    case Json::value_t::string:
      total += j.get_ref<const std::string&>().size() + 2;
      break;
    case Json::value_t::object:
      for (const auto& [key, value] : j.items()) {
        total += key.size() + 4;
        if (largerThan(value, cap, total)) return true;
      }
      break;
    case Json::value_t::array:
      for (const auto& value : j) {
        if (largerThan(value, cap, total)) return true;
      }
      break;
    default:
      total += 8;
  }
  return total > cap;
}

// Errors raised on our side of the connection (as opposed to a JSON-RPC error the server
// sent, which is forwarded as it is).
bool isLocal(ErrorCode code) {
  return code == ErrorCode::kTimeout || code == ErrorCode::kClosed ||
         code == ErrorCode::kRequestCancelled || code == ErrorCode::kUnavailable;
}

std::string millis(std::chrono::milliseconds d) { return std::to_string(d.count()) + " ms"; }

}  // namespace

Backend::Backend(BackendOptions options, std::unique_ptr<BackendLauncher> launcher, Hooks hooks,
                 mcp::Executor& executor, const Clock& clock)
    : options_(std::move(options)), launcher_(std::move(launcher)), hooks_(std::move(hooks)),
      executor_(executor), clock_(clock) {}

Backend::~Backend() { stop(); }

std::string Backend::prefix() const {
  return options_.prefix ? *options_.prefix : prefixFor(options_.name);
}

Error Backend::named(const Error& error, std::string_view method) {
  const std::string who = "server '" + options_.name + "'";
  if (error.code == ErrorCode::kClosed) {
    std::string why = launcher_->diagnose();
    return Error(ErrorCode::kUnavailable, who + " closed the connection during " +
                                              std::string(method) +
                                              (why.empty() ? "" : ": " + why));
  }
  if (error.code == ErrorCode::kTimeout) {
    return Error(ErrorCode::kTimeout, who + " did not answer " + std::string(method) + " within " +
                                          millis(options_.call_timeout));
  }
  return Error(error.code, who + ": " + error.message, error.data_json);
}

Result<void> Backend::ensureUp() {
  auto upNow = [this] { return up_ && peer_ && !peer_->closed(); };
  {
    std::lock_guard lock(mu_);
    if (stopped_) return fail(ErrorCode::kUnavailable, "server '" + options_.name + "' was detached");
    if (upNow()) return {};
  }
  std::lock_guard start(start_mu_);
  {
    std::lock_guard lock(mu_);
    if (upNow()) return {};  // another caller started it meanwhile
    const auto now = clock_.now();
    if (failures_ > 0 && now < next_attempt_) {
      auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(next_attempt_ - now);
      return fail(ErrorCode::kUnavailable, "server '" + options_.name + "' is down (" +
                                               last_error_ + "); next restart attempt in " +
                                               millis(wait));
    }
  }
  return startLocked();
}

Result<void> Backend::startLocked() {
  std::shared_ptr<mcp::Peer> old;
  {
    std::lock_guard lock(mu_);
    old = std::move(peer_);
    up_ = false;
  }
  if (old) {
    old->close();
    launcher_->stop();
  }
  auto failed = [this](const Error& e) -> Result<void> {
    std::lock_guard lock(mu_);
    ++failures_;
    last_error_ = e.message;
    auto delay = options_.backoff_initial * (1LL << std::min(failures_ - 1, 16));
    next_attempt_ = clock_.now() + std::min<std::chrono::milliseconds>(delay, options_.backoff_max);
    return fail(e.code, "server '" + options_.name + "' failed to start: " + e.message);
  };
  auto conn = launcher_->launch();
  if (!conn) return failed(conn.error());

  mcp::Peer::Options po;
  po.executor = &executor_;
  po.name = "backend " + options_.name;
  std::weak_ptr<Backend> weak = weak_from_this();
  auto generation = std::make_shared<std::weak_ptr<mcp::Peer>>();
  auto peer = std::make_shared<mcp::Peer>(
      conn->transport, std::move(po),
      [weak](const mcp::Request& req, mcp::RequestScope& scope) -> Result<Json> {
        auto self = weak.lock();
        if (!self || !self->hooks_.on_request) {
          return fail(ErrorCode::kMethodNotFound, "no client to answer " + req.method);
        }
        return self->hooks_.on_request(*self, req, scope);
      },
      [weak](const mcp::Notification& n) {
        auto self = weak.lock();
        if (!self) return;
        if (n.method == mcp::notification::kToolsListChanged) {
          self->executor_.post([weak] { if (auto s = weak.lock()) s->refresh(ListKind::kTools); });
        } else if (n.method == mcp::notification::kResourcesListChanged) {
          self->executor_.post([weak] { if (auto s = weak.lock()) s->refresh(ListKind::kResources); });
        } else if (n.method == mcp::notification::kPromptsListChanged) {
          self->executor_.post([weak] { if (auto s = weak.lock()) s->refresh(ListKind::kPrompts); });
        } else if (self->hooks_.on_notification) {
          self->hooks_.on_notification(*self, n);
        }
      },
      [weak, generation](const Error& reason) {
        if (auto self = weak.lock()) self->onClosed(generation->lock(), reason);
      });
  *generation = peer;
  if (auto started = peer->start(); !started) return failed(started.error());
  if (auto init = initialize(*peer, *conn); !init) {
    peer->close();
    launcher_->stop();
    return failed(init.error());
  }
  auto lists = fetchLists(*peer);
  if (!lists) {
    peer->close();
    launcher_->stop();
    return failed(lists.error());
  }
  bool restarted = false;
  bool tools_changed = false;
  {
    std::lock_guard lock(mu_);
    if (stopped_) {
      peer->close();
      return fail(ErrorCode::kUnavailable, "server '" + options_.name + "' was detached");
    }
    restarted = starts_ > 0;
    tools_changed = lists->tools != lists_.tools;
    lists_ = std::move(*lists);
    peer_ = std::move(peer);
    up_ = true;
    ++starts_;
    failures_ = 0;
  }
  if (restarted) log::info("proxy: server '{}' restarted", options_.name);
  if (restarted && tools_changed && hooks_.on_list_changed) {
    hooks_.on_list_changed(*this, ListKind::kTools);
  }
  return {};
}

Result<void> Backend::initialize(mcp::Peer& peer, const BackendLauncher::Connection& conn) {
  Json params = {
      {"protocolVersion", std::string(mcp::version::kLatest)},
      {"capabilities",
       {{"sampling", Json::object()},
        {"elicitation", Json::object()},
        {"roots", {{"listChanged", true}}}}},
      {"clientInfo", {{"name", "onemcp-proxy"}, {"version", "0.1.0"}}}};
  mcp::RequestOptions ro;
  ro.timeout = options_.start_timeout;
  auto r = peer.request(std::string(mcp::method::kInitialize), std::move(params), ro);
  if (!r) return fail(r.error().wrap("initialize"));
  const std::string version = r->value("protocolVersion", "");
  if (!mcp::isSupportedVersion(version)) {
    return fail(ErrorCode::kInvalidInput,
                "answered initialize with protocol version '" + version + "', which OneMCP does not speak");
  }
  if (conn.on_initialized) conn.on_initialized(version);
  {
    std::lock_guard lock(mu_);
    lists_.capabilities = r->value("capabilities", Json::object());
  }
  return peer.notify(std::string(mcp::notification::kInitialized), std::nullopt);
}

Result<std::vector<Json>> Backend::listAll(mcp::Peer& peer, std::string_view method,
                                           std::string_view key, std::string_view id_field) {
  std::vector<Json> out;
  std::optional<std::string> cursor;
  mcp::RequestOptions ro;
  ro.timeout = options_.start_timeout;
  for (int page = 0; page < kMaxListPages; ++page) {
    Json params = Json::object();
    if (cursor) params["cursor"] = *cursor;
    auto r = peer.request(std::string(method), std::move(params), ro);
    if (!r) return fail(r.error().wrap(std::string(method)));
    auto items = r->find(key);
    if (items != r->end() && items->is_array()) {
      for (auto& item : *items) {
        if (item.is_object() && item.contains(id_field)) {
          out.push_back(std::move(item));
        }
      }
    }
    auto next = r->find("nextCursor");
    if (next == r->end() || !next->is_string() || next->get_ref<const std::string&>().empty()) {
      return out;
    }
    cursor = next->get<std::string>();
  }
  return fail(ErrorCode::kInvalidInput, std::string(method) + " returned more than " +
                                            std::to_string(kMaxListPages) + " pages");
}

Result<BackendLists> Backend::fetchLists(mcp::Peer& peer) {
  BackendLists out;
  {
    std::lock_guard lock(mu_);
    out.capabilities = lists_.capabilities;
  }
  const Json& caps = out.capabilities;
  if (caps.contains("tools")) {
    auto tools = listAll(peer, mcp::method::kToolsList, "tools", "name");
    if (!tools) return fail(tools.error());
    out.tools = std::move(*tools);
  }
  if (caps.contains("resources")) {
    auto resources = listAll(peer, mcp::method::kResourcesList, "resources", "uri");
    if (!resources) return fail(resources.error());
    out.resources = std::move(*resources);
    auto templates = listAll(peer, mcp::method::kResourcesTemplatesList, "resourceTemplates", "uriTemplate");
    if (!templates) return fail(templates.error());
    out.templates = std::move(*templates);
  }
  if (caps.contains("prompts")) {
    auto prompts = listAll(peer, mcp::method::kPromptsList, "prompts", "name");
    if (!prompts) return fail(prompts.error());
    out.prompts = std::move(*prompts);
  }
  return out;
}

void Backend::refresh(ListKind kind) {
  std::shared_ptr<mcp::Peer> peer;
  {
    std::lock_guard lock(mu_);
    if (!up_ || stopped_) return;
    peer = peer_;
  }
  if (!peer) return;
  Result<std::vector<Json>> items = std::vector<Json>{};
  std::vector<Json> templates;
  switch (kind) {
    case ListKind::kTools:
      items = listAll(*peer, mcp::method::kToolsList, "tools", "name");
      break;
    case ListKind::kPrompts:
      items = listAll(*peer, mcp::method::kPromptsList, "prompts", "name");
      break;
    case ListKind::kResources: {
      items = listAll(*peer, mcp::method::kResourcesList, "resources", "uri");
      auto t = listAll(*peer, mcp::method::kResourcesTemplatesList, "resourceTemplates", "uriTemplate");
      if (t) templates = std::move(*t);
      break;
    }
  }
  if (!items) {
    log::warn("proxy: refreshing the lists of server '{}' failed: {}", options_.name,
              items.error().toString());
    return;
  }
  {
    std::lock_guard lock(mu_);
    if (kind == ListKind::kTools) lists_.tools = std::move(*items);
    if (kind == ListKind::kPrompts) lists_.prompts = std::move(*items);
    if (kind == ListKind::kResources) {
      lists_.resources = std::move(*items);
      lists_.templates = std::move(templates);
    }
  }
  if (hooks_.on_list_changed) hooks_.on_list_changed(*this, kind);
}

void Backend::onClosed(const std::shared_ptr<mcp::Peer>& peer, const Error& reason) {
  std::lock_guard lock(mu_);
  if (stopped_ || !peer || peer != peer_ || !up_) return;  // an old generation, or a stop
  up_ = false;
  ++failures_;
  last_error_ = "connection closed: " + reason.message;
  // The first restart is immediate: a crash is retried on the next call.
  next_attempt_ = clock_.now();
  log::warn("proxy: server '{}' went away: {}", options_.name, reason.toString());
}

Result<Json> Backend::request(std::string method, Json params, mcp::RequestOptions options) {
  if (auto up = ensureUp(); !up) return fail(up.error());
  std::shared_ptr<mcp::Peer> peer;
  {
    std::lock_guard lock(mu_);
    peer = peer_;
  }
  if (!peer) return fail(ErrorCode::kUnavailable, "server '" + options_.name + "' is not running");
  auto r = peer->request(method, std::move(params), options);
  if (!r) {
    if (isLocal(r.error().code)) return fail(named(r.error(), method));
    return r;  // the server's own JSON-RPC error, forwarded as it is
  }
  std::size_t total = 0;
  if (options_.max_output_bytes > 0 && largerThan(*r, options_.max_output_bytes, total)) {
    return fail(ErrorCode::kInternalError,
                "server '" + options_.name + "' answered " + method + " with more than " +
                    std::to_string(options_.max_output_bytes) + " bytes, over the proxy's cap");
  }
  return r;
}

void Backend::requestAsync(std::string method, Json params, mcp::AsyncRequestOptions options,
                           Sent on_sent, mcp::Peer::Done done) {
  std::shared_ptr<mcp::Peer> peer;
  {
    std::lock_guard lock(mu_);
    if (up_ && peer_ && !peer_->closed()) peer = peer_;
  }
  if (peer) {
    sendAsync(peer, std::move(method), std::move(params), options, on_sent, std::move(done));
    return;
  }
  // A (re)start blocks (launch, initialize, lists): do it on a worker, then send.
  executor_.post([self = shared_from_this(), method = std::move(method), params = std::move(params),
                  options = std::move(options), on_sent = std::move(on_sent),
                  done = std::move(done)]() mutable {
    if (auto up = self->ensureUp(); !up) {
      done(fail(up.error()));
      return;
    }
    std::shared_ptr<mcp::Peer> current;
    {
      std::lock_guard lock(self->mu_);
      current = self->peer_;
    }
    if (!current) {
      done(fail(ErrorCode::kUnavailable, "server '" + self->options_.name + "' is not running"));
      return;
    }
    self->sendAsync(current, std::move(method), std::move(params), options, on_sent, std::move(done));
  });
}

void Backend::sendAsync(const std::shared_ptr<mcp::Peer>& peer, std::string method, Json params,
                        const mcp::AsyncRequestOptions& options, const Sent& on_sent,
                        mcp::Peer::Done done) {
  auto id = peer->requestAsync(method, std::move(params), options,
                               [self = shared_from_this(), method, done](Result<Json> r) {
                                 self->answered(method, std::move(r), done);
                               });
  if (!id) {
    answered(method, fail(id.error()), done);
    return;
  }
  if (on_sent) on_sent(peer, *id);
}

void Backend::answered(const std::string& method, Result<Json> r, const mcp::Peer::Done& done) {
  if (!r) {
    if (!isLocal(r.error().code)) {
      done(std::move(r));  // the server's own JSON-RPC error, forwarded as it is
    } else if (r.error().code == ErrorCode::kClosed) {
      // The diagnosis may wait for the process to exit: not on a reader thread.
      executor_.post([self = shared_from_this(), method, error = r.error(), done] {
        done(fail(self->named(error, method)));
      });
    } else {
      done(fail(named(r.error(), method)));
    }
    return;
  }
  std::size_t total = 0;
  if (options_.max_output_bytes > 0 && largerThan(*r, options_.max_output_bytes, total)) {
    done(fail(ErrorCode::kInternalError,
              "server '" + options_.name + "' answered " + method + " with more than " +
                  std::to_string(options_.max_output_bytes) + " bytes, over the proxy's cap"));
    return;
  }
  done(std::move(r));
}

void Backend::notify(std::string method, std::optional<Json> params) {
  std::shared_ptr<mcp::Peer> peer;
  {
    std::lock_guard lock(mu_);
    if (!up_) return;
    peer = peer_;
  }
  if (peer) (void)peer->notify(std::move(method), std::move(params));
}

BackendLists Backend::lists() const {
  std::lock_guard lock(mu_);
  return lists_;
}

BackendStatus Backend::status() const {
  std::lock_guard lock(mu_);
  BackendStatus s;
  s.name = options_.name;
  s.describe = launcher_->describe();
  s.up = up_;
  s.restarts = std::max(0, starts_ - 1);
  s.failures = failures_;
  s.last_error = last_error_;
  s.tools = lists_.tools.size();
  return s;
}

void Backend::stop() {
  std::shared_ptr<mcp::Peer> peer;
  {
    std::lock_guard lock(mu_);
    stopped_ = true;
    up_ = false;
    peer = std::move(peer_);
  }
  if (peer) peer->close();
  launcher_->stop();
}

}  // namespace onemcp::sandbox
