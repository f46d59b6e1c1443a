// The files that let clients find the one daemon of a user: a lock file (held by the
// running daemon with flock, so a crashed daemon never blocks the next one) and an
// endpoint file (its URL, its per-user bearer token and its pid; mode 0600, written
// atomically) under the runtime directory.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "onemcp/common/paths.h"
#include "onemcp/common/result.h"

namespace onemcp::orchestrator {

struct DaemonPaths {
  std::filesystem::path runtime_dir;  // created with mode 0700
  std::filesystem::path lock_file;
  std::filesystem::path endpoint_file;
  std::filesystem::path log_file;
  std::filesystem::path state_db;  // under the data dir
  std::filesystem::path secrets_file;  // under the config dir, mode 0600

  static DaemonPaths from(const Paths& paths);
};

struct DaemonEndpoint {
  std::string url;    // http://127.0.0.1:PORT/mcp
  std::string token;  // Authorization: Bearer <token>
  int pid = 0;
};

// Writes `endpoint` to `path` with mode 0600 (through a temporary file and rename, so a
// reader never sees half a file).
Result<void> writeEndpointFile(const std::filesystem::path& path, const DaemonEndpoint& endpoint);
// kNotFound when there is no file; kInvalidInput when it is not ours or is malformed;
// kForbidden when anyone but its owner may read it.
Result<DaemonEndpoint> readEndpointFile(const std::filesystem::path& path);

// Writes `text` to `path` with mode 0600 in a 0700 directory, atomically (temporary file,
// fsync, rename).
Result<void> writePrivateFile(const std::filesystem::path& path, std::string_view text);
// Reads a file of ours that only we may read: kNotFound when absent, kForbidden when
// others may read it, kInvalidInput when another user owns it.
Result<std::string> readPrivateFile(const std::filesystem::path& path);

// 32 bytes from the OS's random source, as hex.
Result<std::string> newToken();

// An exclusive, non-blocking flock on a file; released when destroyed or when the
// process dies.
class LockFile {
 public:
  // kUnavailable when another process holds it.
  static Result<std::unique_ptr<LockFile>> acquire(const std::filesystem::path& path);
  ~LockFile();
  LockFile(const LockFile&) = delete;
  LockFile& operator=(const LockFile&) = delete;

 private:
  explicit LockFile(int fd) : fd_(fd) {}
  int fd_;
};

}  // namespace onemcp::orchestrator
