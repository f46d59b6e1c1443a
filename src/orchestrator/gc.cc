#include "onemcp/orchestrator/gc.h"

#include <algorithm>
#include <map>
#include <set>

#include "onemcp/common/log.h"
#include "onemcp/orchestrator/lifecycle.h"
#include "onemcp/sandbox/hardening.h"

namespace onemcp::orchestrator {
namespace {

constexpr std::string_view kImage = "image";
constexpr std::string_view kVolume = "volume";

std::string keyOf(const ServerObject& o) { return o.kind + " " + o.name; }

sandbox::LabelFilter labelled(std::string_view role) {
  return {{std::string(sandbox::kLabelManaged), "true"},
          {std::string(sandbox::kLabelRole), std::string(role)}};
}

}  // namespace

ObjectGc::ObjectGc(sandbox::DockerClient& docker, StateStore& state, const Clock& clock,
                   GcOptions options)
    : docker_(docker), state_(state), clock_(clock), options_(std::move(options)) {}

Result<void> ObjectGc::recordLaunch(const std::string& server_id, const std::string& container_id) {
  if (container_id.empty()) return {};  // not a container (a host process, a URL)
  auto info = docker_.inspectContainer(container_id);
  if (!info) return fail(info.error().wrap("recording what '" + server_id + "' needs"));
  std::vector<ServerObject> objects;
  if (!info->image_id.empty()) objects.push_back({std::string(kImage), info->image_id});
  for (const auto& v : info->volumes) objects.push_back({std::string(kVolume), v});
  return state_.recordObjects(server_id, objects, epochMs(clock_.wallNow()));
}

Result<GcRound> ObjectGc::collect(bool dry_run) {
  GcRound round;
  if (options_.max_age <= std::chrono::hours::zero()) return round;
  if (auto r = state_.flush(); !r)
    log::warn("daemon gc: {}", r.error().message);  // older usage still counts
  auto records = state_.objects();
  if (!records) return fail(records.error());
  // Collectable: package volumes (the shared install cache, which an install refills) and
  // images built for servers. Data volumes and runtime images are never listed here.
  sandbox::LabelFilter cache = labelled("install-cache");
  cache[std::string(sandbox::kLabelOwner)] = std::string(sandbox::kCacheOwner);
  auto volumes = docker_.listVolumes(cache);
  if (!volumes) return fail(volumes.error().wrap("listing package volumes"));
  auto images = docker_.listImages(labelled("built"));
  if (!images) return fail(images.error().wrap("listing built images"));
  std::set<std::string> collectable;
  for (const auto& v : *volumes) collectable.insert(keyOf({std::string(kVolume), v.name}));
  for (const auto& i : *images) collectable.insert(keyOf({std::string(kImage), i.id}));

  std::vector<GcCandidate> candidates;
  std::map<std::string, const ObjectRecord*> by_key;
  for (const auto& r : *records) {
    const std::string key = keyOf(r.object);
    if (!collectable.contains(key)) continue;
    by_key[key] = &r;
    candidates.push_back(
        {key, std::chrono::system_clock::time_point(std::chrono::milliseconds(r.last_used_ms)),
         r.in_use});
  }
  const auto now = clock_.wallNow();
  for (const auto& key : expiredObjects(candidates, now, options_.max_age)) {
    const ObjectRecord& r = *by_key.at(key);
    const auto idle =
        now - std::chrono::system_clock::time_point(std::chrono::milliseconds(r.last_used_ms));
    const std::string age =
        "unused for " +
        std::to_string(std::chrono::duration_cast<std::chrono::hours>(idle).count() / 24) + " days";
    if (dry_run) {
      round.removed.push_back({r.object, age});
      continue;
    }
    // Never forced: the engine refuses an object that any container (of any owner) uses.
    auto removed = r.object.kind == kVolume ? docker_.removeVolume(r.object.name, false)
                                            : docker_.removeImage(r.object.name, false);
    if (!removed) {
      log::warn("daemon gc: cannot remove {} {} (tried again next round): {}", r.object.kind,
                r.object.name, removed.error().message);
      round.failed.push_back({r.object, removed.error().message});
      continue;
    }
    log::info("daemon gc: removed {} {} ({})", r.object.kind, r.object.name, age);
    if (auto f = state_.forgetObject(r.object); !f) log::warn("daemon gc: {}", f.error().message);
    round.removed.push_back({r.object, age});
  }
  return round;
}

Result<std::vector<std::string>> ObjectGc::removeServerData(const std::string& server) {
  auto servers = state_.servers();
  if (!servers) return fail(servers.error());
  std::string server_id;
  for (const auto& s : *servers) {
    if (s.offer.server_id != server && s.backend != server) continue;
    if (s.running) {
      return fail(ErrorCode::kInvalidInput,
                  "'" + server + "' runs; stop it first (stop_server), then remove its data");
    }
    server_id = s.offer.server_id;
  }
  if (server_id.empty())
    return fail(ErrorCode::kNotFound, "the daemon never ran a server '" + server + "'");
  auto records = state_.objects();
  if (!records) return fail(records.error());
  sandbox::LabelFilter data = labelled("data");
  data[std::string(sandbox::kLabelOwner)] = options_.owner;
  auto volumes = docker_.listVolumes(data);
  if (!volumes) return fail(volumes.error().wrap("listing data volumes"));
  std::set<std::string> mine;
  for (const auto& v : *volumes) mine.insert(v.name);
  std::vector<std::string> removed;
  for (const auto& r : *records) {
    const bool of_server =
        std::find(r.server_ids.begin(), r.server_ids.end(), server_id) != r.server_ids.end();
    if (!of_server || r.object.kind != kVolume || !mine.contains(r.object.name)) continue;
    if (auto rm = docker_.removeVolume(r.object.name, false); !rm) {
      return fail(
          rm.error().wrap("removing the data of '" + server_id + "' (" + r.object.name + ")"));
    }
    log::info("daemon: removed the data volume {} of '{}' on request", r.object.name, server_id);
    if (auto f = state_.forgetObject(r.object); !f) log::warn("daemon: {}", f.error().message);
    removed.push_back(r.object.name);
  }
  if (removed.empty()) {
    return fail(ErrorCode::kNotFound,
                "no data volume of '" + server_id + "' is recorded on this engine");
  }
  return removed;
}

}  // namespace onemcp::orchestrator
