// Builds OneMCP's runtime images without a container registry: a Debian minbase root
// filesystem from the host's own mirror (images/build-rootfs.sh), imported through the
// engine. Each image is tagged by a hash of its recipe, so an unchanged recipe is never
// rebuilt; a user may configure an existing image instead (e.g. node:22-slim).
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "onemcp/common/paths.h"
#include "onemcp/common/result.h"
#include "onemcp/sandbox/docker_client.h"
#include "onemcp/sandbox/run_spec.h"

namespace onemcp::sandbox {

inline constexpr std::string_view kDefaultNodeMajor = "22";
inline constexpr std::string_view kImageRepoPrefix = "onemcp/";

struct ImageRecipe {
  std::string name;                           // "node" | "python": images/<name>/recipe.sh
  std::map<std::string, std::string> params;  // ONEMCP_<KEY> for the script, e.g. NODE_MAJOR
};

struct BuildEnvironment {
  std::filesystem::path recipes_dir;  // the images/ folder
  std::string mirror;                 // from the apt sources
  std::string suite;                  // from os-release
  std::filesystem::path work_dir;     // where the rootfs tar is written (then deleted)
  // Runtime name ("node", "python") -> an image the user provides instead of a build.
  std::map<std::string, std::string> configured;
};

// Where the recipes are: $ONEMCP_IMAGES_DIR, else the source tree's images/ (compiled in),
// else /usr/share/onemcp/images.
std::filesystem::path defaultRecipesDir(const EnvLookup& env);

// The recipe a run spec's runtime needs (node major from the spec, default 22).
Result<ImageRecipe> recipeFor(const RunSpec& spec);

class ImageBuilder {
 public:
  ImageBuilder(DockerClient& docker, BuildEnvironment env);

  // "onemcp/node:22-<12 hex of sha256(recipe files, params, mirror, suite)>".
  [[nodiscard]] Result<std::string> tagFor(const ImageRecipe& recipe) const;
  // The image to run `recipe` with: a configured one, else the recipe's tag, built first
  // when the engine does not have it. Progress lines go to `progress`.
  Result<std::string> ensure(const ImageRecipe& recipe, const ProgressFn& progress);
  // The image for a run spec (kImage: its own reference, which must exist in the engine,
  // or be built from the spec's build_context; see source_build.h).
  Result<std::string> imageFor(const RunSpec& spec, const ProgressFn& progress);
  // OneMCP's images in the engine.
  Result<std::vector<ImageInfo>> list();

 private:
  Result<void> build(const ImageRecipe& recipe, const std::string& tag,
                     const ProgressFn& progress);

  DockerClient& docker_;
  BuildEnvironment env_;
};

}  // namespace onemcp::sandbox
