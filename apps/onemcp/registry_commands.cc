// `onemcp registry …`: the catalogue from the command line. Every subcommand opens the
// store the same way (--db, else SQLite under the XDG data dir, seeded on first use),
// so `serve`, `crawl` and `search` plug in beside `import` and `ls` below.
#include <unistd.h>

#include <filesystem>
#include <iostream>
#include <memory>

#include "commands.h"
#include "onemcp/common/clock.h"
#include "onemcp/common/paths.h"
#include "onemcp/registry/api_json.h"
#include "onemcp/registry/catalog_import.h"
#include "onemcp/registry/catalog_store.h"

namespace onemcp::app {
namespace {

namespace fs = std::filesystem;
using registry::CatalogStore;
using registry::ImportReport;

// What every registry subcommand needs to reach its store.
struct StoreArgs {
  std::string db;  // "" : the embedded default
  bool no_seed = false;
};

void addStoreOptions(CLI::App& cmd, StoreArgs& args) {
  cmd.add_option("--db", args.db,
                 "catalogue database: sqlite:PATH or postgresql://USER@HOST:PORT/DB "
                 "(default: SQLite under the XDG data dir)")
      ->envname("ONEMCP_REGISTRY_DB");
  cmd.add_flag("--no-seed", args.no_seed, "do not import the shipped seed catalogue");
}

void printProgress(const ImportReport& r) {
  if (isatty(STDERR_FILENO) == 0) return;
  std::cerr << "\r  " << r.entries << " entries, " << r.inserted << " new, " << r.rejected
            << " rejected" << std::flush;
}

void printSummary(const std::string& what, const ImportReport& r) {
  if (isatty(STDERR_FILENO) != 0) std::cerr << "\r\033[K";
  std::cerr << what << ": " << r.entries << " entries from " << r.files
            << " file(s): " << r.inserted << " new, " << r.updated << " updated, " << r.unchanged
            << " unchanged, " << r.rejected << " rejected; " << r.tools << " tools written; "
            << r.flagged << " flagged by the description scan\n";
  for (const auto& e : r.errors) std::cerr << "  " << e << "\n";
  if (r.rejected > static_cast<std::int64_t>(r.errors.size())) {
    std::cerr << "  … and " << (r.rejected - static_cast<std::int64_t>(r.errors.size()))
              << " more\n";
  }
}

// Opens the store and imports the shipped seed unless this seed file was imported
// before (a hash check; cheap), so a first start has a catalogue to search.
Result<std::unique_ptr<CatalogStore>> openStore(const StoreArgs& args, const Clock& clock) {
  std::string url = args.db;
  if (url.empty()) {
    const fs::path dir = Paths::resolve(processEnv()).data_dir;
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) return fail(ErrorCode::kIo, "cannot create '" + dir.string() + "': " + ec.message());
    url = "sqlite:" + (dir / "registry.db").string();
  }
  auto store = registry::openCatalogStore(url, clock);
  if (!store) return store;
  if (args.no_seed) return store;
  auto seed = registry::findSeedCatalog(processEnv());
  if (!seed) {
    std::cerr << "warning: " << seed.error().message << "\n";
    return store;
  }
  auto seeded = registry::ensureSeeded(**store, *seed, printProgress);
  if (!seeded) return fail(std::move(seeded).error());
  if (seeded->has_value()) printSummary("seeded from " + seed->string(), **seeded);
  return store;
}

int reportError(const Error& e) {
  std::cerr << "error: " << e.message << "\n";
  return 1;
}

struct ImportArgs {
  StoreArgs store;
  std::string path;
  std::string prefix = "reg:";
};

void addImportCommand(CLI::App& parent, CommandRegistry& registry) {
  auto args = std::make_shared<ImportArgs>();
  auto* cmd = parent.add_subcommand(
      "import",
      "Import server.json files, JSONL of them, registry API pages or the seed catalogue");
  cmd->add_option("path", args->path, "a .json or .jsonl file, or a directory of them")->required();
  cmd->add_option("--prefix", args->prefix, "id prefix for bare server.json entries");
  addStoreOptions(*cmd, args->store);
  cmd->callback([args, &registry] {
    SystemClock clock;
    StoreArgs store_args = args->store;
    store_args.no_seed = true;  // importing is explicit; do not mix in the seed
    auto store = openStore(store_args, clock);
    if (!store) return registry.setExitCode(reportError(store.error()));
    registry::ImportOptions options;
    options.id_prefix = args->prefix;
    auto report = registry::importPath(**store, args->path, options, printProgress);
    if (!report) return registry.setExitCode(reportError(report.error()));
    printSummary("imported", *report);
    registry.setExitCode(report->rejected > 0 ? 1 : 0);
  });
}

struct LsArgs {
  StoreArgs store;
  int limit = 50;
  std::string cursor;
  bool json = false;
};

void printPageText(const registry::ServerPage& page) {
  for (const auto& s : page.servers) {
    std::string text = s.title.empty() ? s.description : s.title + " — " + s.description;
    if (text.size() > 100) {
      std::size_t cut = 97;
      while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
      text = text.substr(0, cut) + "...";
    }
    std::cout << s.id << "  " << text << (s.flags.empty() ? "" : "  [flagged]") << "\n";
  }
  if (!page.next_cursor.empty()) std::cout << "next cursor: " << page.next_cursor << "\n";
}

void addLsCommand(CLI::App& parent, CommandRegistry& registry) {
  auto args = std::make_shared<LsArgs>();
  auto* cmd = parent.add_subcommand("ls", "List catalogue servers, one page at a time");
  cmd->add_option("--limit", args->limit, "servers per page")->check(CLI::Range(1, 1000));
  cmd->add_option("--cursor", args->cursor, "continue after a previous page (its next cursor)");
  cmd->add_flag("--json", args->json, "print the page in the registry API's JSON shape");
  addStoreOptions(*cmd, args->store);
  cmd->callback([args, &registry] {
    SystemClock clock;
    auto store = openStore(args->store, clock);
    if (!store) return registry.setExitCode(reportError(store.error()));
    auto page = (*store)->listServers(registry::PageRequest{args->limit, args->cursor});
    if (!page) return registry.setExitCode(reportError(page.error()));
    if (args->json) {
      std::cout << registry::serverPageJson(*page).dump(2) << "\n";
    } else {
      printPageText(*page);
    }
  });
}

}  // namespace

void addRegistryCommands(CLI::App& app, CommandRegistry& registry) {
  auto* cmd = app.add_subcommand("registry", "The catalogue of MCP servers: import, list");
  cmd->require_subcommand(1);
  addImportCommand(*cmd, registry);
  addLsCommand(*cmd, registry);
  // serve, crawl and search are added here as they land, each with addStoreOptions().
}

}  // namespace onemcp::app
