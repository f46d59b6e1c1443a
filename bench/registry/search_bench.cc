// Registry search latency: POST /v0/search over loopback HTTP (a new connection per
// request, as the HTTP client makes them) against the direct in-process call on the
// same snapshot, at the shipped seed (~1,500 servers, imported into SQLite) and at a
// synthetic catalogue of N servers built in memory from the seed's own words.
// The hybrid index uses the default embedding model when setup has built it.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <random>
#include <vector>

#include "../percentile.h"
#include "onemcp/common/clock.h"
#include "onemcp/common/paths.h"
#include "onemcp/http/client.h"
#include "onemcp/http/server.h"
#include "onemcp/registry/catalog_import.h"
#include "onemcp/registry/http_api.h"
#include "onemcp/registry/registry_search.h"
#include "onemcp/search/text.h"

namespace onemcp::registry {
namespace {

const std::string kSeed = std::string(ONEMCP_SOURCE_DIR) + "/data/seed/catalog.jsonl";

const std::vector<std::string> kQueries = {
    "query a PostgreSQL database with SQL",   "read and write files on disk",
    "get the weather forecast for Paris",     "search the web for recent news",
    "create a GitHub pull request",           "send a message to a Slack channel",
    "take a screenshot of a web page",        "convert a PDF to text",
    "list my calendar events for tomorrow",   "translate this paragraph into German",
    "manage Kubernetes pods and deployments", "look up a stock price",
    "generate an image from a prompt",        "store notes in a knowledge graph memory",
    "run a Python snippet in a sandbox",      "find flights from Berlin to Rome",
};

std::shared_ptr<const search::Encoder> encoder() {
  static const std::shared_ptr<const search::Encoder> instance = [] {
    auto e = search::loadEncoder(Paths::resolve(processEnv()).cache_dir / "models" / "default.omv");
    return e ? std::shared_ptr<const search::Encoder>(std::move(*e)) : nullptr;
  }();
  return instance;
}

// Words of the seed's descriptions, to compose synthetic servers from.
std::vector<std::string> seedWords() {
  std::vector<std::string> words;
  std::ifstream in(kSeed);
  std::string line;
  while (std::getline(in, line) && words.size() < 200000) {
    const auto j = nlohmann::json::parse(line, nullptr, false);
    if (!j.is_object() || !j.contains("server")) continue;
    for (const auto& w : search::splitWords(j["server"].value("description", ""))) {
      if (w.size() > 2) words.push_back(w);
    }
  }
  if (words.empty()) words = {"data", "file", "search", "weather", "database"};
  return words;
}

std::vector<IndexedServer> syntheticServers(std::size_t n) {
  const auto words = seedWords();
  std::mt19937_64 rng(42);
  std::uniform_int_distribution<std::size_t> pick(0, words.size() - 1);
  std::uniform_int_distribution<int> tools_per(0, 5);
  auto sentence = [&](int len) {
    std::string s;
    for (int i = 0; i < len; ++i) s += (i ? " " : "") + words[pick(rng)];
    return s;
  };
  std::vector<IndexedServer> out(n);
  for (std::size_t i = 0; i < n; ++i) {
    auto& s = out[i].server;
    s.id = "syn:server-" + std::to_string(i);
    s.name = "io.example/" + words[pick(rng)] + "-" + std::to_string(i);
    s.description = sentence(14);
    s.source = "synthetic";
    const int t = tools_per(rng);
    for (int k = 0; k < t; ++k) {
      const std::string name = words[pick(rng)] + "_" + words[pick(rng)];
      out[i].tools.push_back({s.id, name, sentence(10), "{}", {}});
    }
    out[i].verified = i % 7 == 0;
  }
  return out;
}

// One catalogue served over loopback; built once per size and kept for the program.
struct Served {
  SystemClock clock;
  std::unique_ptr<CatalogStore> store;
  std::unique_ptr<RegistrySearch> search;
  std::unique_ptr<RegistryApi> api;
  std::unique_ptr<http::HttpServer> server;
  std::string url;
};

Result<std::unique_ptr<Served>> serve(std::size_t synthetic) {
  auto s = std::make_unique<Served>();
  auto store = openCatalogStore("sqlite::memory:", s->clock);
  if (!store) return fail(std::move(store).error());
  s->store = std::move(*store);
  s->search = std::make_unique<RegistrySearch>(*s->store, encoder());
  if (synthetic == 0) {
    auto imported = importPath(*s->store, kSeed);
    if (!imported) return fail(std::move(imported).error());
    ONEMCP_TRY(s->search->refresh());
  } else {
    auto snap = CatalogSnapshot::build(syntheticServers(synthetic), 1, encoder());
    if (!snap) return fail(std::move(snap).error());
    s->search->publish(std::move(*snap));
  }
  ApiOptions options;
  options.rate_limit.burst = 0;  // one client sends everything
  s->api = std::make_unique<RegistryApi>(*s->store, *s->search, s->clock, options);
  s->server = std::make_unique<http::HttpServer>(http::ServerOptions{});
  s->api->install(*s->server);
  ONEMCP_TRY(s->server->start());
  s->url = "http://127.0.0.1:" + std::to_string(s->server->port()) + "/v0/search";
  return s;
}

Served* served(std::size_t synthetic, benchmark::State& state) {
  static std::map<std::size_t, std::unique_ptr<Served>> cache;
  auto& slot = cache[synthetic];
  if (!slot) {
    auto s = serve(synthetic);
    if (!s) {
      state.SkipWithError(s.error().toString().c_str());
      return nullptr;
    }
    slot = std::move(*s);
  }
  return slot.get();
}

using onemcp::bench::percentile;

void report(benchmark::State& state, const std::vector<double>& micros, const Served& s) {
  state.counters["p50_us"] = percentile(micros, 0.50);
  state.counters["p99_us"] = percentile(micros, 0.99);
  state.counters["queries_per_s"] =
      benchmark::Counter(static_cast<double>(micros.size()), benchmark::Counter::kIsRate);
  state.counters["servers"] = static_cast<double>(s.search->snapshot()->counts().servers);
  state.counters["tools"] = static_cast<double>(s.search->snapshot()->counts().tools);
  state.counters["dense"] = encoder() ? 1 : 0;
}

// range(0): 0 = the seed catalogue, else the number of synthetic servers.
void BM_SearchHttp(benchmark::State& state) {
  Served* s = served(static_cast<std::size_t>(state.range(0)), state);
  if (s == nullptr) return;
  http::HttpClient client;
  std::vector<double> micros;
  std::size_t i = 0;
  for (auto _ : state) {
    http::ClientRequest r;
    r.method = "POST";
    r.url = s->url;
    r.body = nlohmann::json{{"query", kQueries[i++ % kQueries.size()]}, {"k", 10}}.dump();
    r.headers.set("Content-Type", "application/json");
    const auto start = std::chrono::steady_clock::now();
    auto response = client.send(std::move(r));
    micros.push_back(
        std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start)
            .count());
    if (!response || response->status != 200) {
      state.SkipWithError(response ? response->body.c_str() : response.error().toString().c_str());
      return;
    }
  }
  report(state, micros, *s);
}

void BM_SearchDirect(benchmark::State& state) {
  Served* s = served(static_cast<std::size_t>(state.range(0)), state);
  if (s == nullptr) return;
  std::vector<double> micros;
  std::size_t i = 0;
  for (auto _ : state) {
    const auto start = std::chrono::steady_clock::now();
    auto answer = s->search->search({kQueries[i++ % kQueries.size()], 10, 5, {}});
    micros.push_back(
        std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start)
            .count());
    if (!answer) {
      state.SkipWithError(answer.error().toString().c_str());
      return;
    }
    benchmark::DoNotOptimize(answer->servers.data());
  }
  report(state, micros, *s);
}

BENCHMARK(BM_SearchDirect)
    ->ArgName("synthetic")
    ->Arg(0)
    ->Arg(10000)
    ->Arg(100000)
    ->Unit(benchmark::kMicrosecond)
    ->UseRealTime();
BENCHMARK(BM_SearchHttp)
    ->ArgName("synthetic")
    ->Arg(0)
    ->Arg(10000)
    ->Arg(100000)
    ->Unit(benchmark::kMicrosecond)
    ->UseRealTime();

}  // namespace
}  // namespace onemcp::registry

BENCHMARK_MAIN();
