// A recorded copy of the official registry's API for the crawler tests: serves a list of
// {"server", "_meta"} items as `GET /v0/servers?limit=&cursor=` pages on 127.0.0.1 port 0,
// with the official page shape. Can refuse its first requests (503) to test retries.
#pragma once

#include <atomic>
#include <fstream>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "onemcp/http/server.h"

namespace onemcp::registry::testing {

class RecordedRegistry {
 public:
  explicit RecordedRegistry(std::vector<nlohmann::json> items) : items_(std::move(items)) {
    server_ = std::make_unique<http::HttpServer>(http::ServerOptions{});
    server_->route("GET", "/v0/servers",
                   [this](http::Request request, std::shared_ptr<http::Responder> out) {
                     ++requests_;
                     if (refuse_.load() > 0) {
                       --refuse_;
                       out->respond(http::Response::text(503, "busy"));
                       return;
                     }
                     out->respond(page(request.query));
                   });
    if (!server_->start()) throw std::runtime_error("cannot start the recorded registry");
  }

  static std::vector<nlohmann::json> readJsonl(const std::string& path) {
    std::vector<nlohmann::json> items;
    std::ifstream in(path);
    if (!in) throw std::runtime_error("cannot read " + path);
    std::string line;
    while (std::getline(in, line)) {
      if (!line.empty()) items.push_back(nlohmann::json::parse(line));
    }
    return items;
  }

  [[nodiscard]] std::string url() const {
    return "http://127.0.0.1:" + std::to_string(server_->port());
  }
  void refuseNext(int n) { refuse_ = n; }
  [[nodiscard]] int requests() const { return requests_.load(); }
  void replace(std::size_t index, nlohmann::json item) {
    std::lock_guard lock(mu_);
    items_.at(index) = std::move(item);
  }
  // Serves this body instead of a page (a malformed answer).
  void serveRaw(std::string body) {
    std::lock_guard lock(mu_);
    raw_ = std::move(body);
  }

 private:
  static std::string param(const std::string& query, const std::string& name) {
    std::size_t at = 0;
    while (at < query.size()) {
      auto end = query.find('&', at);
      if (end == std::string::npos) end = query.size();
      const std::string pair = query.substr(at, end - at);
      if (pair.starts_with(name + "=")) return pair.substr(name.size() + 1);
      at = end + 1;
    }
    return "";
  }

  http::Response page(const std::string& query) {
    std::lock_guard lock(mu_);
    if (!raw_.empty()) return http::Response::json(200, raw_);
    const std::string limit_text = param(query, "limit");
    const std::string cursor = param(query, "cursor");
    const std::size_t limit = limit_text.empty() ? 30 : std::stoul(limit_text);
    // The cursor is "c" + the index of the next item (opaque to the crawler).
    const std::size_t from = cursor.empty() ? 0 : std::stoul(cursor.substr(1));
    nlohmann::json servers = nlohmann::json::array();
    for (std::size_t i = from; i < items_.size() && i < from + limit; ++i)
      servers.push_back(items_[i]);
    nlohmann::json metadata = {{"count", servers.size()}};
    if (from + limit < items_.size()) metadata["nextCursor"] = "c" + std::to_string(from + limit);
    return http::Response::json(
        200, nlohmann::json{{"servers", servers}, {"metadata", metadata}}.dump());
  }

  std::mutex mu_;
  std::vector<nlohmann::json> items_;  // guarded by mu_
  std::string raw_;                    // guarded by mu_
  std::atomic<int> refuse_{0};
  std::atomic<int> requests_{0};
  std::unique_ptr<http::HttpServer> server_;
};

}  // namespace onemcp::registry::testing
