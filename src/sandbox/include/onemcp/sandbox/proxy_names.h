// Pure naming for the proxy: how a backend's tool or prompt name becomes the name a
// client sees (`<prefix>__<name>`, at most 64 characters from [A-Za-z0-9_-], the set
// every major LLM API accepts), and a table that keeps exposed names unique.
// No I/O, no locks: the proxy owns the table and guards it.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "onemcp/common/result.h"

namespace onemcp::sandbox {

inline constexpr std::size_t kMaxExposedName = 64;
inline constexpr std::string_view kPrefixSeparator = "__";

// True when `name` is non-empty, at most `max` long and only [A-Za-z0-9_-].
bool isExposableName(std::string_view name, std::size_t max = kMaxExposedName);

// A server's name as a prefix: characters outside [A-Za-z0-9_-] become '_'.
std::string prefixFor(std::string_view server_name);

// The deterministic exposed name of `name` from a backend with `prefix` ("" = none):
// "<prefix>__<name>" when that is exposable as is, otherwise hashedName(..., 8).
std::string exposedName(std::string_view prefix, std::string_view name,
                        std::size_t max = kMaxExposedName);
// "<prefix>__<name>" with characters outside the set made '_', cut to fit before "_" and
// the first `hash_chars` hex digits of SHA-256("<prefix>\0<name>"): two inputs that clean
// up or cut to the same text still get different names.
std::string hashedName(std::string_view prefix, std::string_view name, std::size_t max,
                       std::size_t hash_chars);

// Owner of an exposed name.
struct NameOwner {
  std::string backend;
  std::string original;
  friend bool operator==(const NameOwner&, const NameOwner&) = default;
};

// Assigns exposed names and remembers them, so a name never changes while its owner
// stays attached and no two owners ever share a name.
class NameTable {
 public:
  // The name for (backend, original). An existing assignment is returned as is. A clash
  // with another owner is resolved with a longer hash when the backend is prefixed;
  // an unprefixed backend ("" prefix) exposes names as they are, so a clash is an error
  // (kInvalidInput naming both owners).
  Result<std::string> assign(const std::string& backend, std::string_view prefix,
                             const std::string& original);
  // Which owner an exposed name belongs to.
  [[nodiscard]] std::optional<NameOwner> find(std::string_view exposed) const;
  // The exposed name already given to (backend, original), if any.
  [[nodiscard]] std::optional<std::string> nameOf(const std::string& backend,
                                                  const std::string& original) const;
  // Forgets every name of `backend` (detach).
  void removeBackend(const std::string& backend);
  // Forgets one name.
  void remove(const std::string& backend, const std::string& original);
  [[nodiscard]] std::size_t size() const { return by_name_.size(); }

 private:
  std::map<std::string, NameOwner, std::less<>> by_name_;
  std::map<std::pair<std::string, std::string>, std::string> by_owner_;
};

}  // namespace onemcp::sandbox
