// The values a server needs from its user (API keys, tokens, required settings), kept per
// server in one JSON file of mode 0600 under the XDG config dir. The daemon asks for a
// missing one (elicitation, or the set_secret tool), stores it here and hands it to the
// server's environment when it starts; values are never logged or returned to a client.
#pragma once

#include <filesystem>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "onemcp/common/result.h"

namespace onemcp::orchestrator {

class SecretStore {
 public:
  explicit SecretStore(std::filesystem::path file) : file_(std::move(file)) {}

  // The stored values of `server_id` (none: empty). Errors: the file is readable by
  // others (kForbidden), not ours, or malformed (kInvalidInput; it is left as it is).
  Result<std::map<std::string, std::string>> get(const std::string& server_id);
  // Stores one value (replacing an older one) and rewrites the file atomically, 0600.
  Result<void> put(const std::string& server_id, const std::string& name, const std::string& value);
  // Which of `names` have no stored value for `server_id` (all of them when the file
  // cannot be read).
  std::vector<std::string> missing(const std::string& server_id,
                                   const std::vector<std::string>& names);

 private:
  const std::filesystem::path file_;
  std::mutex mu_;  // serialises read-modify-write of file_
};

}  // namespace onemcp::orchestrator
