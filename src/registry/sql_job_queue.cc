// The crawl job queue of SqlCatalogStore. A claim is one UPDATE … WHERE id = (SELECT …
// LIMIT 1 FOR UPDATE SKIP LOCKED) on PostgreSQL, so concurrent workers each get a
// different row without waiting; on SQLite the same statement runs in a write
// transaction, which admits one writer at a time. Leases are wall-clock deadlines from
// the injected clock: a job whose worker died becomes claimable when its lease expires.
#include <algorithm>

#include "sql_catalog_store.h"
#include "validation.h"

namespace onemcp::registry {
namespace {

constexpr std::string_view kJobColumns =
    "id, kind, target, payload_json, state, attempts, max_attempts, not_before_ms, lease_owner, "
    "lease_expires_ms, last_error";

CrawlJob jobFromRow(const SqlRow& r) {
  CrawlJob j;
  j.id = toInt(r[0]);
  j.kind = toText(r[1]);
  j.target = toText(r[2]);
  j.payload_json = toText(r[3]);
  j.state = parseJobState(toText(r[4])).value_or(JobState::kFailed);
  j.attempts = static_cast<int>(toInt(r[5]));
  j.max_attempts = static_cast<int>(toInt(r[6]));
  j.not_before_ms = toInt(r[7]);
  j.lease_owner = toText(r[8]);
  j.lease_expires_ms = toInt(r[9]);
  j.last_error = toText(r[10]);
  return j;
}

std::int64_t backoffMs(const JobPolicy& policy, int attempts) {
  const int doublings = std::clamp(attempts - 1, 0, 30);
  const auto delay = policy.backoff_base.count() * (std::int64_t{1} << doublings);
  return std::min<std::int64_t>(delay, policy.backoff_max.count());
}

}  // namespace

Result<std::int64_t> SqlCatalogStore::enqueueJob(const JobRequest& request) {
  ONEMCP_TRY(validateJob(request, options_.limits));
  const std::int64_t now = nowMs();
  const std::int64_t max_attempts =
      request.max_attempts > 0 ? request.max_attempts : options_.jobs.max_attempts;
  return transact<std::int64_t>(true, [&]() -> Result<std::int64_t> {
    // A finished job for the same work is queued again; a live one is left alone.
    auto rows = conn_->query(
        "INSERT INTO crawl_jobs (kind, target, payload_json, state, attempts, max_attempts, "
        "not_before_ms, created_ms, updated_ms) VALUES ($1, $2, $3, 'queued', 0, $4, $5, $5, $5) "
        "ON CONFLICT (kind, target) DO UPDATE SET payload_json = excluded.payload_json, "
        "state = 'queued', attempts = 0, max_attempts = excluded.max_attempts, "
        "not_before_ms = excluded.not_before_ms, lease_owner = '', lease_expires_ms = 0, "
        "last_error = '', updated_ms = excluded.updated_ms "
        "WHERE crawl_jobs.state IN ('done', 'failed') RETURNING id",
        {request.kind, request.target, request.payload_json, max_attempts, now});
    if (!rows) return fail(std::move(rows).error());
    if (!rows->empty()) return toInt(rows->front()[0]);
    auto existing = conn_->query("SELECT id FROM crawl_jobs WHERE kind = $1 AND target = $2",
                                 {request.kind, request.target});
    if (!existing) return fail(std::move(existing).error());
    if (existing->empty()) return fail(ErrorCode::kInternalError, "enqueued job vanished");
    return toInt(existing->front()[0]);
  });
}

Result<std::optional<CrawlJob>> SqlCatalogStore::claimJob(const ClaimRequest& request) {
  if (request.worker.empty())
    return fail(ErrorCode::kInvalidParams, "claimJob: worker name is empty");
  const std::int64_t now = nowMs();
  const auto lease = request.lease.count() > 0 ? request.lease : options_.jobs.lease;
  using Claimed = std::optional<CrawlJob>;
  return transact<Claimed>(true, [&]() -> Result<Claimed> {
    // A lease that expired on its last attempt ends the job: its worker keeps dying.
    ONEMCP_TRY(conn_->query(
        "UPDATE crawl_jobs SET state = 'failed', updated_ms = $1, last_error = 'lease of ' || "
        "lease_owner || ' expired on the last attempt' WHERE state = 'leased' AND "
        "lease_expires_ms <= $1 AND attempts >= max_attempts",
        {now}));
    const std::string sql =
        "UPDATE crawl_jobs SET state = 'leased', lease_owner = $1, lease_expires_ms = $2, "
        "attempts = attempts + 1, updated_ms = $3 WHERE id = (SELECT id FROM crawl_jobs WHERE "
        "((state = 'queued' AND not_before_ms <= $3) OR (state = 'leased' AND lease_expires_ms "
        "<= $3 AND attempts < max_attempts)) AND ($4 = '' OR kind = $4) ORDER BY not_before_ms, id "
        "LIMIT 1" +
        std::string(sql_.skipLocked()) + ") RETURNING " + std::string(kJobColumns);
    auto rows = conn_->query(sql, {request.worker, now + lease.count(), now, request.kind});
    if (!rows) return fail(std::move(rows).error());
    if (rows->empty()) return Claimed{};
    return Claimed{jobFromRow(rows->front())};
  });
}

Result<std::optional<CrawlJob>> SqlCatalogStore::readJob(std::int64_t job_id, bool for_update) {
  const bool lock = for_update && sql_.dialect == Dialect::kPostgres;
  auto rows = conn_->query("SELECT " + std::string(kJobColumns) + " FROM crawl_jobs WHERE id = $1" +
                               (lock ? " FOR UPDATE" : ""),
                           {job_id});
  if (!rows) return fail(std::move(rows).error());
  if (rows->empty()) return std::optional<CrawlJob>{};
  return std::optional<CrawlJob>{jobFromRow(rows->front())};
}

Result<CrawlJob> SqlCatalogStore::leasedJob(std::int64_t job_id, const std::string& worker) {
  auto job = readJob(job_id, true);
  if (!job) return fail(std::move(job).error());
  if (!job->has_value())
    return fail(ErrorCode::kNotFound, "no crawl job " + std::to_string(job_id));
  const CrawlJob& j = **job;
  if (j.state != JobState::kLeased || j.lease_owner != worker) {
    return fail(ErrorCode::kForbidden,
                "crawl job " + std::to_string(job_id) + " is not leased by '" + worker +
                    "' (state " + std::string(jobStateName(j.state)) +
                    (j.lease_owner.empty() ? "" : ", lease of '" + j.lease_owner + "'") +
                    "); its lease expired or it was finished");
  }
  return j;
}

Result<void> SqlCatalogStore::renewLease(std::int64_t job_id, const std::string& worker,
                                         std::chrono::milliseconds lease) {
  const std::int64_t now = nowMs();
  const auto duration = lease.count() > 0 ? lease : options_.jobs.lease;
  return transact<void>(true, [&]() -> Result<void> {
    auto job = leasedJob(job_id, worker);
    if (!job) return fail(std::move(job).error());
    if (job->lease_expires_ms <= now) {
      return fail(ErrorCode::kForbidden, "crawl job " + std::to_string(job_id) +
                                             ": the lease of '" + worker + "' already expired");
    }
    ONEMCP_TRY(
        conn_->query("UPDATE crawl_jobs SET lease_expires_ms = $1, updated_ms = $2 WHERE id = $3",
                     {now + duration.count(), now, job_id}));
    return {};
  });
}

Result<void> SqlCatalogStore::completeJob(std::int64_t job_id, const std::string& worker) {
  const std::int64_t now = nowMs();
  return transact<void>(true, [&]() -> Result<void> {
    ONEMCP_TRY(leasedJob(job_id, worker));
    ONEMCP_TRY(
        conn_->query("UPDATE crawl_jobs SET state = 'done', lease_owner = '', "
                     "lease_expires_ms = 0, last_error = '', updated_ms = $1 WHERE id = $2",
                     {now, job_id}));
    return {};
  });
}

Result<void> SqlCatalogStore::failJob(std::int64_t job_id, const std::string& worker,
                                      const std::string& reason) {
  const std::int64_t now = nowMs();
  const std::string why = sanitizeText(reason, options_.limits.max_reason_bytes);
  return transact<void>(true, [&]() -> Result<void> {
    auto job = leasedJob(job_id, worker);
    if (!job) return fail(std::move(job).error());
    const bool final_attempt = job->attempts >= job->max_attempts;
    ONEMCP_TRY(conn_->query(
        "UPDATE crawl_jobs SET state = $1, not_before_ms = $2, lease_owner = '', "
        "lease_expires_ms = 0, last_error = $3, updated_ms = $4 WHERE id = $5",
        {std::string(final_attempt ? "failed" : "queued"),
         final_attempt ? job->not_before_ms : now + backoffMs(options_.jobs, job->attempts), why,
         now, job_id}));
    return {};
  });
}

Result<CrawlJob> SqlCatalogStore::getJob(std::int64_t job_id) {
  return transact<CrawlJob>(false, [&]() -> Result<CrawlJob> {
    auto job = readJob(job_id, false);
    if (!job) return fail(std::move(job).error());
    if (!job->has_value())
      return fail(ErrorCode::kNotFound, "no crawl job " + std::to_string(job_id));
    return **job;
  });
}

}  // namespace onemcp::registry
