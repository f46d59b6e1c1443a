// A fluent builder for ClientRequest in tests (designated initializers would have to
// name every field to stay free of -Wmissing-field-initializers).
#pragma once

#include <chrono>
#include <string>

#include "onemcp/http/client.h"

namespace onemcp::http {

class Req {
 public:
  Req(std::string method, std::string url) {
    r_.method = std::move(method);
    r_.url = std::move(url);
  }
  Req& body(std::string b) { r_.body = std::move(b); return *this; }
  Req& header(std::string k, std::string v) { r_.headers.add(std::move(k), std::move(v)); return *this; }
  Req& unix_socket(std::string p) { r_.unix_socket = std::move(p); return *this; }
  Req& timeout(std::chrono::milliseconds t) { r_.timeout = t; return *this; }
  Req& body_idle_timeout(std::chrono::milliseconds t) { r_.body_idle_timeout = t; return *this; }
  operator ClientRequest() const { return r_; }  // NOLINT(google-explicit-constructor)

 private:
  ClientRequest r_;
};

}  // namespace onemcp::http
