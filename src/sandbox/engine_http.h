// HTTP/1.1 to the Docker engine over its unix socket (private to the sandbox).
// Each request uses its own connection and is bounded in time: an engine that does not
// answer yields kTimeout, a missing socket kUnavailable, never a hang.
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>

#include "onemcp/common/result.h"
#include "onemcp/sandbox/docker_client.h"

namespace onemcp::sandbox::detail {

struct HttpReply {
  unsigned status = 0;
  std::string body;
};

enum class Method { kGet, kPost, kDelete, kHead };

struct HttpRequest {
  Method method = Method::kGet;
  std::string target;        // "/v1.41/containers/json?all=1"
  std::string body;          // JSON text, or empty
  std::filesystem::path body_file;  // when set, the body is streamed from this file
  std::string content_type = "application/json";
};

class EngineHttp {
 public:
  // socket_path: the engine's unix socket. max_body: cap on a reply's body.
  EngineHttp(std::string socket_path, std::size_t max_body);

  Result<HttpReply> request(const HttpRequest& request, std::chrono::milliseconds timeout);
  // Sends an attach request and hands over the hijacked connection.
  Result<std::unique_ptr<AttachStream>> hijack(const std::string& target,
                                               std::chrono::milliseconds timeout);

  [[nodiscard]] const std::string& socketPath() const { return socket_path_; }

 private:
  std::string socket_path_;
  std::size_t max_body_;
};

}  // namespace onemcp::sandbox::detail
