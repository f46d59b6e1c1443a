// A worker of the crawl job queue: claims a job from the store (crawl a source, or
// verify a server), renews its lease while the job runs, and records the outcome. Many
// workers (threads or processes, on SQLite or one shared PostgreSQL) can run at once:
// the store gives a job to one worker at a time, and a job whose worker died is claimed
// again once its lease expires.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "onemcp/common/clock.h"
#include "onemcp/common/result.h"
#include "onemcp/registry/catalog_store.h"
#include "onemcp/registry/crawler.h"
#include "onemcp/sandbox/verify.h"

namespace onemcp::registry {

inline constexpr std::string_view kCrawlJob = "crawl-source";
inline constexpr std::string_view kVerifyJob = "verify";

struct WorkerOptions {
  std::string worker_id;  // names the lease holder and the verification records
  // How long a claim holds without renewal. The worker renews it every lease/3 while a
  // job runs, so a job outlives its lease only when its worker is gone.
  std::chrono::milliseconds lease{std::chrono::seconds(60)};
  std::chrono::milliseconds verify_budget{std::chrono::seconds(120)};
  bool crawl = true;   // take crawl-source jobs (needs a Crawler)
  bool verify = true;  // take verify jobs (needs a SpecRunner)
};

// What the worker did, for progress displays.
struct WorkerEvent {
  CrawlJob job;
  std::string what;  // "crawled npm:x: 1 new", "verified npm:x: 9 tools", "failed: …"
};
using WorkerObserver = std::function<void(const WorkerEvent&)>;

class CrawlWorker {
 public:
  // crawler or runner may be null when the worker does not take that kind of job.
  CrawlWorker(CatalogStore& store, Crawler* crawler, sandbox::SpecRunner* runner,
              const Clock& clock, WorkerOptions options);

  // Claims one due job and runs it to the end. The job it ran, or nullopt when none was
  // due. A job that fails is re-queued by the store with back-off (or marked failed).
  Result<std::optional<CrawlJob>> runOnce(const WorkerObserver& observer = {},
                                          const CrawlProgress& progress = {});

  // Verifies one server from its stored run spec and records the outcome (and, when
  // verified, its tools). Used by verify jobs; public for tests and the CLI.
  Result<VerificationRecord> verifyServer(const std::string& server_id);

 private:
  Result<std::string> runJob(const CrawlJob& job, const CrawlProgress& progress);

  CatalogStore& store_;
  Crawler* crawler_;
  sandbox::SpecRunner* runner_;
  const Clock& clock_;
  WorkerOptions options_;
};

// The store's verification outcome for a sandbox verification outcome.
VerifyOutcome toStoreOutcome(sandbox::VerifyOutcome outcome);

}  // namespace onemcp::registry
