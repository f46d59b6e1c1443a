#include "onemcp/registry/crawl_worker.h"

#include <condition_variable>
#include <mutex>
#include <nlohmann/json.hpp>
#include <stop_token>
#include <thread>
#include <utility>

#include "onemcp/sandbox/run_spec.h"

namespace onemcp::registry {
namespace {

using nlohmann::json;

std::int64_t wallMs(const Clock& clock) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(clock.wallNow().time_since_epoch())
      .count();
}

std::string countsText(const CrawlReport& r) {
  return std::to_string(r.entries) + " entries: " + std::to_string(r.inserted) + " new, " +
         std::to_string(r.updated) + " changed, " + std::to_string(r.unchanged) + " unchanged, " +
         std::to_string(r.rejected) + " rejected; " + std::to_string(r.verify_queued) +
         " queued for verification, " + std::to_string(r.not_runnable) + " not runnable";
}

// Renews a lease every lease/3 on its own thread until destroyed.
class LeaseKeeper {
 public:
  LeaseKeeper(CatalogStore& store, std::int64_t job_id, std::string worker,
              std::chrono::milliseconds lease)
      : thread_([&store, job_id, worker = std::move(worker), lease](std::stop_token stop) {
          std::mutex mu;
          std::condition_variable_any wake;
          std::unique_lock lock(mu);
          const auto period = std::max(lease / 3, std::chrono::milliseconds(10));
          for (;;) {
            wake.wait_for(lock, stop, period, [] { return false; });
            if (stop.stop_requested()) return;
            // A failed renewal (the lease was lost) is noticed at completion.
            (void)store.renewLease(job_id, worker, lease);
          }
        }) {}

 private:
  std::jthread thread_;
};

}  // namespace

VerifyOutcome toStoreOutcome(sandbox::VerifyOutcome outcome) {
  switch (outcome) {
    case sandbox::VerifyOutcome::kVerified:
      return VerifyOutcome::kVerified;
    case sandbox::VerifyOutcome::kTimedOut:
      return VerifyOutcome::kTimeout;
    case sandbox::VerifyOutcome::kNeedsSecret:
      return VerifyOutcome::kSkipped;
    case sandbox::VerifyOutcome::kFailedInstall:
    case sandbox::VerifyOutcome::kFailedStart:
    case sandbox::VerifyOutcome::kFailedHandshake:
    case sandbox::VerifyOutcome::kFailedListing:
      return VerifyOutcome::kFailed;
  }
  return VerifyOutcome::kFailed;
}

CrawlWorker::CrawlWorker(CatalogStore& store, Crawler* crawler, sandbox::SpecRunner* runner,
                         const Clock& clock, WorkerOptions options)
    : store_(store),
      crawler_(crawler),
      runner_(runner),
      clock_(clock),
      options_(std::move(options)) {
  if (crawler_ == nullptr) options_.crawl = false;
  if (runner_ == nullptr) options_.verify = false;
}

Result<VerificationRecord> CrawlWorker::verifyServer(const std::string& server_id) {
  if (runner_ == nullptr) return fail(ErrorCode::kInvalidInput, "this worker cannot verify");
  auto stored = store_.getRunSpec(server_id);
  if (!stored) return fail(std::move(stored).error());
  VerificationRecord record;
  record.server_id = server_id;
  const std::int64_t started = wallMs(clock_);
  json timings = json::object();
  const json spec_json = json::parse(stored->spec_json, nullptr, false);
  auto spec = spec_json.is_discarded()
                  ? Result<sandbox::RunSpec>(fail(ErrorCode::kInvalidInput, "not JSON"))
                  : sandbox::parseRunSpec(spec_json);
  if (!spec) {
    record.outcome = VerifyOutcome::kFailed;
    record.reason = "the stored run spec cannot be read: " + spec.error().message;
  } else {
    sandbox::VerifyOptions options;
    options.budget = options_.verify_budget;
    if (auto previous = store_.latestVerification(server_id)) {
      options.previous_tool_hash = previous->tool_hash;
    }
    const sandbox::VerificationRecord r = sandbox::Verifier(*runner_).verify(*spec, options);
    record.outcome = toStoreOutcome(r.outcome);
    record.reason = r.reason;
    if (record.outcome != VerifyOutcome::kVerified) {
      record.reason =
          std::string(sandbox::toString(r.outcome)) + (r.reason.empty() ? "" : ": ") + r.reason;
    }
    for (const auto& [stage, ms] : r.timings_ms) timings[stage + "_ms"] = ms;
    if (r.outcome == sandbox::VerifyOutcome::kVerified) {
      std::vector<ToolRecord> tools;
      for (const auto& t : r.tools) {
        ToolRecord tool;
        tool.server_id = server_id;
        tool.name = t.value("name", "");
        tool.description = t.contains("description") && t["description"].is_string()
                               ? t["description"].get<std::string>()
                               : "";
        tool.definition_json = t.dump();
        tools.push_back(std::move(tool));
      }
      record.tool_hash = toolDefinitionHash(tools);
      // Tools first: once the record says verified, its tools are already there.
      auto replaced = store_.replaceTools(server_id, tools);
      if (!replaced) {
        record.outcome = VerifyOutcome::kFailed;
        record.reason = "its tools were refused: " + replaced.error().message;
        record.tool_hash.clear();
      }
    }
  }
  // When and by whom: two records of one server never overlap in time (a test checks).
  timings["started_at_ms"] = started;
  timings["finished_at_ms"] = wallMs(clock_);
  timings["worker"] = options_.worker_id;
  record.timings_json = timings.dump();
  if (record.reason.size() > 4096) {
    std::size_t cut = 4096;
    while (cut > 0 && (static_cast<unsigned char>(record.reason[cut]) & 0xC0) == 0x80) --cut;
    record.reason.resize(cut);  // on a character boundary: the store refuses broken UTF-8
  }
  auto id = store_.addVerification(record);
  if (!id) return fail(std::move(id).error());
  record.id = *id;
  return record;
}

Result<std::string> CrawlWorker::runJob(const CrawlJob& job, const CrawlProgress& progress) {
  if (job.kind == kCrawlJob && options_.crawl) {
    auto source = parseSourceSpec(job.target);
    if (!source) return fail(std::move(source).error());
    auto report = crawler_->crawl(*source, progress);
    if (!report) return fail(std::move(report).error());
    ONEMCP_TRY(store_.putMeta(lastCrawlKey(*source), std::to_string(wallMs(clock_))));
    // The rejected entries, each with where and why (the first ones; the count is above).
    std::string what = "crawled " + job.target + ": " + countsText(*report);
    for (const auto& e : report->errors) what += "\n  rejected " + e;
    return what;
  }
  if (job.kind == kVerifyJob && options_.verify) {
    auto record = verifyServer(job.target);
    if (!record) return fail(std::move(record).error());
    std::string what = std::string(verifyOutcomeName(record->outcome)) + " " + job.target;
    if (record->outcome == VerifyOutcome::kVerified) {
      auto tools = store_.listTools(job.target);
      if (tools) what += ": " + std::to_string(tools->size()) + " tools";
    } else {
      what += ": " + record->reason;
    }
    return what;
  }
  return fail(ErrorCode::kInvalidInput, "this worker does not run '" + job.kind + "' jobs");
}

Result<std::optional<CrawlJob>> CrawlWorker::runOnce(const WorkerObserver& observer,
                                                     const CrawlProgress& progress) {
  if (!options_.crawl && !options_.verify) return std::optional<CrawlJob>();
  ClaimRequest claim;
  claim.worker = options_.worker_id;
  claim.lease = options_.lease;
  if (!options_.crawl) claim.kind = std::string(kVerifyJob);
  if (!options_.verify) claim.kind = std::string(kCrawlJob);
  auto claimed = store_.claimJob(claim);
  if (!claimed) return fail(std::move(claimed).error());
  if (!claimed->has_value()) return std::optional<CrawlJob>();
  const CrawlJob job = **claimed;
  Result<std::string> outcome = [&] {
    const LeaseKeeper keeper(store_, job.id, options_.worker_id, options_.lease);
    return runJob(job, progress);
  }();
  if (outcome) {
    ONEMCP_TRY(store_.completeJob(job.id, options_.worker_id));
    if (observer) observer({job, *outcome});
  } else {
    ONEMCP_TRY(store_.failJob(job.id, options_.worker_id, outcome.error().message));
    if (observer) observer({job, "failed " + job.target + ": " + outcome.error().message});
  }
  return std::optional<CrawlJob>(job);
}

}  // namespace onemcp::registry
