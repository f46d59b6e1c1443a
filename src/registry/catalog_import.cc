#include "onemcp/registry/catalog_import.h"
#include "onemcp/common/text.h"

#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace onemcp::registry {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kSeedMetaKey = "seed.sha256";

void noteError(ImportReport& report, const ImportOptions& options, const std::string& where,
               const Error& error) {
  ++report.rejected;
  if (report.errors.size() < options.max_errors_kept)
    report.errors.push_back(where + ": " + error.message);
}

bool sameTools(const std::vector<ToolRecord>& a, const std::vector<ToolRecord>& b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(),
                    [](const ToolRecord& x, const ToolRecord& y) {
                      return x.name == y.name && x.description == y.description &&
                             x.definition_json == y.definition_json;
                    });
}

// Writes one parsed entry; tools are replaced only when they differ, so that importing
// the same catalogue again changes nothing.
Result<void> storeEntry(CatalogStore& store, const CatalogEntry& entry, ImportReport& report) {
  auto outcome = store.upsertServer(entry.server);
  if (!outcome) return fail(std::move(outcome).error());
  if (entry.tools) {
    auto existing = store.listTools(entry.server.id);
    if (!existing) return fail(std::move(existing).error());
    if (!sameTools(*existing, *entry.tools)) {
      ONEMCP_TRY(store.replaceTools(entry.server.id, *entry.tools));
      report.tools += static_cast<std::int64_t>(entry.tools->size());
    }
  }
  switch (outcome->result) {
    case UpsertResult::kInserted:
      ++report.inserted;
      break;
    case UpsertResult::kUpdated:
      ++report.updated;
      break;
    case UpsertResult::kUnchanged:
      ++report.unchanged;
      break;
  }
  if (!outcome->flags.empty()) ++report.flagged;
  return {};
}

void importOne(CatalogStore& store, std::string_view text, const std::string& where,
               const ImportOptions& options, ImportReport& report) {
  ++report.entries;
  auto entry = parseCatalogEntry(text, options);
  if (!entry) return noteError(report, options, where, entry.error());
  if (auto stored = storeEntry(store, *entry, report); !stored) {
    noteError(report, options, where, stored.error());
  }
}

// A registry API page {"servers": [{"server": …, "_meta": …}, …]} holds many entries.
bool importApiPage(CatalogStore& store, std::string_view text, const std::string& origin,
                   const ImportOptions& options, ImportReport& report) {
  const auto doc = nlohmann::ordered_json::parse(text, nullptr, false);
  if (doc.is_discarded() || !doc.is_object() || doc.contains("name")) return false;
  const auto servers = doc.find("servers");
  if (servers == doc.end() || !servers->is_array()) return false;
  std::size_t i = 0;
  for (const auto& item : *servers) {
    importOne(store, item.dump(), origin + ": servers[" + std::to_string(i++) + "]", options,
              report);
  }
  return true;
}

Result<std::string> readFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail(ErrorCode::kIo, "cannot read '" + path.string() + "'");
  std::ostringstream buf;
  buf << in.rdbuf();
  return buf.str();
}


bool isCatalogFile(const fs::path& p) {
  return p.extension() == ".json" || p.extension() == ".jsonl";
}

}  // namespace

ImportReport importText(CatalogStore& store, std::string_view text, bool jsonl,
                        const std::string& origin, const ImportOptions& options,
                        const ImportProgress& progress) {
  ImportReport report;
  report.files = 1;
  if (!jsonl) {
    if (!importApiPage(store, text, origin, options, report))
      importOne(store, text, origin, options, report);
    if (progress) progress(report);
    return report;
  }
  std::size_t line_no = 0;
  for (std::size_t start = 0; start < text.size();) {
    const auto end = std::min(text.find('\n', start), text.size());
    const std::string_view line = text.substr(start, end - start);
    ++line_no;
    start = end + 1;
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
    importOne(store, line, origin + ":" + std::to_string(line_no), options, report);
    if (progress && report.entries % 100 == 0) progress(report);
  }
  if (progress) progress(report);
  return report;
}

Result<ImportReport> importPath(CatalogStore& store, const fs::path& path,
                                const ImportOptions& options, const ImportProgress& progress) {
  std::error_code ec;
  std::vector<fs::path> files;
  if (fs::is_directory(path, ec)) {
    for (fs::recursive_directory_iterator it(path, ec), end; !ec && it != end; it.increment(ec)) {
      if (it->is_regular_file() && isCatalogFile(it->path())) files.push_back(it->path());
    }
    if (ec) return fail(ErrorCode::kIo, "cannot list '" + path.string() + "': " + ec.message());
    std::sort(files.begin(), files.end());
  } else if (fs::is_regular_file(path, ec)) {
    files.push_back(path);
  } else {
    return fail(ErrorCode::kNotFound, "'" + path.string() + "' is neither a file nor a directory");
  }
  ImportReport total;
  for (const auto& file : files) {
    auto text = readFile(file);
    if (!text) return fail(std::move(text).error());
    ImportOptions file_options = options;
    if (file_options.source.empty()) file_options.source = "file:" + file.string();
    auto report = importText(store, *text, file.extension() == ".jsonl", file.string(),
                             file_options, [&](const ImportReport& r) {
                               if (!progress) return;
                               ImportReport sum = total;
                               sum.entries += r.entries;
                               sum.inserted += r.inserted;
                               progress(sum);
                             });
    total.files += 1;
    total.entries += report.entries;
    total.inserted += report.inserted;
    total.updated += report.updated;
    total.unchanged += report.unchanged;
    total.rejected += report.rejected;
    total.tools += report.tools;
    total.flagged += report.flagged;
    for (auto& e : report.errors) {
      if (total.errors.size() < options.max_errors_kept) total.errors.push_back(std::move(e));
    }
  }
  return total;
}

Result<std::optional<ImportReport>> ensureSeeded(CatalogStore& store, const fs::path& seed_file,
                                                 const ImportProgress& progress) {
  auto text = readFile(seed_file);
  if (!text) return fail(text.error().wrap("reading the seed catalogue"));
  const std::string hash = sha256Hex(*text);
  auto seen = store.getMeta(std::string(kSeedMetaKey));
  if (!seen) return fail(std::move(seen).error());
  if (seen->has_value() && **seen == hash) return std::optional<ImportReport>{};
  ImportOptions options;
  options.source = "seed";
  ImportReport report =
      importText(store, *text, true, seed_file.filename().string(), options, progress);
  if (report.inserted + report.updated + report.unchanged == 0 && report.entries > 0) {
    return fail(ErrorCode::kInvalidInput, "the seed catalogue '" + seed_file.string() +
                                              "' has no valid entry; first error: " +
                                              (report.errors.empty() ? "" : report.errors.front()));
  }
  ONEMCP_TRY(store.putMeta(std::string(kSeedMetaKey), hash));
  return std::optional<ImportReport>{std::move(report)};
}

Result<fs::path> findSeedCatalog(const EnvLookup& env) {
  std::vector<fs::path> candidates;
  if (auto explicit_file = env("ONEMCP_SEED_FILE")) candidates.emplace_back(*explicit_file);
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec)
    candidates.push_back(exe.parent_path().parent_path() / "share/onemcp/seed/catalog.jsonl");
#ifdef ONEMCP_SOURCE_SEED_FILE
  candidates.emplace_back(ONEMCP_SOURCE_SEED_FILE);
#endif
  for (const auto& c : candidates) {
    if (fs::is_regular_file(c, ec)) return c;
  }
  std::string tried;
  for (const auto& c : candidates) tried += (tried.empty() ? "" : ", ") + c.string();
  return fail(ErrorCode::kNotFound, "no seed catalogue found (tried " + tried +
                                        "); set ONEMCP_SEED_FILE to data/seed/catalog.jsonl");
}

}  // namespace onemcp::registry
