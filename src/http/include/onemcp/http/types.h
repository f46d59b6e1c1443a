// Plain HTTP values shared by the server and the client: header lists, requests and
// responses. No Beast or Asio types appear here, so that components which only speak
// HTTP through onemcp::http never pay for Beast's compile time.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace onemcp::http {

// An ordered list of header fields; names compare case-insensitively.
class Headers {
 public:
  Headers() = default;
  Headers(std::initializer_list<std::pair<std::string, std::string>> fields)
      : fields_(fields) {}

  // The first value of `name`, or nullopt.
  [[nodiscard]] std::optional<std::string> get(std::string_view name) const;
  [[nodiscard]] bool has(std::string_view name) const { return get(name).has_value(); }
  // Appends a field (keeps earlier fields with the same name).
  void add(std::string name, std::string value);
  // Replaces all fields named `name` with one.
  void set(std::string name, std::string value);
  void remove(std::string_view name);

  [[nodiscard]] const std::vector<std::pair<std::string, std::string>>& fields() const {
    return fields_;
  }
  [[nodiscard]] bool empty() const { return fields_.empty(); }

 private:
  std::vector<std::pair<std::string, std::string>> fields_;
};

// Case-insensitive ASCII comparison, used for header names and tokens.
bool equalsIgnoreCase(std::string_view a, std::string_view b);

struct Request {
  std::string method;   // "GET", "POST", ...
  std::string target;   // as sent: "/mcp?x=1"
  std::string path;     // target without the query: "/mcp"
  std::string query;    // after '?', undecoded; empty if none
  Headers headers;
  std::string body;
  std::string remote_address;  // peer IP, for logs
};

struct Response {
  int status = 200;
  Headers headers;
  std::string body;

  static Response text(int status, std::string body,
                       std::string content_type = "text/plain; charset=utf-8");
  static Response json(int status, std::string body);
};

// The standard reason phrase for a status code ("Not Found"); "Unknown" otherwise.
std::string_view reasonPhrase(int status);

}  // namespace onemcp::http
