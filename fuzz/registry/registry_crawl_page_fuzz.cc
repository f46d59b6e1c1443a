// Feeds arbitrary bytes to the crawler as a page of a registry's /v0/servers API (the
// next page, if its cursor asks for one, is empty): page and cursor reading, `_meta`,
// entry validation and offline discovery, into an in-memory SQLite store. Properties: no
// crash, no sanitizer report, and the crawl's counts add up.
#include <cstddef>
#include <cstdint>
#include <string>

#include "onemcp/common/clock.h"
#include "onemcp/registry/catalog_store.h"
#include "onemcp/registry/crawler.h"
#include "onemcp/sandbox/discovery.h"

namespace {

using namespace onemcp;            // NOLINT(google-build-using-namespace)
using namespace onemcp::registry;  // NOLINT(google-build-using-namespace)

class OnePage final : public PageFetcher {
 public:
  std::string page;
  int calls = 0;
  Result<std::string> get(const std::string&, std::chrono::milliseconds) override {
    return ++calls == 1 ? page : std::string(R"({"servers": [], "metadata": {}})");
  }
};

class NoSleep final : public Sleeper {
 public:
  void sleepFor(std::chrono::milliseconds) override {}
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static ManualClock clock;
  static auto store = openSqliteCatalogStore(":memory:", clock);
  static auto source = parseSourceSpec("registry:http://registry.invalid");
  if (!store || !source) __builtin_trap();
  sandbox::Discoverer discoverer(sandbox::DiscoveryServices{});
  OnePage fetcher;
  fetcher.page.assign(reinterpret_cast<const char*>(data), size);
  NoSleep sleeper;
  CrawlOptions options;
  options.requests_per_second = 0;
  options.page_attempts = 1;
  options.max_pages = 3;
  options.enqueue_verify = false;
  Crawler crawler(**store, discoverer, fetcher, sleeper, clock, options);
  auto report = crawler.crawl(*source);
  if (report && report->inserted + report->updated + report->unchanged + report->rejected > report->entries) {
    __builtin_trap();
  }
  return 0;
}
