// A bare streamable-HTTP MCP client for tests: POST one JSON-RPC message, read either a
// JSON body or an SSE stream's first message. Keeps the Mcp-Session-Id it is given.
#pragma once

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/url/parse.hpp>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

namespace onemcp::sandbox::testing {

class HttpMcpClient {
 public:
  explicit HttpMcpClient(std::string url) : url_(std::move(url)) {}

  // The response message (or null for a notification's 202).
  nlohmann::json post(const nlohmann::json& message) {
    namespace http = boost::beast::http;
    auto u = boost::urls::parse_uri(url_).value();
    boost::asio::io_context ctx;
    boost::asio::ip::tcp::resolver resolver(ctx);
    boost::beast::tcp_stream stream(ctx);
    stream.expires_after(std::chrono::seconds(30));
    stream.connect(resolver.resolve(std::string(u.host()), std::string(u.port())));
    http::request<http::string_body> req{http::verb::post, std::string(u.encoded_path()), 11};
    req.set(http::field::host, std::string(u.host()));
    req.set(http::field::content_type, "application/json");
    req.set(http::field::accept, "application/json, text/event-stream");
    req.set("MCP-Protocol-Version", "2025-06-18");
    if (!session_.empty()) req.set("Mcp-Session-Id", session_);
    req.body() = message.dump();
    req.prepare_payload();
    http::write(stream, req);
    boost::beast::flat_buffer buf;
    http::response<http::string_body> res;
    http::read(stream, buf, res);
    if (auto it = res.find("Mcp-Session-Id"); it != res.end()) session_ = std::string(it->value());
    status_ = res.result_int();
    if (res.body().empty()) return nullptr;
    if (res[http::field::content_type].starts_with("text/event-stream")) {
      std::istringstream in(res.body());
      for (std::string line; std::getline(in, line);) {
        if (line.rfind("data:", 0) == 0) {
          auto j = nlohmann::json::parse(line.substr(5), nullptr, false);
          if (j.is_object() && j.contains("id")) return j;
        }
      }
      return nullptr;
    }
    return nlohmann::json::parse(res.body(), nullptr, false);
  }

  [[nodiscard]] unsigned status() const { return status_; }
  [[nodiscard]] const std::string& session() const { return session_; }
  // Sends this Mcp-Session-Id from now on (empty: none).
  void setSession(std::string session) { session_ = std::move(session); }

 private:
  std::string url_;
  std::string session_;
  unsigned status_ = 0;
};

}  // namespace onemcp::sandbox::testing
