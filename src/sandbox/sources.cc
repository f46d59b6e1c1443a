#include "onemcp/sandbox/sources.h"

#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <cerrno>
#include <fstream>
#include <set>

#include <nlohmann/json.hpp>

#include "onemcp/common/process.h"

namespace onemcp::sandbox {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr std::size_t kMaxCapture = 16u << 20;

class ProcessRunner final : public CommandRunner {
 public:
  Result<CommandOutput> run(const std::vector<std::string>& argv, std::chrono::milliseconds timeout,
                            const std::string& cwd) override {
    ProcessSpec spec;
    spec.argv = argv;
    spec.cwd = cwd;
    spec.pipe_stdin = false;
    auto proc = Process::spawn(spec);
    if (!proc) return fail(proc.error().wrap("running " + argv.front()));
    CommandOutput output;
    auto deadline = std::chrono::steady_clock::now() + timeout;
    std::array<pollfd, 2> fds{pollfd{(*proc)->stdoutFd(), POLLIN, 0}, pollfd{(*proc)->stderrFd(), POLLIN, 0}};
    std::array<std::string*, 2> sinks{&output.out, &output.err};
    int open = 2;
    while (open > 0) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) {
        (*proc)->terminate(std::chrono::milliseconds(500));
        return fail(ErrorCode::kTimeout, argv.front() + " did not finish within " +
                                             std::to_string(timeout.count() / 1000) + " s");
      }
      int n = ::poll(fds.data(), fds.size(), static_cast<int>(std::min<long>(left.count(), 1000)));
      if (n < 0 && errno != EINTR) return fail(ErrorCode::kIo, "poll failed while running " + argv.front());
      for (std::size_t i = 0; i < fds.size(); ++i) {
        if (fds[i].fd < 0 || (fds[i].revents & (POLLIN | POLLHUP | POLLERR)) == 0) continue;
        char buf[8192];
        ssize_t got = ::read(fds[i].fd, buf, sizeof buf);
        if (got > 0) {
          if (sinks[i]->size() < kMaxCapture) sinks[i]->append(buf, static_cast<std::size_t>(got));
        } else if (got == 0 || errno != EINTR) {
          fds[i].fd = -1;
          --open;
        }
      }
    }
    auto status = (*proc)->wait(std::chrono::duration_cast<std::chrono::milliseconds>(
        std::max(deadline - std::chrono::steady_clock::now(), std::chrono::steady_clock::duration(std::chrono::seconds(1)))));
    if (!status) {
      (*proc)->terminate(std::chrono::milliseconds(500));
      return fail(status.error());
    }
    output.exit_code = status->code;
    return output;
  }
};

class NpmCliRegistry final : public NpmRegistry {
 public:
  NpmCliRegistry(CommandRunner& runner, std::chrono::milliseconds timeout) : runner_(runner), timeout_(timeout) {}
  Result<NpmPackage> view(const std::string& spec) override {
    auto out = runner_.run({"npm", "view", spec, "--json"}, timeout_);
    if (!out) {
      if (out.error().code == ErrorCode::kTimeout) return fail(ErrorCode::kUnavailable, "npm registry: " + out.error().message);
      return fail(ErrorCode::kUnavailable, "npm could not be run: " + out.error().message);
    }
    json j = json::parse(out->out, nullptr, false);
    if (j.is_object() && j.contains("error")) {
      const json& e = j["error"];
      std::string code = e.is_object() ? e.value("code", "") : "";
      std::string summary = e.is_object() && e.contains("summary") && e["summary"].is_string()
                                ? e["summary"].get<std::string>() : std::string();
      if (code == "E404") return fail(ErrorCode::kNotFound, summary.empty() ? "E404" : summary);
      return fail(ErrorCode::kUnavailable, "npm view " + spec + ": " + code + " " + summary);
    }
    if (out->exit_code != 0 && out->out.empty()) {
      return fail(ErrorCode::kUnavailable, "npm view " + spec + " failed: " + out->err.substr(0, 400));
    }
    if (out->out.find_first_not_of(" \n\r\t") == std::string::npos) {
      return fail(ErrorCode::kNotFound, "no version of " + spec + " is served");
    }
    return parseNpmView(out->out);
  }

  Result<std::string> readme(const std::string& spec) override {
    std::error_code ec;
    char dir_template[] = "/tmp/onemcp-npm-pack-XXXXXX";
    if (::mkdtemp(dir_template) == nullptr) return fail(ErrorCode::kIo, "cannot make a temporary folder");
    const std::filesystem::path dir = dir_template;
    auto cleanup = [&dir] {
      std::error_code ignored;
      std::filesystem::remove_all(dir, ignored);
    };
    auto packed = runner_.run({"npm", "pack", spec, "--json", "--pack-destination", dir.string()},
                              std::chrono::seconds(60));
    json list = packed && packed->exit_code == 0 ? json::parse(packed->out, nullptr, false) : json();
    if (!list.is_array() || list.empty() || !list[0].is_object() || !list[0].contains("filename")) {
      cleanup();
      return fail(ErrorCode::kUnavailable, "npm pack " + spec + " gave no tarball");
    }
    const std::string tarball = (dir / list[0].value("filename", "")).string();
    std::string entry;
    for (const auto& f : list[0].value("files", json::array())) {
      std::string path = f.is_object() ? f.value("path", "") : "";
      std::string lower = path;
      for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      if (lower == "readme.md" || lower == "readme" || lower == "readme.markdown") entry = "package/" + path;
    }
    if (entry.empty()) {
      cleanup();
      return fail(ErrorCode::kNotFound, spec + " ships no README");
    }
    auto text = runner_.run({"tar", "-xzOf", tarball, entry}, std::chrono::seconds(30));
    cleanup();
    if (!text || text->exit_code != 0) return fail(ErrorCode::kUnavailable, "cannot read " + entry + " of " + spec);
    if (text->out.size() > (1U << 20)) text->out.resize(1U << 20);
    return std::move(text->out);
  }

 private:
  CommandRunner& runner_;
  std::chrono::milliseconds timeout_;
};

class GitCliClient final : public GitClient {
 public:
  explicit GitCliClient(CommandRunner& runner) : runner_(runner) {}
  Result<void> clone(const std::string& url, const std::string& ref, const fs::path& dest) override {
    std::vector<std::string> argv{"git", "clone", "--quiet", "--depth", "1"};
    if (!ref.empty()) {
      argv.push_back("--branch");
      argv.push_back(ref);
    }
    argv.push_back(url);
    argv.push_back(dest.string());
    auto out = runner_.run(argv, std::chrono::seconds(120));
    if (!out) return fail(out.error().wrap("git clone " + url));
    if (out->exit_code != 0) {
      return fail(ErrorCode::kUnavailable, "git clone " + url + " failed: " + out->err.substr(0, 400));
    }
    return {};
  }

 private:
  CommandRunner& runner_;
};

class ProbingReachability final : public Reachability {
 public:
  explicit ProbingReachability(CommandRunner& runner) : runner_(runner) {}

  bool pypi() override {
    if (!pypi_) {
      // pip's own configuration names the index; pip's built-in default applies otherwise.
      static constexpr const char* kProbe =
          "import subprocess,sys,urllib.request\n"
          "try:\n"
          "  url=subprocess.run([sys.executable,'-m','pip','config','get','global.index-url'],"
          "capture_output=True,text=True,timeout=10).stdout.strip()\n"
          "except Exception:\n  url=''\n"
          "url=url or 'https://pypi.org/simple/'\n"
          "urllib.request.urlopen(url.rstrip('/')+'/pip/',timeout=8)\n";
      auto out = runner_.run({"python3", "-c", kProbe}, std::chrono::seconds(25));
      pypi_ = out && out->exit_code == 0;
    }
    return *pypi_;
  }
  bool gitHost(const std::string& url) override {
    auto it = git_.find(url);
    if (it != git_.end()) return it->second;
    auto out = runner_.run({"git", "ls-remote", "--exit-code", url, "HEAD"}, std::chrono::seconds(20));
    return git_[url] = out && out->exit_code == 0;
  }
  bool imageRegistry(const std::string& reference) override {
    auto out = runner_.run({"docker", "image", "inspect", reference}, std::chrono::seconds(20));
    return out && out->exit_code == 0;
  }

 private:
  CommandRunner& runner_;
  std::optional<bool> pypi_;
  std::map<std::string, bool> git_;
};

std::string normalize(const std::string& path) {
  std::string p = path;
  while (p.starts_with("./")) p.erase(0, 2);
  while (!p.empty() && p.back() == '/') p.pop_back();
  return p;
}

}  // namespace

std::optional<fs::path> DiskTree::inside(const std::string& path) const {
  fs::path rel = fs::path(normalize(path)).lexically_normal();
  if (rel.is_absolute() || (!rel.empty() && *rel.begin() == "..")) return std::nullopt;
  return rel.empty() || rel == "." ? root_ : root_ / rel;
}

std::optional<std::string> DiskTree::read(const std::string& path) const {
  auto p = inside(path);
  std::error_code ec;
  if (!p || !fs::is_regular_file(*p, ec)) return std::nullopt;
  std::ifstream in(*p, std::ios::binary);
  if (!in) return std::nullopt;
  std::string text(kMaxFileBytes, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<std::size_t>(in.gcount()));
  return text;
}

bool DiskTree::isDirectory(const std::string& path) const {
  auto p = inside(path);
  std::error_code ec;
  return p && fs::is_directory(*p, ec);
}

std::vector<std::string> DiskTree::list(const std::string& dir) const {
  std::vector<std::string> names;
  auto p = inside(dir);
  std::error_code ec;
  if (!p) return names;
  for (fs::directory_iterator it(*p, ec), end; !ec && it != end; it.increment(ec)) {
    names.push_back(it->path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::optional<std::string> MemoryTree::read(const std::string& path) const {
  auto it = files_.find(normalize(path));
  if (it == files_.end()) return std::nullopt;
  return it->second;
}

bool MemoryTree::isDirectory(const std::string& path) const {
  std::string p = normalize(path);
  if (p.empty()) return true;
  auto it = files_.lower_bound(p + "/");
  return it != files_.end() && it->first.starts_with(p + "/");
}

std::vector<std::string> MemoryTree::list(const std::string& dir) const {
  std::string prefix = normalize(dir);
  if (!prefix.empty()) prefix += "/";
  std::set<std::string> names;
  for (const auto& [path, content] : files_) {
    if (!path.starts_with(prefix)) continue;
    std::string rest = path.substr(prefix.size());
    names.insert(rest.substr(0, rest.find('/')));
  }
  return {names.begin(), names.end()};
}

Result<NpmPackage> parseNpmView(std::string_view text) {
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded()) return fail(ErrorCode::kInvalidInput, "npm view output is not JSON");
  if (j.is_array()) {
    if (j.empty()) return fail(ErrorCode::kNotFound, "no version matches");
    j = j.back();  // a range answers every matching version, oldest first
  }
  if (!j.is_object()) return fail(ErrorCode::kInvalidInput, "npm view output is not an object");
  NpmPackage pkg;
  pkg.manifest = nodeManifestFromJson(j);
  if (auto v = j.find("versions"); v != j.end()) {
    if (v->is_array()) {
      for (const auto& x : *v) {
        if (x.is_string()) pkg.versions.push_back(x.get<std::string>());
      }
    } else if (v->is_string()) {
      pkg.versions.push_back(v->get<std::string>());
    }
  }
  if (auto tags = j.find("dist-tags"); tags != j.end() && tags->is_object()) {
    auto latest = tags->find("latest");
    if (latest != tags->end() && latest->is_string()) pkg.latest = latest->get<std::string>();
  }
  if (pkg.latest.empty()) pkg.latest = pkg.manifest.version;
  return pkg;
}

std::unique_ptr<CommandRunner> makeProcessRunner() { return std::make_unique<ProcessRunner>(); }
std::unique_ptr<NpmRegistry> makeNpmCliRegistry(CommandRunner& runner, std::chrono::milliseconds timeout) {
  return std::make_unique<NpmCliRegistry>(runner, timeout);
}
std::unique_ptr<GitClient> makeGitCliClient(CommandRunner& runner) { return std::make_unique<GitCliClient>(runner); }
std::unique_ptr<Reachability> makeProbingReachability(CommandRunner& runner) {
  return std::make_unique<ProbingReachability>(runner);
}

}  // namespace onemcp::sandbox
