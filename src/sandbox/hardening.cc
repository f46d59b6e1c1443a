#include "onemcp/sandbox/hardening.h"

#include <algorithm>
#include <array>
#include <filesystem>
#include <functional>

#include "onemcp/sandbox/source_build.h"

namespace onemcp::sandbox {
namespace {

Error specError(const RunSpec& spec, const std::string& what) {
  return Error(ErrorCode::kInvalidInput, "server '" + spec.name + "': " + what);
}

// Paths a grant may not cover or hide: the sandbox's own mounts and the kernel's.
constexpr std::array<std::string_view, 9> kReservedTargets{
    "/", "/proc", "/sys", "/dev", "/tmp", "/data", "/opt/onemcp", "/etc", "/usr"};

Result<void> checkPath(const RunSpec& spec, const std::string& path, const char* which) {
  const std::filesystem::path p(path);
  if (path.empty() || !p.is_absolute()) {
    return fail(specError(spec, std::string("grant ") + which + " '" + path +
                                    "' must be an absolute path"));
  }
  for (const auto& part : p) {
    if (part == "..") {
      return fail(specError(spec, std::string("grant ") + which + " '" + path +
                                      "' must not contain '..'"));
    }
  }
  if (path.find(',') != std::string::npos) {
    return fail(specError(spec, std::string("grant ") + which + " '" + path +
                                    "' must not contain ','"));
  }
  return {};
}

// A grant may sit below /tmp or /data, but not replace or hide a reserved path, nor go
// inside the kernel's filesystems.
Result<void> checkTarget(const RunSpec& spec, const std::string& target) {
  for (auto reserved : kReservedTargets) {
    const std::string r(reserved);
    const bool covers = target == r || r.rfind(target + "/", 0) == 0;
    const bool kernel = r == "/proc" || r == "/sys" || r == "/dev";
    if (covers || (kernel && target.rfind(r + "/", 0) == 0)) {
      return fail(specError(spec, "grant target '" + target + "' would cover " + r));
    }
  }
  return {};
}

std::string hex(std::size_t v) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (int i = 0; i < 12; ++i, v >>= 4) out.push_back(kHex[v & 15]);
  return out;
}

// One word for sh: single-quoted, with embedded quotes closed and escaped.
std::string shellQuote(std::string_view word) {
  std::string out = "'";
  for (char ch : word) {
    if (ch == '\'') {
      out += "'\\''";
    } else {
      out.push_back(ch);
    }
  }
  return out + "'";
}

std::vector<std::string> baseEnv() {
  return {"HOME=/tmp", "npm_config_cache=/tmp/.npm", "npm_config_update_notifier=false",
          "PYTHONDONTWRITEBYTECODE=1"};
}

}  // namespace

std::string sanitizeName(std::string_view text) {
  std::string out;
  for (char c : text) {
    const bool ok = std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '.' ||
                    c == '-';
    out.push_back(ok ? static_cast<char>(std::tolower(static_cast<unsigned char>(c))) : '-');
  }
  while (!out.empty() && !std::isalnum(static_cast<unsigned char>(out.front()))) out.erase(0, 1);
  if (out.empty()) out = "server";
  return out.substr(0, 100);
}

std::string packageVolumeName(const RunSpec& spec, const std::string& image,
                              std::string_view source_key) {
  std::string key = image + '\0' + std::string(toString(spec.install.kind));
  for (const auto& p : spec.install.packages) key += '\0' + p;
  // Separators with NULs, as string_views: a const char* would end at the first NUL.
  using namespace std::string_view_literals;
  if (spec.install.from_source) (key += "\0from-source\0"sv) += source_key;
  for (const auto& b : spec.install.build_command) (key += "\0build\0"sv) += b;
  // std::hash is stable for one build; the image tag already pins the runtime, and a
  // different build at worst reinstalls once.
  return "onemcp-pkg-" + sanitizeName(spec.name).substr(0, 40) + "-" +
         hex(std::hash<std::string>{}(key));
}

std::string dataVolumeName(const std::string& owner, const RunSpec& spec) {
  return "onemcp-data-" + sanitizeName(owner).substr(0, 40) + "-" + sanitizeName(spec.name);
}

Labels serverLabels(const HostPolicy& policy, const RunSpec& spec, std::string_view instance,
                    std::string_view role) {
  Labels l{{std::string(kLabelManaged), "true"},
           {std::string(kLabelOwner), policy.owner},
           {std::string(kLabelServer), spec.name},
           {std::string(kLabelRole), std::string(role)}};
  if (!instance.empty()) l[std::string(kLabelInstance)] = std::string(instance);
  return l;
}

std::vector<std::string> installCommand(const InstallStep& step) {
  std::vector<std::string> argv;
  switch (step.kind) {
    case InstallKind::kNone:
      return argv;
    case InstallKind::kNpm:
      argv = {"npm", "install", "--prefix", std::string(kPkgDir), "--no-audit", "--no-fund",
              "--omit=dev", "--loglevel=error"};
      break;
    case InstallKind::kPip:
      argv = {"sh", "-c",
              "python3 -m venv /opt/onemcp/pkg/venv && "
              "/opt/onemcp/pkg/venv/bin/pip install --no-cache-dir --disable-pip-version-check "
              "\"$@\"",
              "pip-install"};
      break;
  }
  argv.insert(argv.end(), step.packages.begin(), step.packages.end());
  return argv;
}

std::vector<std::string> installArgv(const RunSpec& spec) {
  const InstallStep& step = spec.install;
  if (!step.from_source && step.build_command.empty()) return installCommand(step);
  const std::string copy(kSourceCopyDir);
  std::string script = "set -e\n";
  std::string source;
  if (step.from_source && !step.packages.empty()) {
    source = step.packages.front();
    script += "mkdir -p " + shellQuote(copy) + "\ntar -C " + shellQuote(source) +
              " --exclude=./node_modules --exclude=./.git -cf - . | tar -C " + shellQuote(copy) +
              " -xf -\ncd " + shellQuote(copy) + "\n";
    if (step.kind == InstallKind::kNpm) {
      script += "if [ -f package-lock.json ]; then npm ci --no-audit --no-fund --loglevel=error; "
                "else npm install --no-audit --no-fund --loglevel=error; fi\n";
    } else if (step.kind == InstallKind::kPip) {
      InstallStep pip{InstallKind::kPip, {copy}};
      script += "sh -c " + shellQuote(installCommand(pip)[2]) + " pip-install " +
                shellQuote(copy) + "\n";
    }
  } else if (step.kind != InstallKind::kNone) {
    for (const auto& word : installCommand(step)) script += shellQuote(word) + " ";
    script += "\n";
  }
  if (!step.build_command.empty()) {
    const std::string wd = !spec.working_dir.empty()
                               ? relocateToSourceCopy(spec.working_dir, source)
                               : (source.empty() ? std::string(kPkgDir) : copy);
    script += "cd " + shellQuote(wd) + "\n";
    for (const auto& word : step.build_command) script += shellQuote(word) + " ";
    script += "\n";
  }
  return {"sh", "-c", script};
}

ContainerConfig installConfig(const RunSpec& spec, const std::string& image,
                              const HostPolicy& policy, std::string_view instance,
                              bool ca_bundle_present, std::string_view source_key) {
  ContainerConfig c;
  c.image = image;
  c.cmd = installArgv(spec);
  c.env = baseEnv();
  for (const auto& [k, v] : policy.install_env) c.env.push_back(k + "=" + v);
  c.labels = serverLabels(policy, spec, instance, "install");
  c.network_mode = "bridge";
  c.working_dir = std::string(kPkgDir);
  c.mounts.push_back({MountSpec::Type::kTmpfs, "", "/tmp", false, policy.install_limits.tmpfs_bytes});
  c.mounts.push_back({MountSpec::Type::kVolume, packageVolumeName(spec, image, source_key),
                      std::string(kPkgDir), false, 0});
  if (spec.install.from_source) {
    if (auto src = sourceFolder(spec)) {
      const auto& g = src->grant;
      c.mounts.push_back({MountSpec::Type::kBind, g.host_path,
                          g.container_path.empty() ? g.host_path : g.container_path, true, 0});
    }
  }
  if (ca_bundle_present && !policy.ca_bundle.empty()) {
    c.mounts.push_back({MountSpec::Type::kBind, policy.ca_bundle, std::string(kHostCaBundle),
                        true, 0});
    c.env.push_back("NODE_EXTRA_CA_CERTS=" + std::string(kHostCaBundle));
    c.env.push_back("PIP_CERT=" + std::string(kHostCaBundle));
    c.env.push_back("SSL_CERT_FILE=" + std::string(kHostCaBundle));
  }
  c.memory_bytes = policy.install_limits.memory_bytes;
  c.nano_cpus = policy.install_limits.nano_cpus;
  c.pids_limit = policy.install_limits.pids;
  return c;
}

Result<ContainerConfig> runConfig(const RunSpec& spec, const HostPolicy& policy,
                                  const RunInputs& in) {
  // An image of its own may run its ENTRYPOINT/CMD; every other runtime needs a command.
  if (spec.command.empty() && spec.runtime != Runtime::kImage) {
    return fail(specError(spec, "run spec has no command"));
  }
  ContainerConfig c;
  c.name = "onemcp-" + sanitizeName(policy.owner).substr(0, 30) + "-" +
           sanitizeName(spec.name).substr(0, 40) + "-" + in.instance;
  c.image = in.image;
  c.cmd = spec.command;
  c.env = baseEnv();
  c.env.emplace_back("npm_config_offline=true");
  for (const auto& e : spec.env) {
    auto given = in.env_values.find(e.name);
    if (given != in.env_values.end()) {
      c.env.push_back(e.name + "=" + given->second);
    } else if (e.value && !e.secret) {
      c.env.push_back(e.name + "=" + *e.value);
    } else if (e.required) {
      return fail(specError(spec, "needs environment variable " + e.name +
                                      (e.secret ? " (secret)" : "") + " and none was given"));
    }
  }
  c.labels = serverLabels(policy, spec, in.instance, "server");
  c.attach_stdin = spec.transport.kind == TransportKind::kStdio;
  c.stdin_once = !policy.reattachable_stdio;
  c.working_dir = !spec.working_dir.empty()                  ? spec.working_dir
                  : spec.runtime == Runtime::kImage         ? std::string()  // its WORKDIR
                  : spec.install.kind == InstallKind::kNone ? std::string(kDataDir)
                                                            : std::string(kPkgDir);
  if (spec.install.from_source) {
    auto src = sourceFolder(spec);
    if (!src) return fail(src.error());
    c.working_dir = relocateToSourceCopy(c.working_dir, src->container_path);
    for (auto& word : c.cmd) word = relocateToSourceCopy(word, src->container_path);
  }
  c.network_mode = spec.network ? "bridge" : "none";
  if (spec.transport.kind != TransportKind::kStdio) {
    if (spec.transport.port == 0) return fail(specError(spec, "HTTP transport has no port"));
    if (spec.network) {
      c.publish_port = spec.transport.port;
    } else {
      if (in.private_network.empty()) {
        return fail(specError(spec, "HTTP server without network needs a private network"));
      }
      c.network_mode = in.private_network;
    }
    c.restart_policy = policy.http_restart_policy;
    c.restart_max_retries = policy.http_restart_retries;
  }
  c.mounts.push_back({MountSpec::Type::kTmpfs, "", "/tmp", false, policy.limits.tmpfs_bytes});
  c.mounts.push_back({MountSpec::Type::kVolume, dataVolumeName(policy.owner, spec),
                      std::string(kDataDir), false, 0});
  if (spec.install.kind != InstallKind::kNone) {
    c.mounts.push_back({MountSpec::Type::kVolume, packageVolumeName(spec, in.image, in.source_key),
                        std::string(kPkgDir), true, 0});
  }
  for (const auto& g : spec.grants) {
    const std::string target = g.container_path.empty() ? g.host_path : g.container_path;
    ONEMCP_TRY(checkPath(spec, g.host_path, "host path"));
    ONEMCP_TRY(checkPath(spec, target, "container path"));
    ONEMCP_TRY(checkTarget(spec, target));
    c.mounts.push_back({MountSpec::Type::kBind, g.host_path, target, !g.read_write, 0});
  }
  c.memory_bytes = policy.limits.memory_bytes;
  c.nano_cpus = policy.limits.nano_cpus;
  c.pids_limit = policy.limits.pids;
  return c;
}

}  // namespace onemcp::sandbox
