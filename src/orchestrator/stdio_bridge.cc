#include "onemcp/orchestrator/stdio_bridge.h"

#include <condition_variable>
#include <mutex>

#include "onemcp/common/log.h"
#include "onemcp/mcp/streamable_http_client.h"

namespace onemcp::orchestrator {

Result<void> bridge(std::shared_ptr<mcp::Transport> client, const DaemonEndpoint& endpoint) {
  mcp::StreamableHttpClientOptions o;
  o.url = endpoint.url;
  o.headers.emplace_back("Authorization", "Bearer " + endpoint.token);
  auto created = mcp::StreamableHttpClientTransport::create(std::move(o));
  if (!created) return fail(created.error().wrap("connecting to the daemon at " + endpoint.url));
  std::shared_ptr<mcp::StreamableHttpClientTransport> daemon = std::move(*created);

  std::mutex mu;
  std::condition_variable cv;
  bool done = false;
  Error why;
  auto finish = [&](const Error& reason) {
    std::lock_guard lock(mu);
    if (!done) why = reason;
    done = true;
    cv.notify_all();
  };
  // The HTTP transport takes the negotiated protocol version from the initialize result
  // it carries back, so the bridge never parses a message.
  auto started = daemon->start({.on_message = [client](std::string m) { (void)client->send(std::move(m)); },
                                .on_close = [&](const Error& e) { finish(e); }});
  if (!started) return fail(started.error().wrap("connecting to the daemon at " + endpoint.url));
  auto listening = client->start({.on_message =
                                      [daemon, &finish](std::string m) {
                                        if (auto sent = daemon->send(std::move(m)); !sent) {
                                          finish(sent.error());
                                        }
                                      },
                                  .on_close = [&](const Error& e) { finish(e); }});
  if (!listening) {
    daemon->close();
    return fail(listening.error());
  }
  {
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return done; });
  }
  client->close();
  daemon->close();
  log::debug("stdio bridge closed: {}", why.toString());
  return {};
}

}  // namespace onemcp::orchestrator
