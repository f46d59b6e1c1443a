// The proxy's merged view of its backends: an immutable snapshot, rebuilt on attach,
// detach and list changes and swapped under a short lock, so that a call reads its
// route without waiting for a rebuild. Private to the proxy.
#pragma once

#include <list>
#include <map>
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

struct McpProxy::Entry {
  std::shared_ptr<Backend> backend;
  std::mutex mu;
  std::list<std::shared_ptr<ActiveCall>> active;  // guarded by mu; newest last
};

}  // namespace onemcp::sandbox
