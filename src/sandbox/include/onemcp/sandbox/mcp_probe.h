// A minimal synchronous MCP client over any mcp::Transport: send a request, wait for the
// response with the same id. For health checks, the CLI, tests and benchmarks where a
// full ClientSession is more than needed; it answers no server-to-client requests.
#pragma once

#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "onemcp/common/result.h"
#include "onemcp/mcp/transport.h"

namespace onemcp::sandbox {

inline constexpr std::string_view kProbeProtocolVersion = "2025-06-18";

class McpProbe {
 public:
  // Takes the transport and starts it. `server` names the peer in errors.
  static Result<std::unique_ptr<McpProbe>> open(std::unique_ptr<mcp::Transport> transport,
                                                std::string server);
  ~McpProbe();

  // The result member of the response, or its error (code and message kept).
  Result<nlohmann::json> request(const std::string& method, nlohmann::json params,
                                 std::chrono::milliseconds timeout);
  Result<void> notify(const std::string& method, nlohmann::json params);
  // initialize + notifications/initialized; returns the initialize result.
  Result<nlohmann::json> initialize(std::chrono::milliseconds timeout);
  // Why the transport closed, if it did.
  [[nodiscard]] std::optional<Error> closedReason() const;
  void close();

 private:
  McpProbe(std::unique_ptr<mcp::Transport> transport, std::string server);
  void onMessage(const std::string& text);

  std::unique_ptr<mcp::Transport> transport_;
  std::string server_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::int64_t next_id_ = 1;                        // guarded by mu_
  std::map<std::int64_t, nlohmann::json> replies_;  // guarded by mu_
  std::optional<Error> closed_;                     // guarded by mu_
};

}  // namespace onemcp::sandbox
