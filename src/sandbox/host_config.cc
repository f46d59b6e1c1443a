#include "onemcp/sandbox/host_config.h"

#include <unistd.h>

#include <array>

#include "onemcp/common/process.h"

namespace onemcp::sandbox {
namespace {

// First line of a command's stdout, or empty.
std::string firstLine(std::vector<std::string> argv) {
  ProcessSpec ps;
  ps.argv = std::move(argv);
  ps.pipe_stdin = false;
  ps.pipe_stderr = true;
  auto proc = Process::spawn(ps);
  if (!proc) return "";
  std::string out;
  std::array<char, 1024> buf{};
  for (;;) {
    const ssize_t n = ::read((*proc)->stdoutFd(), buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    out.append(buf.data(), static_cast<std::size_t>(n));
  }
  auto status = (*proc)->wait(std::chrono::seconds(20));
  if (!status || !status->success()) return "";
  out = out.substr(0, out.find('\n'));
  if (out == "undefined" || out == "null") return "";
  return out;
}

}  // namespace

std::map<std::string, std::string> hostInstallEnv(const EnvLookup& env) {
  std::map<std::string, std::string> out;
  if (auto r = firstLine({"npm", "config", "get", "registry"}); !r.empty()) {
    out["npm_config_registry"] = r;
  }
  if (auto pip = env("PIP_INDEX_URL")) {
    out["PIP_INDEX_URL"] = *pip;
  } else if (auto r = firstLine({"pip3", "config", "get", "global.index-url"}); !r.empty()) {
    out["PIP_INDEX_URL"] = r;
  }
  for (const char* k : {"HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY"}) {
    std::string lower(k);
    for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    auto v = env(k);
    if (!v) v = env(lower);
    if (v) {
      out[k] = *v;
      out[lower] = *v;
    }
  }
  return out;
}

}  // namespace onemcp::sandbox
