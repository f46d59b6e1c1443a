// Servers built from source before they run: a local folder installed and built by the
// networked install step (`install.from_source`, `install.build_command`), and an image
// built from a Dockerfile's folder (`build_context`) through the engine, never pulling:
// every base image must already be in the engine, or the error says which is missing.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "onemcp/common/result.h"
#include "onemcp/sandbox/docker_client.h"
#include "onemcp/sandbox/run_spec.h"

namespace onemcp::sandbox {

// Where the install step copies a from_source folder (inside the package volume); the
// server then runs from this copy, built, with its dependencies beside it.
inline constexpr std::string_view kSourceCopyDir = "/opt/onemcp/pkg/src";
// Label on images built from a context: a hash of the context, so an unchanged folder is
// never rebuilt and a changed one is.
inline constexpr std::string_view kLabelContext = "io.onemcp.context";

// The grant that holds a from_source folder, and the folder's path on the host. Fails
// (kInvalidInput, naming the server) unless the spec has exactly one source package, an
// absolute path inside one of its grants.
struct SourceFolder {
  Grant grant;
  std::string container_path;  // install.packages[0], e.g. "/srv/mcp"
  std::filesystem::path host_path;
};
Result<SourceFolder> sourceFolder(const RunSpec& spec);

// `path` moved from the source folder to its built copy ("/srv/mcp/dist" ->
// "/opt/onemcp/pkg/src/dist"); any other path unchanged.
std::string relocateToSourceCopy(const std::string& path, const std::string& source);

// A hash of a folder's file names, sizes and modification times (node_modules and .git
// left out): when it changes, the install step runs again.
Result<std::string> folderFingerprint(const std::filesystem::path& dir);

// The images a Dockerfile builds FROM, with ARG defaults substituted; stages named by an
// earlier "FROM ... AS name" and "scratch" are left out. A reference that still holds a
// variable after substitution is returned as written.
std::vector<std::string> dockerfileBaseImages(std::string_view dockerfile);

// Builds spec.image from spec.build_context unless the engine has it from the same
// context already. `work_dir` receives the context tar (deleted after).
Result<std::string> ensureContextImage(DockerClient& docker, const RunSpec& spec,
                                       const std::filesystem::path& work_dir,
                                       const ProgressFn& progress);

}  // namespace onemcp::sandbox
