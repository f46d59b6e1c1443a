// After a crash: the containers a daemon finds under its owner label that it did not
// adopt again (servers it no longer runs, containers that exited, a start the crash cut
// short) are strays. The daemon re-adopts what its state says ran (Daemon::restore, the
// sandbox's StartOptions::adopt_running), then removes the rest with removeStrays().
#pragma once

#include <set>
#include <string>

#include "onemcp/common/result.h"
#include "onemcp/sandbox/docker_client.h"

namespace onemcp::orchestrator {

// Removes every container with the labels io.onemcp.managed=true and io.onemcp.owner=
// `owner` whose id is not in `keep`, and the owner's networks no kept container is on.
// Volumes stay (a server's data outlives it; see lifecycle GC). Returns how many
// containers were removed.
Result<int> removeStrays(sandbox::DockerClient& docker, const std::string& owner,
                         const std::set<std::string>& keep);

}  // namespace onemcp::orchestrator
