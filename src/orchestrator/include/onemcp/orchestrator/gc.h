// Removes from the Docker engine what the daemon's servers needed and no server has used
// for D days: the package volumes their installs filled and the images built for them.
// Which objects a server needs is recorded at each launch (its container's image and
// volumes, in the StateStore); their last use is the server's. Only objects with OneMCP's
// labels and a GC role are candidates; data volumes (a server's own data, such as
// server-memory's memory.jsonl) and runtime images never are: data goes only on a user's
// explicit removeServerData().
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "onemcp/common/clock.h"
#include "onemcp/common/result.h"
#include "onemcp/orchestrator/state_store.h"
#include "onemcp/sandbox/docker_client.h"

namespace onemcp::orchestrator {

struct GcOptions {
  std::chrono::hours max_age{24 * 30};  // unused this long: removed; 0: GC is off
  // The owner label of this daemon's containers and data volumes.
  std::string owner;
};

// What one round removed (or, in a dry run, would remove) and what it could not.
struct GcRound {
  struct Item {
    ServerObject object;
    std::string detail;  // why it could not be removed, or its age
  };
  std::vector<Item> removed;
  std::vector<Item> failed;  // the engine refused (in use, engine down): tried again next round
};

class ObjectGc {
 public:
  ObjectGc(sandbox::DockerClient& docker, StateStore& state, const Clock& clock, GcOptions options);

  // Records what the server's container needs (its image, its volumes), on every launch.
  Result<void> recordLaunch(const std::string& server_id, const std::string& container_id);
  // One round: every recorded package volume or built image that no running server needs
  // and none used for options.max_age is removed (never forced: the engine refuses what
  // any container uses). A dry run removes nothing. An engine that does not answer is an
  // error; one object the engine refuses is a failed item.
  Result<GcRound> collect(bool dry_run = false);
  // The user's explicit removal of a server's data: its recorded data volumes of this
  // owner. `server`: its id or its name (backend). Refused while the server runs.
  // Returns the volumes removed.
  Result<std::vector<std::string>> removeServerData(const std::string& server);

  [[nodiscard]] const GcOptions& options() const { return options_; }

 private:
  sandbox::DockerClient& docker_;
  StateStore& state_;
  const Clock& clock_;
  const GcOptions options_;
};

}  // namespace onemcp::orchestrator
