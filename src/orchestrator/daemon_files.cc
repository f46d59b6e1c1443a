#include "onemcp/orchestrator/daemon_files.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

namespace onemcp::orchestrator {
namespace {

Error ioError(const std::string& what, const std::filesystem::path& path) {
  return Error(ErrorCode::kIo, what + " " + path.string() + ": " + std::strerror(errno));
}

Result<void> ensurePrivateDir(const std::filesystem::path& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return fail(ErrorCode::kIo, "cannot create " + dir.string() + ": " + ec.message());
  if (::chmod(dir.c_str(), 0700) != 0) return fail(ioError("cannot chmod", dir));
  return {};
}

}  // namespace

DaemonPaths DaemonPaths::from(const Paths& paths) {
  DaemonPaths d;
  d.runtime_dir = paths.runtime_dir;
  d.lock_file = paths.runtime_dir / "daemon.lock";
  d.endpoint_file = paths.runtime_dir / "daemon.json";
  d.log_file = paths.state_dir / "daemon.log";
  d.state_db = paths.data_dir / "daemon.sqlite";
  d.secrets_file = paths.config_dir / "secrets.json";
  return d;
}

Result<void> writeEndpointFile(const std::filesystem::path& path, const DaemonEndpoint& endpoint) {
  return writePrivateFile(
      path, nlohmann::json{{"url", endpoint.url}, {"token", endpoint.token}, {"pid", endpoint.pid}}.dump());
}

Result<void> writePrivateFile(const std::filesystem::path& path, std::string_view text) {
  if (auto dir = ensurePrivateDir(path.parent_path()); !dir) return dir;
  const std::filesystem::path tmp = path.string() + ".tmp." + std::to_string(::getpid());
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return fail(ioError("cannot create", tmp));
  const ssize_t written = ::write(fd, text.data(), text.size());
  const bool synced = ::fsync(fd) == 0;
  ::close(fd);
  if (written != static_cast<ssize_t>(text.size()) || !synced) {
    ::unlink(tmp.c_str());
    return fail(ioError("cannot write", tmp));
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    ::unlink(tmp.c_str());
    return fail(ioError("cannot rename into", path));
  }
  return {};
}

Result<std::string> readPrivateFile(const std::filesystem::path& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return fail(ErrorCode::kNotFound, "no file at " + path.string());
    return fail(ioError("cannot stat", path));
  }
  if (st.st_uid != ::getuid()) {
    return fail(ErrorCode::kInvalidInput, path.string() + " belongs to another user");
  }
  if ((st.st_mode & 077) != 0) {
    return fail(ErrorCode::kForbidden, path.string() + " is readable by others; refusing it");
  }
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  if (!in && !in.eof()) return fail(ioError("cannot read", path));
  return text.str();
}

Result<DaemonEndpoint> readEndpointFile(const std::filesystem::path& path) {
  auto text = readPrivateFile(path);
  if (!text) {
    if (text.error().code == ErrorCode::kNotFound) {
      return fail(ErrorCode::kNotFound, "no daemon endpoint file at " + path.string());
    }
    return fail(text.error());
  }
  auto j = nlohmann::json::parse(*text, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("url") || !j.contains("token")) {
    return fail(ErrorCode::kInvalidInput, path.string() + " is not a daemon endpoint file");
  }
  DaemonEndpoint e;
  e.url = j.value("url", "");
  e.token = j.value("token", "");
  e.pid = j.value("pid", 0);
  return e;
}

Result<std::string> newToken() {
  unsigned char bytes[32];
  std::ifstream random("/dev/urandom", std::ios::binary);
  if (!random.read(reinterpret_cast<char*>(bytes), sizeof bytes)) {
    return fail(ErrorCode::kIo, "cannot read /dev/urandom");
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char b : bytes) {
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 15]);
  }
  return out;
}

Result<std::unique_ptr<LockFile>> LockFile::acquire(const std::filesystem::path& path) {
  if (auto dir = ensurePrivateDir(path.parent_path()); !dir) return fail(dir.error());
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return fail(ioError("cannot open", path));
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    ::close(fd);
    if (err == EWOULDBLOCK) {
      return fail(ErrorCode::kUnavailable, "another OneMCP daemon holds " + path.string());
    }
    errno = err;
    return fail(ioError("cannot lock", path));
  }
  return std::unique_ptr<LockFile>(new LockFile(fd));
}

LockFile::~LockFile() { ::close(fd_); }

}  // namespace onemcp::orchestrator
