// The policy that turns a run spec into a container: deny by default (no network,
// read-only root, tmpfs scratch, all capabilities dropped, no-new-privileges, uid 1000,
// memory/CPU/PID limits, only granted host paths), and the separate, networked install
// step. Pure functions of their inputs, so every rule has a unit test.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "onemcp/common/result.h"
#include "onemcp/sandbox/docker_client.h"
#include "onemcp/sandbox/run_spec.h"

namespace onemcp::sandbox {

inline constexpr std::string_view kPkgDir = "/opt/onemcp/pkg";
inline constexpr std::string_view kDataDir = "/data";
// Owner label of the shared package caches (kept across runs, like images).
inline constexpr std::string_view kCacheOwner = "cache";
inline constexpr std::string_view kHostCaBundle = "/etc/ssl/certs/ca-certificates.crt";

struct Limits {
  std::int64_t memory_bytes = 512LL << 20;
  std::int64_t nano_cpus = 1'000'000'000;  // one CPU
  std::int64_t pids = 256;
  std::int64_t tmpfs_bytes = 64LL << 20;
};

struct HostPolicy {
  // Label io.onemcp.owner: who owns the containers (a daemon, the CLI, one test).
  std::string owner = "onemcp";
  Limits limits;
  Limits install_limits{1LL << 30, 2'000'000'000, 1024, 512LL << 20};
  // Host CA bundle bind-mounted into install containers (empty or absent: none).
  std::string ca_bundle = std::string(kHostCaBundle);
  // From the host's configuration: npm_config_registry, PIP_INDEX_URL, HTTP(S)_PROXY...
  std::map<std::string, std::string> install_env;
  // Stdio servers keep their stdin open when their attach ends (StdinOnce off), so that a
  // new host process can attach again after the old one died (the orchestrator daemon).
  bool reattachable_stdio = false;
  // Restart policy for HTTP servers (stdio servers are restarted by their owner).
  std::string http_restart_policy = "on-failure";
  int http_restart_retries = 3;
};

// Docker object names for one server: [a-zA-Z0-9][a-zA-Z0-9_.-]*.
std::string sanitizeName(std::string_view text);
// Volume holding a server's installed packages, keyed by image, package list and build
// command; for a from_source install also by `source_key` (a fingerprint of the folder).
std::string packageVolumeName(const RunSpec& spec, const std::string& image,
                              std::string_view source_key = {});
// Per-server writable data volume (kept across restarts).
std::string dataVolumeName(const std::string& owner, const RunSpec& spec);

// The labels for any object created for `spec`.
Labels serverLabels(const HostPolicy& policy, const RunSpec& spec, std::string_view instance,
                    std::string_view role);

// argv of installing the step's packages (npm or pip into kPkgDir); empty for kNone.
std::vector<std::string> installCommand(const InstallStep& step);
// argv of the whole install step of `spec`: the packages, or for from_source the copy of
// the source folder into kSourceCopyDir and its dependencies (npm ci / npm install there;
// pip install of the copy into the venv); then the build command, if any, in the
// (relocated) working dir. A plain package install is installCommand(); the rest is one
// `sh -c` script with every word quoted.
std::vector<std::string> installArgv(const RunSpec& spec);

// The networked install container: the package volume read-write, host CA bundle and
// registry/proxy settings, hardened otherwise. A from_source folder's grant is mounted
// read-only at its place, to be copied from.
ContainerConfig installConfig(const RunSpec& spec, const std::string& image,
                              const HostPolicy& policy, std::string_view instance,
                              bool ca_bundle_present, std::string_view source_key = {});

struct RunInputs {
  std::string image;
  std::string instance;
  // Values for the spec's env vars that have none (secrets, user settings).
  std::map<std::string, std::string> env_values;
  // Network to join when the spec has no network grant but serves HTTP (internal).
  std::string private_network;
  // from_source: the folder's fingerprint (names the package volume).
  std::string source_key{};
};

// The server container. Fails (kInvalidInput, naming the server) for a missing command,
// a required env var without a value, or a grant that is not an absolute, clean path.
// A from_source server runs from its built copy: working dir and command paths inside the
// source folder are moved to kSourceCopyDir.
Result<ContainerConfig> runConfig(const RunSpec& spec, const HostPolicy& policy,
                                  const RunInputs& inputs);

}  // namespace onemcp::sandbox
