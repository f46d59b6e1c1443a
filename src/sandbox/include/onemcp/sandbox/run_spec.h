// A run spec says how to run one MCP server in the sandbox: which runtime image, how to
// install it (networked, cached), the command, its environment, the transport, and what it
// needs (network, host paths, secrets). It is a plain, versioned JSON document; discovery
// writes it with the evidence for each field, the server host reads it.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "onemcp/common/result.h"

namespace onemcp::sandbox {

inline constexpr int kRunSpecVersion = 1;

enum class Runtime { kNode, kPython, kImage, kBinary };
// kSse: the legacy HTTP+SSE transport (GET /sse, POST to the announced endpoint).
enum class TransportKind { kStdio, kHttp, kSse };
enum class InstallKind { kNone, kNpm, kPip };

struct EnvVar {
  std::string name;
  std::string description;
  bool required = false;
  bool secret = false;
  std::optional<std::string> value;  // a fixed, non-secret value; never a secret
};

struct Grant {
  std::string host_path;
  std::string container_path;
  bool read_write = false;
};

struct InstallStep {
  InstallKind kind = InstallKind::kNone;
  // Package specs as the package manager takes them: "@scope/name@1.2.3", "pkg==1.0".
  // With from_source, paths inside the container of source folders (granted read-only)
  // that the install step packs and installs as packages.
  std::vector<std::string> packages;
  bool from_source = false;
  // Run after the install in working_dir, still in the networked install step
  // (e.g. {"npm", "run", "build"} for a TypeScript server). Empty: none.
  std::vector<std::string> build_command{};
  // The spec the input pinned ("name@1.0.1") when the configured registry does not serve
  // that version: packages then name the newest served one instead. Empty: no fallback.
  std::string pinned_not_served{};
};

struct TransportSpec {
  TransportKind kind = TransportKind::kStdio;
  std::uint16_t port = 0;      // http: the port the server listens on inside the container
  std::string path = "/mcp";  // http: the endpoint path (sse: the event stream path)
};

// Why a field has the value it has: "package.json bin.server-everything", "README line 12".
struct Evidence {
  std::string field;   // e.g. "command", "transport", "env.GITHUB_TOKEN"
  std::string source;  // file or input the value came from
  std::string detail;  // what in it said so
};

struct RunSpec {
  int version = kRunSpecVersion;
  std::string name;                   // stable server name, used in labels and tool prefixes
  Runtime runtime = Runtime::kNode;
  std::string image;                  // runtime image tag, or an OCI reference for kImage
  // kImage built from source: the host path of the Dockerfile's folder (build context);
  // image is then the tag to build. Empty: image is pulled or already present.
  std::string build_context;
  std::optional<std::string> node_major;  // e.g. "22", from package.json engines
  InstallStep install;
  std::vector<std::string> command;   // argv inside the container
  std::string working_dir;            // empty: the image's default
  std::vector<EnvVar> env;
  TransportSpec transport;
  bool network = false;               // needs network at run time (not for install)
  std::vector<Grant> grants;
  std::vector<Evidence> evidence;
  std::string source;                 // the input it was discovered from: "npm:@scope/x@1"
  std::vector<std::string> notes;     // what a user should know: "pinned 1.2 not served; using 1.3"
  nlohmann::json extra = nlohmann::json::object();  // unknown fields, kept on round trip
};

void to_json(nlohmann::json& j, const RunSpec& spec);
// Validates while parsing: a broken spec gives a clear error naming the field.
Result<RunSpec> parseRunSpec(const nlohmann::json& j);

std::string_view toString(Runtime r);
std::string_view toString(TransportKind t);
std::string_view toString(InstallKind k);

}  // namespace onemcp::sandbox
