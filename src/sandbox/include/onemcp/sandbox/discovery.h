// Run-spec discovery: from an input (npm spec, PyPI name, OCI reference, server.json,
// local folder, Git URL, mcpServers block, launch command) to a RunSpec with evidence, or
// a specific reason why it cannot be run here. Outside effects (npm registry, git,
// reachability of PyPI/Git/OCI registries) come in through DiscoveryServices.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "onemcp/common/result.h"
#include "onemcp/sandbox/detect.h"
#include "onemcp/sandbox/run_spec.h"
#include "onemcp/sandbox/sources.h"

namespace onemcp::sandbox {

enum class InputKind { kNpm, kPypi, kOci, kServerJson, kFolder, kGit, kMcpServers, kCommand };
std::string_view toString(InputKind kind);

// Ordered from "runs here" to "cannot even be read".
enum class Outcome {
  kRunnable,      // a spec; nothing the user must supply
  kNeedsSecret,   // a spec; the user must supply the named secrets
  kNeedsConfig,   // a spec; the user must supply non-secret settings or paths
  kNotServed,     // the package is not served by the configured npm registry
  kUnreachable,   // PyPI / Git host / image registry not reachable from here
  kRemoteOnly,    // only a remote endpoint: nothing to run locally
  kUnsupported,   // a package kind no runtime image can run (mcpb, nuget, deno, go...)
  kNoEntryPoint,  // the files name nothing that starts a server
  kInvalid,       // the input itself is malformed
};
std::string_view toString(Outcome outcome);

struct Discovery {
  Discovery() = default;
  Discovery(std::string in, InputKind k) : input(std::move(in)), kind(k) {}

  std::string input;  // as given, or a label ("servers_latest.jsonl line 3")
  InputKind kind = InputKind::kNpm;
  Outcome outcome = Outcome::kRunnable;
  std::string reason;  // specific, for people; empty when runnable
  std::optional<RunSpec> spec;

  [[nodiscard]] nlohmann::json toJson() const;
};

// Where a source folder is mounted in the container (read-only grant), and where the
// install step works on a writable copy when it must install or build.
inline constexpr std::string_view kSourceMount = "/srv/mcp";

class Discoverer {
 public:
  explicit Discoverer(DiscoveryServices services) : services_(std::move(services)) {}

  // Classifies `input` and discovers from it.
  Discovery discover(std::string_view input);

  Discovery fromNpm(std::string_view spec, std::vector<std::string> args = {},
                    std::map<std::string, std::string> env = {});
  Discovery fromPypi(std::string_view spec);
  Discovery fromOci(std::string_view reference);
  Discovery fromServerJson(const nlohmann::json& server);
  // Every server of an mcpServers block (a client config or README).
  std::vector<Discovery> fromMcpServers(const nlohmann::json& block, std::string_view origin);
  Discovery fromLaunch(const LaunchCommand& command);
  // `host_path` is the folder the tree reads (mounted into the container).
  Discovery fromFolder(const SourceTree& tree, const std::string& host_path);
  Discovery fromGit(std::string_view url);
  // A source archive (a Python sdist `name-1.0.tar.gz`, an npm `.tgz`): unpacked into the
  // work folder and read as the folder it holds.
  Discovery fromArchive(const std::string& path);

 private:
  static Discovery failWithCopy(Discovery d, Outcome outcome, std::string reason);
  Discovery launchNpx(const LaunchCommand& command, std::size_t first);
  Discovery launchPython(const LaunchCommand& command);
  Discovery launchDocker(const LaunchCommand& command);
  Discovery fromPythonPackage(const std::string& package, const std::vector<std::string>& extra,
                              const std::string& command, std::vector<std::string> args);

  DiscoveryServices services_;
};

// Which kind of input a string is (see docs/run-spec.md for the rules).
InputKind classifyInput(std::string_view input, const SourceTree* cwd_probe = nullptr);

// A stable server name for labels and tool prefixes: "@scope/mcp-x" -> "mcp-x".
std::string serverNameFrom(std::string_view package);

// Outcome counts over many discoveries (the registry census).
struct Census {
  std::map<std::string, int> by_outcome;
  std::map<std::string, int> by_reason;  // reasons with variable parts folded
  int total = 0;
  int pinned_not_served = 0;  // runnable on the newest served version instead of the pinned one
  void add(const Discovery& d);
  [[nodiscard]] nlohmann::json toJson() const;
};

}  // namespace onemcp::sandbox
