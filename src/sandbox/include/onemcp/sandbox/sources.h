// The outside world discovery reads: source trees (a folder on disk, or in memory for
// tests), the npm registry as npm itself is configured, git, and whether PyPI, a Git
// host or an image registry can be reached from here. Each is an interface with a real
// implementation that runs the ordinary client (npm, git, docker) as a subprocess.
#pragma once

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "onemcp/common/result.h"
#include "onemcp/sandbox/detect.h"

namespace onemcp::sandbox {

// Read-only view of a server's files; paths are relative ("packages/x/package.json").
class SourceTree {
 public:
  virtual ~SourceTree() = default;
  [[nodiscard]] virtual std::optional<std::string> read(const std::string& path) const = 0;
  [[nodiscard]] virtual bool isDirectory(const std::string& path) const = 0;
  // Names (not paths) of the entries of a directory ("" is the root), sorted.
  [[nodiscard]] virtual std::vector<std::string> list(const std::string& dir) const = 0;
};

// A folder on disk. Reads at most kMaxFileBytes of a file; never follows paths out of it.
class DiskTree final : public SourceTree {
 public:
  static constexpr std::size_t kMaxFileBytes = 1 << 20;
  explicit DiskTree(std::filesystem::path root) : root_(std::move(root)) {}
  [[nodiscard]] std::optional<std::string> read(const std::string& path) const override;
  [[nodiscard]] bool isDirectory(const std::string& path) const override;
  [[nodiscard]] std::vector<std::string> list(const std::string& dir) const override;

 private:
  [[nodiscard]] std::optional<std::filesystem::path> inside(const std::string& path) const;
  std::filesystem::path root_;
};

// Files held in memory: path -> content. Directories are implied by the paths.
class MemoryTree final : public SourceTree {
 public:
  explicit MemoryTree(std::map<std::string, std::string> files) : files_(std::move(files)) {}
  [[nodiscard]] std::optional<std::string> read(const std::string& path) const override;
  [[nodiscard]] bool isDirectory(const std::string& path) const override;
  [[nodiscard]] std::vector<std::string> list(const std::string& dir) const override;

 private:
  std::map<std::string, std::string> files_;
};

// What the npm registry says about one package version.
struct NpmPackage {
  NodeManifest manifest;              // of the version asked for (or the newest)
  std::vector<std::string> versions;  // every version served
  std::string latest;                 // dist-tags.latest
};

class NpmRegistry {
 public:
  virtual ~NpmRegistry() = default;
  // `spec` is "name" or "name@version". kNotFound when the registry does not serve the
  // package (or that version); kUnavailable when the registry cannot be asked at all.
  virtual Result<NpmPackage> view(const std::string& spec) = 0;
  // The README the package ships (from its tarball), for what package.json does not say
  // (e.g. the environment its launch examples set). kNotFound when it has none.
  virtual Result<std::string> readme(const std::string& spec) {
    return fail(ErrorCode::kNotFound, "no README of " + spec + " looked up");
  }
};

class GitClient {
 public:
  virtual ~GitClient() = default;
  // Shallow clone of `url` (at `ref` when not empty) into the new folder `dest`.
  virtual Result<void> clone(const std::string& url, const std::string& ref,
                             const std::filesystem::path& dest) = 0;
};

class Reachability {
 public:
  virtual ~Reachability() = default;
  virtual bool pypi() = 0;
  virtual bool gitHost(const std::string& url) = 0;
  virtual bool imageRegistry(const std::string& reference) = 0;
};

// Fixed answers: for tests and for the offline census.
class FixedReachability final : public Reachability {
 public:
  FixedReachability(bool pypi, bool git, bool images) : pypi_(pypi), git_(git), images_(images) {}
  bool pypi() override { return pypi_; }
  bool gitHost(const std::string&) override { return git_; }
  bool imageRegistry(const std::string&) override { return images_; }

 private:
  bool pypi_;
  bool git_;
  bool images_;
};

// Runs a program to completion and captures its output.
struct CommandOutput {
  int exit_code = -1;
  std::string out;
  std::string err;
};
class CommandRunner {
 public:
  virtual ~CommandRunner() = default;
  virtual Result<CommandOutput> run(const std::vector<std::string>& argv, std::chrono::milliseconds timeout,
                                    const std::string& cwd = {}) = 0;
};
std::unique_ptr<CommandRunner> makeProcessRunner();

// Keeps the answers of another runner in a JSONL file (argv -> exit code, stdout, stderr)
// and gives them back for `max_age`: the online census asks npm once per package, not
// once per run. Only `npm view` lookups are kept; other commands (`npm pack` of a README)
// pass through. A command that could not be run, or timed out, is not kept. Safe to call
// from several threads; the inner runner is called without the lock held.
class CachingRunner final : public CommandRunner {
 public:
  CachingRunner(CommandRunner& inner, std::filesystem::path file, std::chrono::seconds max_age);
  Result<CommandOutput> run(const std::vector<std::string>& argv, std::chrono::milliseconds timeout,
                            const std::string& cwd = {}) override;
  [[nodiscard]] int hits() const;
  [[nodiscard]] int misses() const;

 private:
  struct Entry {
    CommandOutput output;
    std::int64_t at = 0;  // seconds since the epoch
  };
  CommandRunner& inner_;
  std::filesystem::path file_;
  std::chrono::seconds max_age_;
  mutable std::mutex mu_;
  std::map<std::string, Entry> entries_;  // guarded by mu_; key: argv joined by NUL
  int hits_ = 0;                          // guarded by mu_
  int misses_ = 0;                        // guarded by mu_
};

// `npm view <spec> --json` through npm's own configuration (registry, proxy, CA).
// `timeout` bounds each lookup; a lookup that takes longer is kUnavailable, never a hang.
std::unique_ptr<NpmRegistry> makeNpmCliRegistry(CommandRunner& runner,
                                                std::chrono::milliseconds timeout = std::chrono::seconds(60));
// `git clone --depth 1`.
std::unique_ptr<GitClient> makeGitCliClient(CommandRunner& runner);
// Asks once and remembers: PyPI through pip's configured index, a Git host by
// `git ls-remote`, an image by `docker image inspect` (present locally).
std::unique_ptr<Reachability> makeProbingReachability(CommandRunner& runner);

// Parses `npm view --json` output (an object, or an array of them for a range).
Result<NpmPackage> parseNpmView(std::string_view text);

// Collaborators of a Discoverer. npm may be null: packages are then not looked up (the
// census does not query the registry in bulk) and the spec says so.
struct DiscoveryServices {
  NpmRegistry* npm = nullptr;
  GitClient* git = nullptr;
  Reachability* reach = nullptr;
  std::filesystem::path work_dir;  // where Git inputs are cloned
};

}  // namespace onemcp::sandbox
