// Catalogue store figures on the shipped seed (1,506 servers, 1,287 tools): import
// throughput and list-page latency, on SQLite (a file in a temp dir) and on a real
// PostgreSQL that this program starts on loopback (scripts/pg-test-server).
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <memory>
#include <vector>

#include "../percentile.h"
#include "onemcp/common/clock.h"
#include "onemcp/registry/catalog_import.h"
#include "onemcp/registry/catalog_store.h"
#include "test_databases.h"

namespace onemcp::registry {
namespace {

namespace fs = std::filesystem;
using testing::PgTestServer;
using testing::SqliteTestFiles;

const fs::path kSeed = fs::path(ONEMCP_SOURCE_DIR) / "data/seed/catalog.jsonl";

enum Backend : int { kSqlite = 0, kPostgres = 1 };

struct Databases {
  SqliteTestFiles sqlite;
  std::unique_ptr<PgTestServer> pg;  // started on first use
  std::string create(Backend backend) {
    if (backend == kSqlite) return sqlite.createDatabase();
    if (!pg) pg = std::make_unique<PgTestServer>();
    return pg->createDatabase();
  }
};

Databases& databases() {
  static Databases instance;  // stops the server and removes the files at exit
  return instance;
}

const SystemClock& clock() {
  static const SystemClock instance;
  return instance;
}

std::unique_ptr<CatalogStore> openOrDie(const std::string& url, benchmark::State& state) {
  auto store = openCatalogStore(url, clock());
  if (!store) {
    state.SkipWithError(store.error().toString().c_str());
    return nullptr;
  }
  return std::move(store).value();
}

void BM_ImportSeed(benchmark::State& state) {
  const auto backend = static_cast<Backend>(state.range(0));
  std::int64_t servers = 0;
  for (auto _ : state) {
    state.PauseTiming();
    auto store = openOrDie(databases().create(backend), state);
    if (!store) return;
    state.ResumeTiming();
    auto report = importPath(*store, kSeed);
    if (!report || report->rejected != 0) {
      state.SkipWithError("seed import failed");
      return;
    }
    servers += report->inserted;
  }
  state.counters["servers_per_s"] =
      benchmark::Counter(static_cast<double>(servers), benchmark::Counter::kIsRate);
  state.counters["seed_bytes"] = static_cast<double>(fs::file_size(kSeed));
}

using onemcp::bench::percentile;

void BM_ListPage(benchmark::State& state) {
  const auto backend = static_cast<Backend>(state.range(0));
  const int limit = static_cast<int>(state.range(1));
  static std::unique_ptr<CatalogStore> stores[2];  // seeded once per backend
  if (!stores[backend]) {
    stores[backend] = openOrDie(databases().create(backend), state);
    if (!stores[backend] || !importPath(*stores[backend], kSeed)) {
      state.SkipWithError("seeding failed");
      return;
    }
  }
  CatalogStore& store = *stores[backend];
  std::vector<double> micros;
  std::string cursor;
  for (auto _ : state) {
    const auto start = std::chrono::steady_clock::now();
    auto page = store.listServers(PageRequest{limit, cursor});
    micros.push_back(
        std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start)
            .count());
    if (!page) {
      state.SkipWithError(page.error().toString().c_str());
      return;
    }
    cursor = page->next_cursor;  // walks the whole catalogue, then starts over
    benchmark::DoNotOptimize(page->servers.data());
  }
  state.counters["p50_us"] = percentile(micros, 0.50);
  state.counters["p99_us"] = percentile(micros, 0.99);
  state.counters["pages_per_s"] =
      benchmark::Counter(static_cast<double>(micros.size()), benchmark::Counter::kIsRate);
}

BENCHMARK(BM_ImportSeed)
    ->ArgName("backend")
    ->Arg(kSqlite)
    ->Arg(kPostgres)
    ->Unit(benchmark::kMillisecond)
    ->Iterations(2)
    ->UseRealTime();
BENCHMARK(BM_ListPage)
    ->ArgNames({"backend", "limit"})
    ->Args({kSqlite, 100})
    ->Args({kPostgres, 100})
    ->Unit(benchmark::kMicrosecond)
    ->UseRealTime();

}  // namespace
}  // namespace onemcp::registry

BENCHMARK_MAIN();
