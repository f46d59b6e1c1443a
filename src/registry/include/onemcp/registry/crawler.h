// The crawler: reads a source (the official registry's API, server.json files, an npm
// package, a local folder, a Git URL, an mcpServers block), writes each entry to the
// store, and for every new or changed entry runs discovery: a run spec (and, when it
// can run as is, a queued verify job) or a skipped verification with the reason.
// Unchanged entries cost one upsert and nothing else, which makes re-crawls incremental.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "onemcp/common/clock.h"
#include "onemcp/common/result.h"
#include "onemcp/registry/catalog_store.h"
#include "onemcp/sandbox/discovery.h"

namespace onemcp::registry {

enum class SourceKind { kRegistryApi, kServerJson, kNpm, kFolder, kGit, kMcpServers };
std::string_view sourceKindName(SourceKind kind);

// One source. Written as text ("registry:URL", "file:PATH", "npm:NAME", "folder:PATH",
// "git:URL", "mcpservers:PATH"; a bare http(s) URL is a registry, a bare path a
// server.json file or folder); label() is that canonical text, the crawl job's target.
struct SourceSpec {
  SourceKind kind = SourceKind::kServerJson;
  std::string location;
  [[nodiscard]] std::string label() const;
};
Result<SourceSpec> parseSourceSpec(std::string_view text);

// GETs a URL's body; a status other than 200 is an error naming it. Injected so the
// crawler's HTTP can be replaced in unit tests.
class PageFetcher {
 public:
  virtual ~PageFetcher() = default;
  virtual Result<std::string> get(const std::string& url, std::chrono::milliseconds timeout) = 0;
};
std::unique_ptr<PageFetcher> makeHttpPageFetcher();

// Waits. Injected so that rate limits and back-off are tested without sleeping.
class Sleeper {
 public:
  virtual ~Sleeper() = default;
  virtual void sleepFor(std::chrono::milliseconds duration) = 0;
};
std::unique_ptr<Sleeper> makeThreadSleeper();

struct CrawlOptions {
  int page_size = 100;               // registry API pages
  double requests_per_second = 4.0;  // per source; <= 0: no limit
  int page_attempts = 4;             // per page; then the crawl fails (the job queue retries it)
  std::chrono::milliseconds retry_base{500};  // doubled after each failed attempt
  std::chrono::milliseconds fetch_timeout{30000};
  int max_pages = 100000;      // a registry whose cursors never end is cut here
  bool enqueue_verify = true;  // queue a verify job for each runnable new/changed entry
};

struct CrawlReport {
  std::string source;
  std::int64_t pages = 0;
  std::int64_t retries = 0;
  std::int64_t entries = 0;
  std::int64_t inserted = 0;
  std::int64_t updated = 0;
  std::int64_t unchanged = 0;
  std::int64_t rejected = 0;      // malformed or over a cap: reported, the rest goes on
  std::int64_t runnable = 0;      // discovery gave a spec that runs as is
  std::int64_t not_runnable = 0;  // kept with the reason (needs a secret, unsupported, ...)
  std::int64_t verify_queued = 0;
  std::vector<std::string> errors;  // "where: message", at most 50
};
using CrawlProgress = std::function<void(const CrawlReport&)>;

class Crawler {
 public:
  Crawler(CatalogStore& store, sandbox::Discoverer& discoverer, PageFetcher& fetcher,
          Sleeper& sleeper, const Clock& clock, CrawlOptions options = {});

  // Reads the whole source. Fails only when the source itself cannot be read (an
  // unreachable registry after its retries, a missing file); bad entries are counted.
  Result<CrawlReport> crawl(const SourceSpec& source, const CrawlProgress& progress = {});

  // One entry as read from a source, before it is stored.
  struct Item {
    ServerRecord server;
    std::function<sandbox::Discovery(sandbox::Discoverer&)> discover;
  };

 private:
  Result<void> crawlRegistry(const SourceSpec& source, CrawlReport& report,
                             const CrawlProgress& progress);
  Result<void> crawlServerJson(const SourceSpec& source, CrawlReport& report);
  Result<void> crawlMcpServers(const SourceSpec& source, CrawlReport& report);
  Result<void> takeMcpServers(const nlohmann::json& doc, const std::string& origin,
                              const std::string& source, CrawlReport& report);
  Result<std::string> fetchWithRetry(const std::string& source, const std::string& url,
                                     CrawlReport& report);
  void take(Item item, CrawlReport& report);
  void reject(CrawlReport& report, const std::string& where, const std::string& message);

  CatalogStore& store_;
  sandbox::Discoverer& discoverer_;
  PageFetcher& fetcher_;
  Sleeper& sleeper_;
  const Clock& clock_;
  CrawlOptions options_;
  // When each source may next be asked (the per-source rate limit).
  std::map<std::string, std::chrono::steady_clock::time_point> next_request_;
};

// The id, record and discovery of one entry of each kind, as the crawler stores them.
Crawler::Item npmItem(const std::string& spec, const std::string& source);
Crawler::Item folderItem(const std::string& path, const std::string& source);
Crawler::Item gitItem(const std::string& url, const std::string& source);

// The meta key that records when a source was last crawled (wall ms).
std::string lastCrawlKey(const SourceSpec& source);
// Queues a crawl of every source not crawled within `interval` (the schedule); returns
// how many were queued. Queuing twice is harmless: a queued or leased job is reused.
Result<int> scheduleDueCrawls(CatalogStore& store, const std::vector<SourceSpec>& sources,
                              std::chrono::milliseconds interval, const Clock& clock);

}  // namespace onemcp::registry
