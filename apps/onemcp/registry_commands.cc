// `onemcp registry …`: the catalogue from the command line. Every subcommand opens the
// store the same way (--db, else SQLite under the XDG data dir, seeded on first use;
// registry_cli.h); crawl and worker are in registry_crawl_commands.cc.
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <iostream>
#include <memory>

#include "commands.h"
#include "onemcp/common/clock.h"
#include "onemcp/common/paths.h"
#include "onemcp/http/client.h"
#include "onemcp/http/server.h"
#include "onemcp/registry/api_json.h"
#include "onemcp/registry/catalog_import.h"
#include "onemcp/registry/catalog_store.h"
#include "onemcp/registry/http_api.h"
#include "onemcp/registry/registry_search.h"
#include "onemcp/search/encoder.h"
#include "registry_cli.h"

namespace onemcp::app {

namespace fs = std::filesystem;
using registry::CatalogStore;
using registry::ImportReport;

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

namespace {

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

// The encoder for dense search: --model, else the default model that setup builds;
// without one the search is lexical only (said once on stderr).
std::shared_ptr<const search::Encoder> loadEncoderOrNone(const std::string& model) {
  const fs::path path = model.empty()
                            ? Paths::resolve(processEnv()).cache_dir / "models" / "default.omv"
                            : fs::path(model);
  std::error_code ec;
  if (model.empty() && !fs::exists(path, ec)) {
    std::cerr << "note: no embedding model at " << path.string()
              << " (scripts/build-models makes it); search is lexical only\n";
    return nullptr;
  }
  auto encoder = search::loadEncoder(path);
  if (!encoder) {
    std::cerr << "warning: " << encoder.error().message << "; search is lexical only\n";
    return nullptr;
  }
  return std::shared_ptr<const search::Encoder>(std::move(*encoder));
}

struct ServeArgs {
  StoreArgs store;
  std::string http = "127.0.0.1:8765";
  std::string model;
  std::string admin_token;
  int refresh_ms = 2000;
  std::size_t threads = 4;
  double rate_limit = -1;  // per client, requests/s; < 0: the API's default; 0: off
};

Result<std::pair<std::string, std::uint16_t>> parseListenAddress(const std::string& text) {
  const auto colon = text.rfind(':');
  if (colon == std::string::npos || colon + 1 == text.size()) {
    return fail(ErrorCode::kInvalidInput, "--http wants ADDR:PORT, got '" + text + "'");
  }
  std::string host = text.substr(0, colon);
  if (host.size() > 1 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  int port = -1;
  try {
    std::size_t used = 0;
    port = std::stoi(text.substr(colon + 1), &used);
    if (used != text.size() - colon - 1) port = -1;
  } catch (const std::exception&) {
    port = -1;
  }
  if (port < 0 || port > 65535)
    return fail(ErrorCode::kInvalidInput, "bad port in --http '" + text + "'");
  return std::make_pair(host.empty() ? std::string("127.0.0.1") : host,
                        static_cast<std::uint16_t>(port));
}

// Serves until SIGINT or SIGTERM. The signals are blocked before any thread starts, so
// only sigwait() below ever sees them.
Result<void> serve(const ServeArgs& a) {
  auto listen = parseListenAddress(a.http);
  if (!listen) return fail(std::move(listen).error());
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  SystemClock clock;
  auto store = openStore(a.store, clock);
  if (!store) return fail(std::move(store).error());
  registry::RegistrySearch search(**store, loadEncoderOrNone(a.model));
  ONEMCP_TRY(search.refresh());
  registry::ApiOptions api_options;
  api_options.admin_token = a.admin_token;
  if (a.rate_limit == 0) api_options.rate_limit.burst = 0;
  if (a.rate_limit > 0) {
    api_options.rate_limit.per_second = a.rate_limit;
    api_options.rate_limit.burst = 2 * a.rate_limit;
  }
  registry::RegistryApi api(**store, search, clock, api_options);
  http::ServerOptions options;
  options.bind_address = listen->first;
  options.port = listen->second;
  options.threads = a.threads;
  options.max_body_bytes = api_options.max_admin_body_bytes;
  http::HttpServer server(options);
  api.install(server);
  ONEMCP_TRY(server.start());
  registry::SearchRefresher refresher(search, std::chrono::milliseconds(a.refresh_ms));
  const auto counts = search.snapshot()->counts();
  std::cerr << "registry: " << counts.servers << " servers, " << counts.tools << " tools ("
            << (*store)->backend() << "); serving http://" << listen->first << ":" << server.port()
            << "/" << (a.admin_token.empty() ? " (admin endpoints off: no token)" : "") << "\n";
  int signal = 0;
  sigwait(&signals, &signal);
  std::cerr << "registry: stopping\n";
  server.stop();
  return {};
}

void addServeCommand(CLI::App& parent, CommandRegistry& registry) {
  auto args = std::make_shared<ServeArgs>();
  auto* cmd = parent.add_subcommand("serve", "Serve the registry's HTTP API and web page");
  cmd->add_option("--http", args->http, "listen address ADDR:PORT (port 0: any free port)");
  cmd->add_option("--model", args->model, "embedding model (.omv); default: the one setup builds");
  cmd->add_option("--admin-token", args->admin_token, "bearer token for /v0/admin/* (none: off)")
      ->envname("ONEMCP_REGISTRY_ADMIN_TOKEN");
  cmd->add_option("--refresh-ms", args->refresh_ms, "how often the index follows the store")
      ->check(CLI::Range(50, 3600000));
  cmd->add_option("--threads", args->threads, "HTTP server threads")->check(CLI::Range(1, 64));
  cmd->add_option("--rate-limit", args->rate_limit,
                  "requests/s per client address (burst: twice that); 0: off, e.g. behind a proxy "
                  "where every client has the proxy's address (limit there instead)")
      ->check(CLI::Range(0.0, 1e6));
  addStoreOptions(*cmd, args->store);
  cmd->callback([args, &registry] {
    auto served = serve(*args);
    if (!served) registry.setExitCode(reportError(served.error()));
  });
}

struct SearchArgs {
  StoreArgs store;
  std::string query;
  std::size_t k = 5;
  bool json = false;
  std::string url;
  std::string model;
  bool verified = false;
  int timeout_ms = 5000;
};

Result<nlohmann::ordered_json> searchRemote(const SearchArgs& a) {
  nlohmann::ordered_json request = {{"query", a.query}, {"k", a.k}};
  if (a.verified) request["filters"] = {{"verified", true}};
  std::string base = a.url;
  while (!base.empty() && base.back() == '/') base.pop_back();
  http::HttpClient client;
  http::ClientRequest r;
  r.method = "POST";
  r.url = base + "/v0/search";
  r.body = request.dump();
  r.headers.set("Content-Type", "application/json");
  r.timeout = std::chrono::milliseconds(a.timeout_ms);
  r.body_idle_timeout = std::chrono::milliseconds(a.timeout_ms);
  auto response = client.send(std::move(r));
  if (!response) {
    return fail(response.error().code,
                "cannot reach the registry at " + a.url + ": " + response.error().message);
  }
  auto body = nlohmann::ordered_json::parse(response->body, nullptr, false);
  if (response->status != 200) {
    std::string why = body.is_object() && body.contains("error")
                          ? body["error"].value("message", "")
                          : response->body.substr(0, 200);
    return fail(ErrorCode::kUnavailable, "the registry at " + a.url + " answered " +
                                             std::to_string(response->status) + ": " + why);
  }
  if (body.is_discarded()) return fail(ErrorCode::kParseError, "the registry's answer is not JSON");
  return body;
}

Result<nlohmann::ordered_json> searchEmbedded(const SearchArgs& a) {
  SystemClock clock;
  auto store = openStore(a.store, clock);
  if (!store) return fail(std::move(store).error());
  registry::RegistrySearch search(**store, loadEncoderOrNone(a.model));
  ONEMCP_TRY(search.refresh());
  registry::RegistryQuery q{a.query, a.k, 5, {}};
  q.filters.verified_only = a.verified;
  auto answer = search.search(q);
  if (!answer) return fail(std::move(answer).error());
  return registry::searchAnswerJson(*answer);
}

void printSearchText(const nlohmann::ordered_json& answer) {
  int rank = 0;
  for (const auto& s : answer["servers"]) {
    std::cout << ++rank << ". " << s.value("name", "")
              << (s.value("verified", false) ? "  [verified]" : "") << "  score "
              << s.value("score", 0.0) << "  (" << s.value("id", "") << ")\n";
    std::string d = s.value("description", "");
    for (auto& c : d) {
      if (c == '\n' || c == '\r' || c == '\t') c = ' ';
    }
    if (d.size() > 160) {
      std::size_t cut = 157;
      while (cut > 0 && (static_cast<unsigned char>(d[cut]) & 0xC0) == 0x80) --cut;
      d = d.substr(0, cut) + "...";
    }
    if (!d.empty()) std::cout << "   " << d << "\n";
    std::string tools;
    for (const auto& t : s["tools"]) tools += (tools.empty() ? "" : ", ") + t.value("name", "");
    if (!tools.empty()) std::cout << "   tools: " << tools << "\n";
  }
  if (rank == 0) std::cout << "no server matches\n";
}

void addSearchCommand(CLI::App& parent, CommandRegistry& registry) {
  auto args = std::make_shared<SearchArgs>();
  auto* cmd = parent.add_subcommand("search", "Find the servers that fit a task");
  cmd->add_option("query", args->query, "the task, in words")->required();
  cmd->add_option("-k", args->k, "servers to show")->check(CLI::Range(1, 100));
  cmd->add_flag("--json", args->json, "print the answer as POST /v0/search returns it");
  cmd->add_flag("--verified", args->verified, "only servers verified in the sandbox");
  cmd->add_option("--url", args->url, "ask a running registry (http://HOST:PORT) instead")
      ->envname("ONEMCP_REGISTRY_URL");
  cmd->add_option("--timeout-ms", args->timeout_ms, "give up on --url after this long")
      ->check(CLI::Range(100, 600000));
  cmd->add_option("--model", args->model, "embedding model (.omv) for the embedded search");
  addStoreOptions(*cmd, args->store);
  cmd->callback([args, &registry] {
    auto answer = args->url.empty() ? searchEmbedded(*args) : searchRemote(*args);
    if (!answer) return registry.setExitCode(reportError(answer.error()));
    if (args->json) {
      std::cout << answer->dump(2) << "\n";
    } else {
      printSearchText(*answer);
    }
  });
}

}  // namespace

void addRegistryCommands(CLI::App& app, CommandRegistry& registry) {
  auto* cmd = app.add_subcommand(
      "registry", "The catalogue of MCP servers: serve, search, import, list, crawl, worker");
  cmd->require_subcommand(1);
  addServeCommand(*cmd, registry);
  addSearchCommand(*cmd, registry);
  addImportCommand(*cmd, registry);
  addLsCommand(*cmd, registry);
  addRegistryCrawlCommands(*cmd, registry);
}

}  // namespace onemcp::app
