// What the install step takes from the host's own configuration: the npm registry
// (`npm config get registry`), pip's index (PIP_INDEX_URL or `pip config`), and the proxy
// variables. Corporate networks need exactly these; nothing is hard-coded.
#pragma once

#include <map>
#include <string>

#include "onemcp/common/paths.h"

namespace onemcp::sandbox {

// Environment for install containers: npm_config_registry, PIP_INDEX_URL, HTTP(S)_PROXY,
// NO_PROXY (both cases). Missing tools or settings are simply left out.
std::map<std::string, std::string> hostInstallEnv(const EnvLookup& env);

}  // namespace onemcp::sandbox
