// Verify workers over the job queue with real servers: the fixture servers (node and
// python, in tests/fixtures/servers) crawled as local folders and verified as local
// processes (the verifier's local runner; the Docker path is the end-to-end test).
#include "onemcp/registry/crawl_worker.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <future>
#include <thread>

#include "onemcp/registry/registry_search.h"
#include "test_databases.h"

namespace onemcp::registry {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

const fs::path kServers = fs::path(ONEMCP_SOURCE_DIR) / "tests/fixtures/servers";

class CrawlWorkerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = openCatalogStore(files_.createDatabase(), clock_);
    ASSERT_TRUE(opened) << opened.error().toString();
    store_ = std::move(*opened);
    CrawlOptions options;
    options.requests_per_second = 0;
    crawler_ =
        std::make_unique<Crawler>(*store_, discoverer_, *fetcher_, *sleeper_, clock_, options);
  }

  WorkerOptions options(const std::string& id) {
    WorkerOptions o;
    o.worker_id = id;
    o.verify_budget = std::chrono::seconds(20);
    return o;
  }

  // Runs jobs until none is due; returns what the worker said it did.
  std::vector<std::string> drain(CrawlWorker& worker) {
    std::vector<std::string> said;
    for (;;) {
      auto ran = worker.runOnce([&](const WorkerEvent& e) { said.push_back(e.what); });
      EXPECT_TRUE(ran) << ran.error().toString();
      if (!ran || !ran->has_value()) return said;
    }
  }

  std::string folder(const std::string& name) { return "folder:" + (kServers / name).string(); }

  SystemClock clock_;
  testing::SqliteTestFiles files_;
  std::unique_ptr<CatalogStore> store_;
  std::unique_ptr<PageFetcher> fetcher_ = makeHttpPageFetcher();
  std::unique_ptr<Sleeper> sleeper_ = makeThreadSleeper();
  sandbox::FixedReachability reach_{false, false, false};
  sandbox::Discoverer discoverer_{sandbox::DiscoveryServices{nullptr, nullptr, &reach_, {}}};
  std::unique_ptr<Crawler> crawler_;
  std::unique_ptr<sandbox::SpecRunner> runner_ = sandbox::makeLocalRunner();
};

TEST_F(CrawlWorkerTest, CrawlsThenVerifiesAndSearchOffersOnlyVerifiedServers) {
  const std::vector<std::string> names{"node-bin", "broken-crash", "needs-secret"};
  std::vector<SourceSpec> sources;
  for (const auto& n : names) sources.push_back(*parseSourceSpec(folder(n)));
  ASSERT_EQ(*scheduleDueCrawls(*store_, sources, std::chrono::hours(1), clock_), 3);
  CrawlWorker worker(*store_, crawler_.get(), runner_.get(), clock_, options("w1"));
  const auto said = drain(worker);
  // Three crawls, then two verifications (needs-secret is kept with its reason).
  ASSERT_EQ(said.size(), 5u) << json(said).dump(2);

  const std::string good = "folder:" + (kServers / "node-bin").string();
  const std::string crash = "folder:" + (kServers / "broken-crash").string();
  const std::string secret = "folder:" + (kServers / "needs-secret").string();
  auto verified = store_->latestVerification(good);
  ASSERT_TRUE(verified);
  EXPECT_EQ(verified->outcome, VerifyOutcome::kVerified) << verified->reason;
  EXPECT_TRUE(verified->tool_hash.starts_with("sha256:"));
  EXPECT_EQ(json::parse(verified->timings_json)["worker"], "w1");
  auto tools = store_->listTools(good);
  ASSERT_TRUE(tools);
  ASSERT_EQ(tools->size(), 2u);
  auto failed = store_->latestVerification(crash);
  ASSERT_TRUE(failed);
  EXPECT_EQ(failed->outcome, VerifyOutcome::kFailed);
  EXPECT_FALSE(failed->reason.empty());
  auto skipped = store_->latestVerification(secret);
  ASSERT_TRUE(skipped);
  EXPECT_EQ(skipped->outcome, VerifyOutcome::kSkipped);
  EXPECT_NE(skipped->reason.find("WEATHER_API_TOKEN"), std::string::npos) << skipped->reason;

  // The search picks the verified tools up from the change log.
  RegistrySearch search(*store_, nullptr);
  ASSERT_TRUE(search.refresh());
  RegistryQuery query;
  query.text = "reverse the given text";
  query.filters.verified_only = true;
  auto answer = search.search(query);
  ASSERT_TRUE(answer) << answer.error().toString();
  ASSERT_EQ(answer->servers.size(), 1u);
  EXPECT_EQ(answer->servers[0].id, good);
  EXPECT_TRUE(answer->servers[0].verified);
  ASSERT_FALSE(answer->servers[0].tools.empty());
  EXPECT_EQ(answer->servers[0].tools[0].name, "reverse");
  // Failed and skipped servers stay in the catalogue, never as verified.
  query.filters.verified_only = false;
  query.text = "crash weather";
  auto all = search.search(query);
  ASSERT_TRUE(all) << all.error().toString();
  for (const auto& s : all->servers) {
    if (s.id == crash || s.id == secret) {
      EXPECT_FALSE(s.verified) << s.id;
    }
  }

  // The crawl was recorded: the schedule has nothing due for an hour.
  EXPECT_EQ(*scheduleDueCrawls(*store_, sources, std::chrono::hours(1), clock_), 0);
}

TEST_F(CrawlWorkerTest, AJobWhoseWorkerDiedIsTakenAfterItsLeaseExpires) {
  ASSERT_TRUE(crawler_->crawl(*parseSourceSpec(folder("node-bin"))));
  // "dead" claims the verify job and never reports back.
  auto dead = store_->claimJob({"dead", std::chrono::milliseconds(300), std::string(kVerifyJob)});
  ASSERT_TRUE(dead && dead->has_value());
  CrawlWorker worker(*store_, nullptr, runner_.get(), clock_, options("alive"));
  auto early = worker.runOnce();
  ASSERT_TRUE(early);
  EXPECT_FALSE(early->has_value()) << "took a job whose lease still held";
  std::this_thread::sleep_for(std::chrono::milliseconds(400));
  auto late = worker.runOnce();
  ASSERT_TRUE(late) << late.error().toString();
  ASSERT_TRUE(late->has_value());
  EXPECT_EQ((*late)->id, (*dead)->id);
  auto job = store_->getJob((*dead)->id);
  EXPECT_EQ(job->state, JobState::kDone);
  EXPECT_EQ(job->attempts, 2);
  EXPECT_EQ(json::parse(store_->latestVerification((*dead)->target)->timings_json)["worker"],
            "alive");
}

TEST_F(CrawlWorkerTest, TheLeaseIsRenewedWhileAVerificationRuns) {
  // broken-silent never answers: its verification runs until the budget ends (1.5 s),
  // five times the lease; a second worker must not get the job meanwhile.
  ASSERT_TRUE(crawler_->crawl(*parseSourceSpec(folder("broken-silent"))));
  auto slow = options("slow");
  slow.lease = std::chrono::milliseconds(300);
  slow.verify_budget = std::chrono::milliseconds(1500);
  CrawlWorker first(*store_, nullptr, runner_.get(), clock_, slow);
  auto running = std::async(std::launch::async, [&] { return first.runOnce(); });
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  int stolen = 0;
  while (running.wait_for(std::chrono::milliseconds(100)) != std::future_status::ready) {
    auto other =
        store_->claimJob({"other", std::chrono::milliseconds(300), std::string(kVerifyJob)});
    ASSERT_TRUE(other);
    if (other->has_value()) ++stolen;
  }
  EXPECT_EQ(stolen, 0);
  auto ran = running.get();
  ASSERT_TRUE(ran && ran->has_value());
  const auto record = store_->latestVerification((*ran)->target);
  EXPECT_EQ(record->outcome, VerifyOutcome::kTimeout) << record->reason;
  EXPECT_EQ(store_->getJob((*ran)->id)->state, JobState::kDone);
}

TEST_F(CrawlWorkerTest, ACrawlSaysWhichEntriesItRejectedAndWhy) {
  const fs::path file = files_.dir() / "servers.jsonl";
  std::ofstream(file) << R"({"name":"io.example/ok","description":"fine"})"
                         "\n"
                      << R"({"description":"no name"})"
                         "\n";
  ASSERT_TRUE(store_->enqueueJob({std::string(kCrawlJob), "file:" + file.string(), "{}", 1}));
  CrawlWorker worker(*store_, crawler_.get(), nullptr, clock_, options("w"));
  std::vector<std::string> said;
  ASSERT_TRUE(worker.runOnce([&](const WorkerEvent& e) { said.push_back(e.what); }));
  ASSERT_EQ(said.size(), 1u);
  EXPECT_NE(said[0].find("1 new"), std::string::npos) << said[0];
  EXPECT_NE(said[0].find("rejected " + file.string() + ":2: "), std::string::npos) << said[0];
  EXPECT_NE(said[0].find("\"name\" is missing"), std::string::npos) << said[0];
}

TEST_F(CrawlWorkerTest, AnUnreadableSourceFailsTheJobWhichIsRetriedLater) {
  ASSERT_TRUE(store_->enqueueJob({std::string(kCrawlJob), "file:/no/such/file.json", "{}", 2}));
  CrawlWorker worker(*store_, crawler_.get(), nullptr, clock_, options("w"));
  std::vector<std::string> said;
  auto ran = worker.runOnce([&](const WorkerEvent& e) { said.push_back(e.what); });
  ASSERT_TRUE(ran && ran->has_value());
  auto job = store_->getJob((*ran)->id);
  EXPECT_EQ(job->state, JobState::kQueued);  // back-off: due again later
  EXPECT_GT(job->not_before_ms, 0);
  EXPECT_NE(job->last_error.find("/no/such/file.json"), std::string::npos) << job->last_error;
  ASSERT_EQ(said.size(), 1u);
  EXPECT_TRUE(said[0].starts_with("failed")) << said[0];
}

}  // namespace
}  // namespace onemcp::registry
