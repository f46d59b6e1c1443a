// Where the tests find the models that scripts/build-models builds (setup runs it).
#pragma once

#include <filesystem>

#include "onemcp/common/paths.h"

namespace onemcp::search::testing {

inline std::filesystem::path modelDir() {
  return Paths::resolve(processEnv()).cache_dir / "models";
}

// shared/data beside the repository (the layout CI provides).
inline std::filesystem::path dataDir() {
  return std::filesystem::path(ONEMCP_SOURCE_DIR).parent_path() / "shared" / "data";
}

}  // namespace onemcp::search::testing
