// Crawl and verify throughput. Crawl: the recorded registry snapshot (37 entries in
// tests/fixtures, served as /v0/servers pages on loopback) into a fresh store, with
// offline discovery, on SQLite (0) or PostgreSQL (1, started by this program) — entries/s
// for a first crawl (every entry new: upsert, discovery, run spec, verify job) and for a
// re-crawl (every entry unchanged). Verify: a worker claiming and verifying the fixture
// node server (a local process, no Docker) — verifications/s through the job queue.
#include <benchmark/benchmark.h>

#include <filesystem>
#include <memory>

#include "onemcp/common/clock.h"
#include "onemcp/registry/crawl_worker.h"
#include "onemcp/registry/crawler.h"
#include "recorded_registry.h"
#include "test_databases.h"

namespace onemcp::registry {
namespace {

namespace fs = std::filesystem;
const fs::path kSource = ONEMCP_SOURCE_DIR;

struct World {
  testing::SqliteTestFiles sqlite;
  std::unique_ptr<testing::PgTestServer> pg;
  testing::RecordedRegistry registry{
      testing::RecordedRegistry::readJsonl(kSource / "tests/fixtures/registry/v0_servers.jsonl")};
  SystemClock clock;
  std::unique_ptr<PageFetcher> fetcher = makeHttpPageFetcher();
  std::unique_ptr<Sleeper> sleeper = makeThreadSleeper();
  sandbox::FixedReachability reach{false, false, false};
  sandbox::Discoverer discoverer{sandbox::DiscoveryServices{nullptr, nullptr, &reach, {}}};
  std::unique_ptr<sandbox::SpecRunner> runner = sandbox::makeLocalRunner();

  std::unique_ptr<CatalogStore> open(int backend) {
    std::string url;
    if (backend == 0) {
      url = sqlite.createDatabase();
    } else {
      if (!pg) pg = std::make_unique<testing::PgTestServer>();
      url = pg->createDatabase();
    }
    auto store = openCatalogStore(url, clock);
    return store ? std::move(*store) : nullptr;
  }
};

World& world() {
  static World instance;
  return instance;
}

CrawlOptions quick() {
  CrawlOptions o;
  o.requests_per_second = 0;
  o.page_size = 10;
  return o;
}

void BM_Crawl(benchmark::State& state) {
  auto& w = world();
  const bool recrawl = state.range(1) != 0;
  std::int64_t entries = 0;
  for (auto _ : state) {
    state.PauseTiming();
    auto store = w.open(static_cast<int>(state.range(0)));
    if (!store) return state.SkipWithError("cannot open a store");
    Crawler crawler(*store, w.discoverer, *w.fetcher, *w.sleeper, w.clock, quick());
    const auto source = *parseSourceSpec("registry:" + w.registry.url());
    if (recrawl && !crawler.crawl(source)) return state.SkipWithError("first crawl failed");
    state.ResumeTiming();
    auto report = crawler.crawl(source);
    if (!report) return state.SkipWithError(report.error().message.c_str());
    entries += report->entries;
  }
  state.counters["entries/s"] =
      benchmark::Counter(static_cast<double>(entries), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_Crawl)
    ->ArgNames({"backend", "recrawl"})
    ->Args({0, 0})
    ->Args({0, 1})
    ->Args({1, 0})
    ->Args({1, 1})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

void BM_VerifyLocal(benchmark::State& state) {
  auto& w = world();
  auto store = w.open(0);
  if (!store) return state.SkipWithError("cannot open a store");
  Crawler crawler(*store, w.discoverer, *w.fetcher, *w.sleeper, w.clock, quick());
  const auto folder = "folder:" + (kSource / "tests/fixtures/servers/node-bin").string();
  if (!crawler.crawl(*parseSourceSpec(folder))) return state.SkipWithError("crawl failed");
  WorkerOptions options;
  options.worker_id = "bench";
  CrawlWorker worker(*store, nullptr, w.runner.get(), w.clock, options);
  std::int64_t verified = 0;
  for (auto _ : state) {
    auto ran = worker.runOnce();
    if (!ran || !ran->has_value()) return state.SkipWithError("no verify job");
    ++verified;
    state.PauseTiming();
    (void)store->enqueueJob({std::string(kVerifyJob), folder.substr(0), "{}", 0});
    state.ResumeTiming();
  }
  state.counters["verifications/s"] =
      benchmark::Counter(static_cast<double>(verified), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_VerifyLocal)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace onemcp::registry

BENCHMARK_MAIN();
