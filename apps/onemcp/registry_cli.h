// What the `onemcp registry …` subcommands share: how they open the catalogue store
// (--db, else SQLite under the XDG data dir, seeded on first use) and report errors.
#pragma once

#include <CLI/CLI.hpp>
#include <memory>
#include <string>

#include "commands.h"
#include "onemcp/common/clock.h"
#include "onemcp/common/result.h"
#include "onemcp/registry/catalog_import.h"
#include "onemcp/registry/catalog_store.h"

namespace onemcp::app {

struct StoreArgs {
  std::string db;  // "" : the embedded default
  bool no_seed = false;
};

void addStoreOptions(CLI::App& cmd, StoreArgs& args);
// Opens the store and imports the shipped seed once (unless args.no_seed).
Result<std::unique_ptr<registry::CatalogStore>> openStore(const StoreArgs& args,
                                                          const Clock& clock);
// Prints "error: <message>" on stderr; returns the exit code 1.
int reportError(const Error& e);
void printProgress(const registry::ImportReport& r);
void printSummary(const std::string& what, const registry::ImportReport& r);

// `registry crawl` and `registry worker` (registry_crawl_commands.cc).
void addRegistryCrawlCommands(CLI::App& registry_cmd, CommandRegistry& registry);

}  // namespace onemcp::app
