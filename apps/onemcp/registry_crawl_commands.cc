// `onemcp registry crawl` (crawl the named sources now and verify what they bring, with
// a progress display) and `onemcp registry worker` (a long-running worker of the job
// queue: crawls its sources on a schedule and verifies servers; run several on one
// PostgreSQL). Both verify in the sandbox (Docker) unless --local is given.
#include <unistd.h>

#include <atomic>
#include <iostream>
#include <map>
#include <memory>
#include <thread>

#include "commands.h"
#include "onemcp/registry/crawl_worker.h"
#include "onemcp/registry/crawler.h"
#include "onemcp/sandbox/verify_sandbox.h"
#include "registry_cli.h"
#include "sandbox_env.h"
#include "stop_signals.h"

namespace onemcp::app {
namespace {

using registry::CrawlReport;
using registry::CrawlWorker;
using registry::SourceSpec;
using registry::WorkerEvent;

struct CrawlArgs {
  StoreArgs store;
  std::vector<std::string> sources;
  bool offline = false;
  bool no_verify = false;
  bool local = false;
  int timeout_s = 180;
  double rate = 4.0;
  // worker only
  std::string id;
  std::string interval = "6h";
  int lease_ms = 60000;
  int poll_ms = 1000;
  bool verify_only = false;
};

Result<std::vector<SourceSpec>> parseSources(const std::vector<std::string>& texts) {
  std::vector<SourceSpec> out;
  for (const auto& t : texts) {
    auto s = registry::parseSourceSpec(t);
    if (!s) return fail(std::move(s).error());
    out.push_back(*s);
  }
  return out;
}

Result<std::chrono::milliseconds> parseInterval(const std::string& text) {
  std::size_t used = 0;
  long long n = -1;
  try {
    n = std::stoll(text, &used);
  } catch (const std::exception&) {
    n = -1;
  }
  const std::string unit = n < 0 ? "" : text.substr(used);
  const std::map<std::string, long long> ms{
      {"ms", 1}, {"s", 1000}, {"m", 60000}, {"h", 3600000}, {"d", 86400000}};
  const auto u = ms.find(unit);
  if (n <= 0 || u == ms.end()) {
    return fail(ErrorCode::kInvalidInput,
                "--interval wants a number and a unit (30s, 10m, 6h, 1d), got '" + text + "'");
  }
  return std::chrono::milliseconds(n * u->second);
}

std::string progressBar(std::int64_t done, std::int64_t total) {
  constexpr int kWidth = 24;
  const int filled = total <= 0 ? 0 : static_cast<int>(kWidth * std::min(done, total) / total);
  return "[" + std::string(static_cast<std::size_t>(filled), '#') +
         std::string(static_cast<std::size_t>(kWidth - filled), '.') + "] " + std::to_string(done) +
         "/" + std::to_string(total);
}

// The outside world of a crawl: discovery's services, HTTP, the sandbox for verification.
struct CrawlKit {
  World world;
  std::unique_ptr<registry::PageFetcher> fetcher = registry::makeHttpPageFetcher();
  std::unique_ptr<registry::Sleeper> sleeper = registry::makeThreadSleeper();
  Sandbox sandbox;
  std::unique_ptr<sandbox::SpecRunner> runner;
  std::unique_ptr<sandbox::Discoverer> discoverer;
  std::unique_ptr<registry::Crawler> crawler;

  CrawlKit(bool offline) : world(offline) {}
};

Result<std::unique_ptr<CrawlKit>> openKit(const CrawlArgs& a, registry::CatalogStore& store,
                                          const Clock& clock, bool need_runner) {
  auto kit = std::make_unique<CrawlKit>(a.offline);
  kit->discoverer = std::make_unique<sandbox::Discoverer>(kit->world.discoverer());
  registry::CrawlOptions options;
  options.requests_per_second = a.rate;
  kit->crawler = std::make_unique<registry::Crawler>(store, *kit->discoverer, *kit->fetcher,
                                                     *kit->sleeper, clock, options);
  if (!need_runner) return kit;
  if (a.local) {
    kit->runner = sandbox::makeLocalRunner();
    return kit;
  }
  auto opened = openSandbox(true);
  if (!opened)
    return fail(opened.error().code,
                "the sandbox is needed to verify (or give --local / --no-verify): " +
                    opened.error().message);
  kit->sandbox = std::move(*opened);
  kit->runner =
      sandbox::makeSandboxRunner(*kit->sandbox.host, *kit->sandbox.images,
                                 [](std::string_view line) { std::cerr << "  " << line << "\n"; });
  return kit;
}

std::string defaultWorkerId() {
  char host[256] = {};
  gethostname(host, sizeof host - 1);
  return std::string(host) + ":" + std::to_string(getpid());
}

int runCrawl(const CrawlArgs& a) {
  auto sources = parseSources(a.sources);
  if (!sources) return reportError(sources.error());
  if (sources->empty()) {
    return reportError(Error{ErrorCode::kInvalidInput,
                             "name at least one --source (registry:URL, file:PATH, npm:NAME, "
                             "folder:PATH, git:URL, mcpservers:PATH)"});
  }
  SystemClock clock;
  auto store = openStore(a.store, clock);
  if (!store) return reportError(store.error());
  auto kit = openKit(a, **store, clock, !a.no_verify);
  if (!kit) return reportError(kit.error());
  for (const auto& s : *sources) {
    auto job = (*store)->enqueueJob({std::string(registry::kCrawlJob), s.label(), "{}", 1});
    if (!job) return reportError(job.error());
  }
  registry::WorkerOptions options;
  options.worker_id = "crawl:" + defaultWorkerId();
  options.verify_budget = std::chrono::seconds(a.timeout_s);
  options.lease = std::max(std::chrono::milliseconds(60000), options.verify_budget / 2);
  CrawlWorker worker(**store, (*kit)->crawler.get(), (*kit)->runner.get(), clock, options);
  const bool tty = isatty(STDERR_FILENO) != 0;
  std::int64_t queued = 0;       // verify jobs the crawls queued: the progress bar's total
  std::int64_t last_queued = 0;  // of the crawl running now
  std::int64_t verified = 0;
  std::int64_t done = 0;
  int failures = 0;
  const auto progress = [&](const CrawlReport& r) {
    last_queued = r.verify_queued;
    if (!tty) return;
    std::cerr << "\r\033[K  " << r.source << ": " << r.entries << " entries, " << r.inserted
              << " new, " << r.updated << " changed, " << r.unchanged << " unchanged, "
              << r.rejected << " rejected" << std::flush;
  };
  const auto observe = [&](const WorkerEvent& e) {
    if (tty) std::cerr << "\r\033[K";
    if (e.job.kind == registry::kCrawlJob) {
      if (e.what.starts_with("failed")) ++failures;
      queued += last_queued;
      last_queued = 0;
      std::cerr << e.what << "\n";
      return;
    }
    ++done;
    if (e.what.starts_with("verified")) ++verified;
    std::cerr << progressBar(done, std::max(queued, done)) << " " << e.what << "\n";
  };
  for (;;) {
    auto ran = worker.runOnce(observe, progress);
    if (!ran) return reportError(ran.error());
    if (!ran->has_value()) break;
  }
  std::cerr << "crawl done: " << done << " verification(s), " << verified << " verified"
            << (failures > 0 ? ", " + std::to_string(failures) + " source(s) failed" : "") << "\n";
  return failures > 0 ? 1 : 0;
}

int runWorker(const CrawlArgs& a) {
  auto sources = parseSources(a.sources);
  if (!sources) return reportError(sources.error());
  auto interval = parseInterval(a.interval);
  if (!interval) return reportError(interval.error());
  StopSignals signals;  // before any thread starts
  SystemClock clock;
  auto store = openStore(a.store, clock);
  if (!store) return reportError(store.error());
  auto kit = openKit(a, **store, clock, true);
  if (!kit) return reportError(kit.error());
  registry::WorkerOptions options;
  options.worker_id = a.id.empty() ? defaultWorkerId() : a.id;
  options.lease = std::chrono::milliseconds(a.lease_ms);
  options.verify_budget = std::chrono::seconds(a.timeout_s);
  options.crawl = !a.verify_only;
  CrawlWorker worker(**store, (*kit)->crawler.get(), (*kit)->runner.get(), clock, options);
  std::cerr << "worker " << options.worker_id << ": " << (*store)->backend() << ", "
            << sources->size() << " scheduled source(s)\n";
  std::jthread loop([&](std::stop_token stop) {
    while (!stop.stop_requested()) {
      if (!sources->empty() && options.crawl) {
        auto due = registry::scheduleDueCrawls(**store, *sources, *interval, clock);
        if (!due)
          std::cerr << "worker " << options.worker_id << ": " << due.error().message << "\n";
      }
      auto ran = worker.runOnce([&](const WorkerEvent& e) {
        std::cerr << "worker " << options.worker_id << ": job " << e.job.id << " " << e.what
                  << "\n";
      });
      if (!ran) {
        // The store is unreachable (e.g. PostgreSQL restarting): say so and try again.
        std::cerr << "worker " << options.worker_id << ": " << ran.error().message << "\n";
      }
      if (ran && ran->has_value()) continue;
      for (int waited = 0; waited < a.poll_ms && !stop.stop_requested(); waited += 50) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
    }
  });
  signals.wait();
  std::cerr << "worker " << options.worker_id << ": stopping after the current job\n";
  loop.request_stop();
  loop.join();
  return 0;
}

void addCommonOptions(CLI::App& cmd, CrawlArgs& a) {
  cmd.add_option("--source", a.sources,
                 "registry:URL (the official API), file:PATH (server.json, JSONL, a folder of "
                 "them), npm:NAME, "
                 "folder:PATH, git:URL, mcpservers:PATH; repeatable");
  cmd.add_flag("--offline", a.offline, "discovery asks no registry (npm, PyPI, Git hosts, images)");
  cmd.add_flag("--local", a.local,
               "verify as plain local processes instead of the sandbox (no isolation; tests)");
  cmd.add_option("--timeout", a.timeout_s, "time budget of one verification, in seconds")
      ->check(CLI::Range(1, 3600));
  cmd.add_option("--rate", a.rate, "requests per second to one source (0: no limit)");
  addStoreOptions(cmd, a.store);
}

}  // namespace

void addRegistryCrawlCommands(CLI::App& registry_cmd, CommandRegistry& registry) {
  auto crawl_args = std::make_shared<CrawlArgs>();
  auto* crawl = registry_cmd.add_subcommand(
      "crawl",
      "Crawl sources now: store each entry with a run spec or a reason, then verify what can run");
  addCommonOptions(*crawl, *crawl_args);
  crawl->add_flag("--no-verify", crawl_args->no_verify,
                  "only crawl; leave the verify jobs queued for workers");
  crawl->callback([crawl_args, &registry] { registry.setExitCode(runCrawl(*crawl_args)); });

  auto worker_args = std::make_shared<CrawlArgs>();
  auto* worker = registry_cmd.add_subcommand(
      "worker",
      "Work the crawl/verify job queue until stopped; crawls its --source list on a schedule");
  addCommonOptions(*worker, *worker_args);
  worker->add_option("--id", worker_args->id, "worker name (default: HOST:PID)");
  worker->add_option("--interval", worker_args->interval,
                     "how often each --source is crawled (30s, 10m, 6h, 1d)");
  worker
      ->add_option("--lease-ms", worker_args->lease_ms,
                   "how long a claimed job holds without renewal")
      ->check(CLI::Range(100, 86400000));
  worker->add_option("--poll-ms", worker_args->poll_ms, "wait between polls when no job is due")
      ->check(CLI::Range(10, 600000));
  worker->add_flag("--verify-only", worker_args->verify_only, "take only verify jobs");
  worker->callback([worker_args, &registry] { registry.setExitCode(runWorker(*worker_args)); });
}

}  // namespace onemcp::app
