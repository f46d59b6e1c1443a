// The proxy's merged view of its backends: an immutable snapshot, rebuilt on attach,
// detach and list changes and swapped under a short lock, so that a call reads its
// route without waiting for a rebuild. Private to the proxy.
#pragma once

#include <chrono>
#include <cstdint>
#include <list>
#include <map>
#include <optional>
#include <stop_token>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "onemcp/mcp/peer.h"
#include "onemcp/sandbox/proxy.h"

namespace onemcp::sandbox {

struct ProxyRoute {
  std::shared_ptr<Backend> backend;  // null for a local tool
  std::string original;
  std::shared_ptr<const LocalToolHandler> local;  // set for a local tool
};

struct ProxyToolEntry {
  std::string name;  // exposed
  Json definition;   // with the exposed name
  bool local = false;
};

struct ProxyCatalog {
  std::map<std::string, ProxyRoute, std::less<>> tools;  // exposed name -> owner
  std::vector<ProxyToolEntry> tool_list;  // local tools first, then backends in attach order
  std::map<std::string, std::set<std::string>> tools_of;  // backend -> its exposed tools
  std::map<std::string, ProxyRoute, std::less<>> prompts;
  std::vector<Json> prompt_list;
  std::map<std::string, std::shared_ptr<Backend>, std::less<>> resources;  // uri -> owner
  std::vector<Json> resource_list;
  std::vector<std::pair<std::string, std::shared_ptr<Backend>>> templates;  // uriTemplate
  std::vector<Json> template_list;

  // The owner of a resource URI: listed, or matching a template.
  [[nodiscard]] std::shared_ptr<Backend> resourceOwner(const std::string& uri) const;
};

// A tools/call (or other forwarded request) in flight: where the backend's own requests
// and log messages made during it go.
struct McpProxy::ActiveCall {
  std::weak_ptr<ProxySession> session;
  mcp::RequestScope scope;  // a copy: stays valid after the handler returns
};

// A tools/call forwarded without holding a thread. The backend's answer, the deadline
// and the client's cancellation race to finish it; the first wins (under mu), the others
// find it finished.
struct McpProxy::AsyncCall {
  // The proxy's; valid until its destructor has joined the timer thread, which may be
  // finishing this very call.
  Deadlines* deadlines = nullptr;
  std::shared_ptr<Backend> backend;
  std::string session_id;
  std::string original;  // the backend's own tool name
  std::string exposed;
  std::chrono::steady_clock::time_point started;
  std::shared_ptr<Entry> entry;  // null if the backend was detached meanwhile
  std::list<std::shared_ptr<ActiveCall>>::iterator active;  // in entry->active

  std::mutex mu;
  bool finished = false;                     // guarded by mu
  mcp::Peer::Reply reply;                    // guarded by mu; taken by the winner
  std::shared_ptr<mcp::Peer> peer;           // guarded by mu; set once sent
  std::optional<mcp::RequestId> backend_id;  // guarded by mu; set once sent
  std::uint64_t deadline = 0;                // guarded by mu
  // Set after the call starts; its callback holds the call weakly.
  std::optional<std::stop_callback<std::function<void()>>> on_client_cancel;
};

struct McpProxy::Entry {
  std::shared_ptr<Backend> backend;
  std::mutex mu;
  std::list<std::shared_ptr<ActiveCall>> active;  // guarded by mu; newest last
};

}  // namespace onemcp::sandbox
