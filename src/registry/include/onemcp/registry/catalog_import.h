// Reading catalogue entries from files: server.json documents, JSONL of them, the
// official registry API's {"servers": [...]} pages, and the shipped seed catalogue.
// A malformed entry is reported with its file and line and skipped; the others go in.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "onemcp/common/paths.h"
#include "onemcp/common/result.h"
#include "onemcp/registry/catalog_store.h"

namespace onemcp::registry {

struct ImportOptions {
  std::string id_prefix = "reg:";  // ids of bare server.json entries: prefix + name
  std::string source;              // source label when the entry has none ("" : "file:<path>")
  std::size_t max_entry_bytes = std::size_t{8} * 1024 * 1024;  // one JSON document or JSONL line
  std::size_t max_errors_kept = 50;
};

struct CatalogEntry {
  ServerRecord server;
  std::optional<std::vector<ToolRecord>> tools;  // present when the entry lists tools
};

// Parses one entry: a seed line {"id","source","server","meta","tools"}, a registry API
// item {"server", "_meta"}, a {"server_json": …} row, or a bare server.json (kept
// verbatim, unknown fields included).
Result<CatalogEntry> parseCatalogEntry(std::string_view text, const ImportOptions& options);

struct ImportReport {
  std::int64_t files = 0;
  std::int64_t entries = 0;
  std::int64_t inserted = 0;
  std::int64_t updated = 0;
  std::int64_t unchanged = 0;
  std::int64_t rejected = 0;
  std::int64_t tools = 0;           // tool definitions written
  std::int64_t flagged = 0;         // servers whose text matched a prompt-injection pattern
  std::vector<std::string> errors;  // "file:line: message", at most max_errors_kept
};

using ImportProgress = std::function<void(const ImportReport&)>;

// Imports text holding one JSON document, or JSONL when jsonl is set; origin names it
// in errors ("catalog.jsonl").
ImportReport importText(CatalogStore& store, std::string_view text, bool jsonl,
                        const std::string& origin, const ImportOptions& options,
                        const ImportProgress& progress = {});

// Imports a file (.json, .jsonl) or every such file below a directory, in name order.
Result<ImportReport> importPath(CatalogStore& store, const std::filesystem::path& path,
                                const ImportOptions& options = {},
                                const ImportProgress& progress = {});

// Imports the seed catalogue unless this exact file was imported before (its SHA-256 is
// kept in the store's meta). Returns the report, or nullopt when nothing was to do.
Result<std::optional<ImportReport>> ensureSeeded(CatalogStore& store,
                                                 const std::filesystem::path& seed_file,
                                                 const ImportProgress& progress = {});

// Where the shipped seed catalogue is: $ONEMCP_SEED_FILE, then
// <prefix>/share/onemcp/seed/catalog.jsonl next to the installed binary, then the
// source tree's data/seed/catalog.jsonl.
Result<std::filesystem::path> findSeedCatalog(const EnvLookup& env);

}  // namespace onemcp::registry
