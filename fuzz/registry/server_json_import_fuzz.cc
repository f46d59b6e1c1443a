// Feeds arbitrary bytes to the catalogue importer: entry parsing (server.json, seed
// lines, registry API pages), the store's validation and the description scan, into an
// in-memory SQLite store. Any crash, sanitizer report or uncaught exception is a bug.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "onemcp/common/clock.h"
#include "onemcp/registry/catalog_import.h"
#include "onemcp/registry/description_scan.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace onemcp::registry;
  static onemcp::ManualClock clock;
  static auto store = openSqliteCatalogStore(":memory:", clock);
  if (!store) __builtin_trap();
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)scanForInjection(text);
  (void)parseCatalogEntry(text, ImportOptions{});
  const ImportReport jsonl = importText(**store, text, true, "fuzz.jsonl", ImportOptions{});
  const ImportReport single = importText(**store, text, false, "fuzz.json", ImportOptions{});
  if (jsonl.rejected > jsonl.entries || single.rejected > single.entries) __builtin_trap();
  return 0;
}
