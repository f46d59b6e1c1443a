// The crawl job queue, against each backend: leases, expiry, back-off, and two workers
// (separate stores, as separate processes would be) never holding the same job.
#include <gmock/gmock.h>

#include <map>
#include <mutex>
#include <thread>

#include "catalog_store_test.h"

namespace onemcp::registry::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;
using ::testing::HasSubstr;

ClaimRequest claim(const std::string& worker, milliseconds lease = minutes(5)) {
  return ClaimRequest{worker, lease, ""};
}

TEST_P(CatalogStoreTest, EnqueueOfLiveJobReturnsTheSameJob) {
  auto a = store_->enqueueJob({"verify", "reg:x", "{}", 0});
  ASSERT_TRUE(a) << a.error().toString();
  auto b = store_->enqueueJob({"verify", "reg:x", R"({"again":true})", 0});
  ASSERT_TRUE(b);
  EXPECT_EQ(*a, *b);
  auto other = store_->enqueueJob({"crawl-source", "reg:x", "{}", 0});
  EXPECT_NE(*other, *a);
  EXPECT_FALSE(store_->enqueueJob({"", "t", "{}", 0}));
}

TEST_P(CatalogStoreTest, ClaimHandsOutEachDueJobOnceThenNothing) {
  auto id1 = *store_->enqueueJob({"verify", "reg:1", "{}", 0});
  auto id2 = *store_->enqueueJob({"verify", "reg:2", "{}", 0});
  auto first = store_->claimJob(claim("w1"));
  ASSERT_TRUE(first) << first.error().toString();
  ASSERT_TRUE(first->has_value());
  EXPECT_EQ((*first)->id, id1);
  EXPECT_EQ((*first)->state, JobState::kLeased);
  EXPECT_EQ((*first)->attempts, 1);
  EXPECT_EQ((*first)->lease_owner, "w1");
  auto second = store_->claimJob(claim("w2"));
  ASSERT_TRUE(second && second->has_value());
  EXPECT_EQ((*second)->id, id2);
  auto none = store_->claimJob(claim("w3"));
  ASSERT_TRUE(none);
  EXPECT_FALSE(none->has_value());
  ASSERT_TRUE(store_->completeJob(id1, "w1"));
  EXPECT_EQ(store_->getJob(id1)->state, JobState::kDone);
}

TEST_P(CatalogStoreTest, ClaimCanBeLimitedToOneKind) {
  ASSERT_TRUE(store_->enqueueJob({"crawl-source", "https://registry", "{}", 0}));
  auto verify_id = *store_->enqueueJob({"verify", "reg:v", "{}", 0});
  auto got = store_->claimJob(ClaimRequest{"w", minutes(1), "verify"});
  ASSERT_TRUE(got && got->has_value());
  EXPECT_EQ((*got)->id, verify_id);
}

TEST_P(CatalogStoreTest, ExpiredLeaseOfADeadWorkerIsClaimedByAnother) {
  auto id = *store_->enqueueJob({"verify", "reg:slow", "{}", 0});
  auto dead = store_->claimJob(claim("dead-worker", seconds(30)));
  ASSERT_TRUE(dead && dead->has_value());
  clock_.advance(seconds(29));
  EXPECT_FALSE(store_->claimJob(claim("w2"))->has_value());  // lease still held
  clock_.advance(seconds(2));
  auto taken = store_->claimJob(claim("w2"));
  ASSERT_TRUE(taken && taken->has_value());
  EXPECT_EQ((*taken)->id, id);
  EXPECT_EQ((*taken)->attempts, 2);
  EXPECT_EQ((*taken)->lease_owner, "w2");
  // The dead worker comes back: its lease is gone.
  auto late = store_->completeJob(id, "dead-worker");
  ASSERT_FALSE(late);
  EXPECT_EQ(late.error().code, ErrorCode::kForbidden);
  EXPECT_THAT(late.error().message, HasSubstr("not leased by 'dead-worker'"));
  EXPECT_TRUE(store_->completeJob(id, "w2"));
}

TEST_P(CatalogStoreTest, JobWhoseWorkersKeepDyingFailsAfterMaxAttempts) {
  auto id = *store_->enqueueJob({"verify", "reg:crashy", "{}", 2});
  ASSERT_TRUE(store_->claimJob(claim("w1", seconds(10)))->has_value());
  clock_.advance(seconds(11));
  ASSERT_TRUE(store_->claimJob(claim("w2", seconds(10)))->has_value());
  clock_.advance(seconds(11));
  EXPECT_FALSE(store_->claimJob(claim("w3"))->has_value());
  auto job = store_->getJob(id);
  EXPECT_EQ(job->state, JobState::kFailed);
  EXPECT_THAT(job->last_error, HasSubstr("lease of w2 expired"));
}

TEST_P(CatalogStoreTest, RenewedLeaseIsNotTakenOver) {
  auto id = *store_->enqueueJob({"verify", "reg:renew", "{}", 0});
  ASSERT_TRUE(store_->claimJob(claim("w1", seconds(30)))->has_value());
  clock_.advance(seconds(20));
  ASSERT_TRUE(store_->renewLease(id, "w1", seconds(30)));
  clock_.advance(seconds(20));
  EXPECT_FALSE(store_->claimJob(claim("w2"))->has_value());
  EXPECT_FALSE(store_->renewLease(id, "w2", seconds(30)));
}

TEST_P(CatalogStoreTest, FailedJobIsRetriedWithBackoffUntilMaxAttempts) {
  StoreOptions options;
  options.jobs.backoff_base = seconds(10);
  auto store = openStore(options);
  auto id = *store->enqueueJob({"verify", "reg:flaky", "{}", 3});
  for (int attempt = 1; attempt <= 3; ++attempt) {
    auto job = store->claimJob(claim("w"));
    ASSERT_TRUE(job && job->has_value()) << "attempt " << attempt;
    EXPECT_EQ((*job)->attempts, attempt);
    ASSERT_TRUE(store->failJob(id, "w", "npm ERR! 503 attempt " + std::to_string(attempt)));
    if (attempt < 3) {
      const auto delay = seconds(10 << (attempt - 1));  // 10 s, then 20 s
      EXPECT_EQ(store->getJob(id)->state, JobState::kQueued);
      clock_.advance(delay - seconds(1));
      EXPECT_FALSE(store->claimJob(claim("w"))->has_value()) << "claimed before its back-off";
      clock_.advance(seconds(1));
    }
  }
  auto job = store->getJob(id);
  EXPECT_EQ(job->state, JobState::kFailed);
  EXPECT_EQ(job->last_error, "npm ERR! 503 attempt 3");
  clock_.advance(std::chrono::hours(24));
  EXPECT_FALSE(store->claimJob(claim("w"))->has_value());
  // Enqueued again, a failed job starts over.
  EXPECT_EQ(*store->enqueueJob({"verify", "reg:flaky", "{}", 3}), id);
  EXPECT_EQ(store->getJob(id)->state, JobState::kQueued);
}

TEST_P(CatalogStoreTest, ConcurrentWorkersNeverClaimTheSameJob) {
  constexpr int kJobs = 120;
  constexpr int kWorkers = 4;
  for (int i = 0; i < kJobs; ++i)
    ASSERT_TRUE(store_->enqueueJob({"verify", "reg:j" + std::to_string(i), "{}", 0}));
  std::mutex mu;
  std::map<std::int64_t, int> claims;  // guarded by mu
  std::vector<std::string> errors;     // guarded by mu
  std::vector<std::unique_ptr<CatalogStore>> stores;
  for (int w = 0; w < kWorkers; ++w) stores.push_back(openStore());
  {
    std::vector<std::jthread> workers;
    for (int w = 0; w < kWorkers; ++w) {
      workers.emplace_back([&, w] {
        const std::string name = "worker-" + std::to_string(w);
        for (;;) {
          auto job = stores[w]->claimJob(claim(name));
          std::lock_guard lock(mu);
          if (!job) {
            errors.push_back(job.error().toString());
            return;
          }
          if (!job->has_value()) return;
          ++claims[(*job)->id];
          if (auto done = stores[w]->completeJob((*job)->id, name); !done)
            errors.push_back(done.error().toString());
        }
      });
    }
  }
  EXPECT_TRUE(errors.empty()) << errors.front();
  EXPECT_EQ(claims.size(), static_cast<std::size_t>(kJobs));
  for (const auto& [id, count] : claims)
    EXPECT_EQ(count, 1) << "job " << id << " claimed " << count << " times";
}

TEST_P(CatalogStoreTest, ConcurrentWritersGetDistinctConsecutiveVersions) {
  constexpr int kPerWriter = 30;
  std::vector<std::unique_ptr<CatalogStore>> stores;
  for (int w = 0; w < 3; ++w) stores.push_back(openStore());
  {
    std::vector<std::jthread> writers;
    for (int w = 0; w < 3; ++w) {
      writers.emplace_back([&, w] {
        for (int i = 0; i < kPerWriter; ++i) {
          auto r = stores[w]->upsertServer(
              makeServer("reg:w" + std::to_string(w) + "-" + std::to_string(i)));
          EXPECT_TRUE(r) << r.error().toString();
        }
      });
    }
  }
  auto batch = store_->changesSince(0, 1000);
  ASSERT_TRUE(batch);
  ASSERT_EQ(batch->changes.size(), 3U * kPerWriter);
  for (std::size_t i = 0; i < batch->changes.size(); ++i) {
    EXPECT_EQ(batch->changes[i].version, static_cast<std::int64_t>(i + 1));
  }
  EXPECT_EQ(batch->current_version, 3 * kPerWriter);
}

}  // namespace
}  // namespace onemcp::registry::testing
