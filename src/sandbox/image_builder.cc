#include "onemcp/sandbox/image_builder.h"

#include <unistd.h>

#include <array>
#include <fstream>
#include <sstream>

#include "onemcp/common/text.h"
#include "onemcp/common/log.h"
#include "onemcp/common/process.h"
#include "onemcp/sandbox/source_build.h"

namespace onemcp::sandbox {
namespace {

constexpr std::string_view kRootfsScript = "build-rootfs.sh";
constexpr std::string_view kLabelRecipe = "io.onemcp.recipe";

Result<std::string> readFile(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return fail(ErrorCode::kNotFound, "image recipe file " + p.string() + " not found");
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The PATH inside every runtime image: installed packages first.
constexpr std::string_view kImagePath =
    "/opt/onemcp/pkg/node_modules/.bin:/opt/onemcp/pkg/venv/bin:/usr/local/sbin:"
    "/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

// Reads the script's combined output line by line into `progress`.
void pumpLines(int fd, const ProgressFn& progress) {
  std::string buf;
  std::array<char, 4096> chunk{};
  for (;;) {
    const ssize_t n = ::read(fd, chunk.data(), chunk.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    buf.append(chunk.data(), static_cast<std::size_t>(n));
    for (auto nl = buf.find('\n'); nl != std::string::npos; nl = buf.find('\n')) {
      if (progress) progress(std::string_view(buf).substr(0, nl));
      buf.erase(0, nl + 1);
    }
  }
  if (!buf.empty() && progress) progress(buf);
}

}  // namespace

std::filesystem::path defaultRecipesDir(const EnvLookup& env) {
  if (auto dir = env("ONEMCP_IMAGES_DIR")) return *dir;
#ifdef ONEMCP_IMAGES_DIR
  if (std::filesystem::path built(ONEMCP_IMAGES_DIR); std::filesystem::exists(built)) return built;
#endif
  return "/usr/share/onemcp/images";
}

Result<ImageRecipe> recipeFor(const RunSpec& spec) {
  switch (spec.runtime) {
    case Runtime::kNode: {
      std::string major = spec.node_major.value_or(std::string(kDefaultNodeMajor));
      if (major.empty() || major.find_first_not_of("0123456789") != std::string::npos) {
        return fail(ErrorCode::kInvalidInput, "server '" + spec.name +
                                                  "': node_major must be a number, got '" +
                                                  major + "'");
      }
      return ImageRecipe{"node", {{"NODE_MAJOR", major}}};
    }
    case Runtime::kPython:
      return ImageRecipe{"python", {}};
    default:
      return fail(ErrorCode::kInvalidInput, "server '" + spec.name + "': runtime '" +
                                                std::string(toString(spec.runtime)) +
                                                "' has no built-in image recipe");
  }
}

ImageBuilder::ImageBuilder(DockerClient& docker, BuildEnvironment env)
    : docker_(docker), env_(std::move(env)) {}

Result<std::string> ImageBuilder::tagFor(const ImageRecipe& recipe) const {
  auto script = readFile(env_.recipes_dir / kRootfsScript);
  ONEMCP_TRY(script);
  auto body = readFile(env_.recipes_dir / recipe.name / "recipe.sh");
  ONEMCP_TRY(body);
  std::string material = *script + '\0' + *body + '\0' + env_.mirror + '\0' + env_.suite;
  for (const auto& [k, v] : recipe.params) material += '\0' + k + '=' + v;
  std::string tag = std::string(kImageRepoPrefix) + recipe.name + ":";
  if (auto it = recipe.params.find("NODE_MAJOR"); it != recipe.params.end()) {
    tag += it->second + "-";
  }
  return tag + sha256Hex(material).substr(0, 12);
}

Result<std::string> ImageBuilder::ensure(const ImageRecipe& recipe, const ProgressFn& progress) {
  if (auto it = env_.configured.find(recipe.name); it != env_.configured.end()) {
    auto have = docker_.inspectImage(it->second);
    if (!have) {
      return fail(have.error().wrap("configured " + recipe.name + " image " + it->second));
    }
    return it->second;
  }
  auto tag = tagFor(recipe);
  ONEMCP_TRY(tag);
  auto have = docker_.inspectImage(*tag);
  if (have) return *tag;
  if (have.error().code != ErrorCode::kNotFound) return fail(have.error());
  if (progress) progress("==> building " + *tag + " from " + env_.mirror + " " + env_.suite);
  ONEMCP_TRY(build(recipe, *tag, progress));
  return *tag;
}

Result<std::string> ImageBuilder::imageFor(const RunSpec& spec, const ProgressFn& progress) {
  if (!spec.build_context.empty()) return ensureContextImage(docker_, spec, env_.work_dir, progress);
  if (spec.runtime == Runtime::kImage || !spec.image.empty()) {
    auto have = docker_.inspectImage(spec.image);
    if (!have) {
      return fail(have.error().code,
                  "server '" + spec.name + "': image '" + spec.image +
                      "' is not in the engine (no registry to pull from): " +
                      have.error().message);
    }
    return spec.image;
  }
  auto recipe = recipeFor(spec);
  ONEMCP_TRY(recipe);
  return ensure(*recipe, progress);
}

Result<std::vector<ImageInfo>> ImageBuilder::list() {
  return docker_.listImages({{std::string(kLabelManaged), "true"}});
}

Result<void> ImageBuilder::build(const ImageRecipe& recipe, const std::string& tag,
                                 const ProgressFn& progress) {
  std::error_code ec;
  std::filesystem::create_directories(env_.work_dir, ec);
  const auto tar = env_.work_dir / ("rootfs-" + recipe.name + "-" +
                                    std::to_string(::getpid()) + ".tar");
  ProcessSpec ps;
  ps.argv = {"/bin/bash", "-c", "exec \"$0\" \"$@\" 2>&1",
             (env_.recipes_dir / kRootfsScript).string(), recipe.name, tar.string()};
  ps.env = {{"ONEMCP_MIRROR", env_.mirror}, {"ONEMCP_SUITE", env_.suite}};
  for (const auto& [k, v] : recipe.params) ps.env["ONEMCP_" + k] = v;
  ps.pipe_stdin = false;
  ps.pipe_stderr = false;
  auto proc = Process::spawn(ps);
  if (!proc) return fail(proc.error().wrap("building image " + tag));
  pumpLines((*proc)->stdoutFd(), progress);
  auto status = (*proc)->wait(std::chrono::minutes(30));
  ONEMCP_TRY(status);
  if (!status->success()) {
    std::filesystem::remove(tar, ec);
    return fail(ErrorCode::kInternalError, "building image " + tag + ": " +
                                               kRootfsScript.data() + " " + recipe.name +
                                               " " + status->toString());
  }
  const auto colon = tag.rfind(':');
  ImageImport imp{tag.substr(0, colon), tag.substr(colon + 1),
                  {"ENV PATH=" + std::string(kImagePath), "ENV HOME=/tmp", "ENV LANG=C.UTF-8",
                   "USER 1000:1000", "WORKDIR /data",
                   "LABEL " + std::string(kLabelManaged) + "=true",
                   "LABEL " + std::string(kLabelRole) + "=runtime",
                   "LABEL " + std::string(kLabelRecipe) + "=" + recipe.name}};
  if (progress) progress("==> [" + recipe.name + "] import as " + tag);
  auto id = docker_.importImage(tar, imp);
  std::filesystem::remove(tar, ec);
  ONEMCP_TRY(id);
  if (progress) progress("==> [" + recipe.name + "] ready: " + tag);
  return {};
}

}  // namespace onemcp::sandbox
