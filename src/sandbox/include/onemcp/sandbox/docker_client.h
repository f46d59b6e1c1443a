// The Docker Engine API as OneMCP uses it: images, containers, volumes, networks and
// attach. An interface so that the server host, the verifier and the proxy can be tested
// with a fake; makeEngineClient() (engine_client.h) talks to a real engine.
// Every call is bounded in time and returns a Result; none throws.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "onemcp/common/result.h"

namespace onemcp::sandbox {

using Labels = std::map<std::string, std::string>;
// Label filter: every key must be present; a non-empty value must match exactly.
using LabelFilter = std::map<std::string, std::string>;

struct EngineVersion {
  std::string version;      // "20.10.24"
  std::string api_version;  // "1.41"
  std::string os;
  std::string kernel;
};

struct ImageInfo {
  std::string id;
  std::vector<std::string> tags;
  Labels labels;
  std::int64_t size = 0;
};

struct ImageImport {
  std::string repo;  // "onemcp/node"
  std::string tag;   // "22-1a2b3c4d5e6f"
  // Dockerfile instructions applied on import: "USER 1000", "ENV PATH=...", "LABEL k=v".
  std::vector<std::string> changes;
};

// An image built from a Dockerfile's folder (POST /build).
struct ImageBuild {
  std::string tag;                       // "onemcp-local/name:latest"
  std::string dockerfile = "Dockerfile";  // path inside the context
  Labels labels;
};

struct MountSpec {
  enum class Type { kBind, kVolume, kTmpfs };
  Type type = Type::kBind;
  std::string source;  // host path (bind) or volume name; unused for tmpfs
  std::string target;  // path inside the container
  bool read_only = true;
  std::int64_t tmpfs_bytes = 0;  // tmpfs only; 0: engine default
};

// Everything OneMCP sets on a container. Defaults are the hardened ones.
struct ContainerConfig {
  std::string name;  // empty: engine-chosen
  std::string image;
  std::vector<std::string> cmd;
  std::vector<std::string> entrypoint;  // empty: the image's
  // "NAME=value". May hold secrets: never logged (see describe()).
  std::vector<std::string> env;
  std::string user = "1000:1000";
  std::string working_dir;
  Labels labels;
  bool attach_stdin = false;  // keep stdin open for a stdio server (closes with the attach)
  // With attach_stdin: the container's stdin closes when the first attach ends. False
  // keeps it open, so that another process can attach again (a restarted daemon).
  bool stdin_once = true;
  // Host side.
  std::string network_mode = "none";
  std::vector<MountSpec> mounts;
  bool read_only_rootfs = true;
  std::vector<std::string> cap_drop{"ALL"};
  std::vector<std::string> security_opt{"no-new-privileges"};
  std::int64_t memory_bytes = 0;  // 0: unlimited
  std::int64_t nano_cpus = 0;     // 1e9 = one CPU; 0: unlimited
  std::int64_t pids_limit = 0;    // 0: unlimited
  std::optional<std::uint16_t> publish_port;  // container port published on 127.0.0.1:<any>
  std::string restart_policy;                 // "", "on-failure", "unless-stopped"
  int restart_max_retries = 0;
  bool init = true;  // docker-init as PID 1: reaps zombies, forwards signals
};

struct ContainerState {
  std::string status;  // created, running, exited, dead...
  bool running = false;
  bool oom_killed = false;
  int exit_code = 0;
  std::string error;
};

struct ContainerInfo {
  std::string id;
  std::string name;
  std::string image;     // as the container was created with it ("onemcp/node:22-…")
  std::string image_id;  // the image it runs ("sha256:…")
  Labels labels;
  ContainerState state;
  int restart_count = 0;
  std::map<std::uint16_t, std::uint16_t> published;  // container port -> host port
  std::map<std::string, std::string> network_ips;    // network name -> IPv4
  std::vector<std::string> volumes;                  // names of the named volumes mounted
};

struct ContainerSummary {
  std::string id;
  std::string name;
  std::string image;
  std::string state;   // running, exited...
  std::string status;  // "Up 3 seconds"
  Labels labels;
};

struct VolumeInfo {
  std::string name;
  Labels labels;
};

struct NetworkInfo {
  std::string id;
  std::string name;
  bool internal = false;
  Labels labels;
  std::string gateway;  // first IPAM gateway when the engine reports one
  std::string subnet;   // first IPAM subnet, e.g. "172.17.0.0/16"
};

struct WaitResult {
  int exit_code = 0;
  std::string error;
};

// One frame of a container's attach or log stream.
enum class StreamKind { kStdin = 0, kStdout = 1, kStderr = 2 };
struct StreamChunk {
  StreamKind kind = StreamKind::kStdout;
  std::string data;
};

// A hijacked attach connection. read() blocks until a chunk arrives or the stream ends
// (kClosed). write()/closeWrite() may be called from another thread than read();
// close() unblocks a pending read().
class AttachStream {
 public:
  virtual ~AttachStream() = default;
  virtual Result<StreamChunk> read() = 0;
  virtual Result<void> write(std::string_view data) = 0;
  virtual Result<void> closeWrite() = 0;  // EOF on the container's stdin
  virtual void close() = 0;
};

using ProgressFn = std::function<void(std::string_view line)>;

class DockerClient {
 public:
  virtual ~DockerClient() = default;

  // Where this client talks to, for messages: "unix:///var/run/docker.sock".
  [[nodiscard]] virtual std::string endpoint() const = 0;
  virtual Result<void> ping() = 0;
  virtual Result<EngineVersion> version() = 0;

  virtual Result<std::vector<ImageInfo>> listImages(const LabelFilter& filter) = 0;
  virtual Result<ImageInfo> inspectImage(const std::string& ref) = 0;  // kNotFound if absent
  // Imports a root filesystem tar as an image; returns the image id.
  virtual Result<std::string> importImage(const std::filesystem::path& tar,
                                          const ImageImport& options) = 0;
  virtual Result<void> removeImage(const std::string& ref, bool force) = 0;
  // Builds an image from a tar of its build context; returns the image id. The engine's
  // output lines go to `progress`; a failing step is an error quoting the engine. The
  // engine pulls a missing base image, so a caller without a registry checks them first.
  virtual Result<std::string> buildImage(const std::filesystem::path& context_tar,
                                         const ImageBuild& options,
                                         const ProgressFn& progress) = 0;

  virtual Result<std::string> createContainer(const ContainerConfig& config) = 0;  // id
  virtual Result<void> startContainer(const std::string& id) = 0;
  virtual Result<void> stopContainer(const std::string& id, std::chrono::seconds grace) = 0;
  virtual Result<void> killContainer(const std::string& id, const std::string& signal) = 0;
  // Waits until the container is not running, at most `timeout` (kTimeout).
  virtual Result<WaitResult> waitContainer(const std::string& id,
                                           std::chrono::milliseconds timeout) = 0;
  virtual Result<void> removeContainer(const std::string& id, bool force) = 0;
  virtual Result<ContainerInfo> inspectContainer(const std::string& id) = 0;
  virtual Result<std::vector<ContainerSummary>> listContainers(const LabelFilter& filter,
                                                               bool include_stopped) = 0;
  // Last `tail` lines of stdout and stderr, interleaved as written (tail 0: all).
  virtual Result<std::string> containerLogs(const std::string& id, int tail) = 0;
  // Attach to stdin/stdout/stderr. Attach before start to miss no output.
  virtual Result<std::unique_ptr<AttachStream>> attachContainer(const std::string& id) = 0;

  virtual Result<void> createVolume(const std::string& name, const Labels& labels) = 0;
  virtual Result<std::optional<VolumeInfo>> inspectVolume(const std::string& name) = 0;
  virtual Result<void> removeVolume(const std::string& name, bool force) = 0;
  virtual Result<std::vector<VolumeInfo>> listVolumes(const LabelFilter& filter) = 0;

  virtual Result<std::string> createNetwork(const std::string& name, const Labels& labels,
                                            bool internal) = 0;  // id
  virtual Result<void> removeNetwork(const std::string& id_or_name) = 0;
  virtual Result<std::vector<NetworkInfo>> listNetworks(const LabelFilter& filter) = 0;
};

// The labels every object OneMCP creates carries.
inline constexpr std::string_view kLabelManaged = "io.onemcp.managed";
inline constexpr std::string_view kLabelOwner = "io.onemcp.owner";
inline constexpr std::string_view kLabelServer = "io.onemcp.server";
inline constexpr std::string_view kLabelInstance = "io.onemcp.instance";
inline constexpr std::string_view kLabelRole = "io.onemcp.role";
// On server containers, so that a new host process can adopt an HTTP server.
inline constexpr std::string_view kLabelTransport = "io.onemcp.transport";
inline constexpr std::string_view kLabelPort = "io.onemcp.port";
inline constexpr std::string_view kLabelPath = "io.onemcp.path";

// A one-line description of a container config for logs, with env values redacted.
std::string describe(const ContainerConfig& config);

}  // namespace onemcp::sandbox
