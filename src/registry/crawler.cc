#include "onemcp/registry/crawler.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <sstream>
#include <thread>
#include <utility>

#include "onemcp/http/client.h"
#include "onemcp/registry/catalog_import.h"

namespace onemcp::registry {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using sandbox::Discoverer;
using sandbox::Discovery;

constexpr std::size_t kMaxErrorsKept = 50;
constexpr std::size_t kMaxSourceFileBytes = std::size_t{64} * 1024 * 1024;
// The official registry's annotations: status, publishedAt, isLatest.
constexpr const char* kOfficialMeta = "io.modelcontextprotocol.registry/official";

struct Prefix {
  std::string_view text;
  SourceKind kind;
};
constexpr Prefix kPrefixes[] = {
    {"registry:", SourceKind::kRegistryApi},
    {"file:", SourceKind::kServerJson},
    {"npm:", SourceKind::kNpm},
    {"folder:", SourceKind::kFolder},
    {"git:", SourceKind::kGit},
    {"mcpservers:", SourceKind::kMcpServers},
};

std::string percentEncode(std::string_view text) {
  std::string out;
  for (const unsigned char c : text) {
    if ((std::isalnum(c) != 0) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", c);
      out += buf;
    }
  }
  return out;
}

Result<std::string> readFile(const fs::path& path) {
  std::error_code ec;
  const auto size = fs::file_size(path, ec);
  if (ec) return fail(ErrorCode::kNotFound, "cannot read '" + path.string() + "': " + ec.message());
  if (size > kMaxSourceFileBytes) {
    return fail(ErrorCode::kTooLarge, "'" + path.string() + "' is " + std::to_string(size) +
                                          " bytes, over the limit of " +
                                          std::to_string(kMaxSourceFileBytes));
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail(ErrorCode::kNotFound, "cannot open '" + path.string() + "'");
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string joined(const std::vector<std::string>& words) {
  std::string out;
  for (const auto& w : words) out += (out.empty() ? "" : " ") + w;
  return out;
}

// "@scope/name@1.2" -> "@scope/name"
std::string npmName(const std::string& spec) {
  const auto at = spec.find('@', spec.starts_with('@') ? 1 : 0);
  return at == std::string::npos ? spec : spec.substr(0, at);
}

// The version discovery resolved for an npm package: its install spec "name@1.2.3".
std::string resolvedVersion(const Discovery& d, const std::string& name) {
  if (!d.spec) return "";
  for (const auto& p : d.spec->install.packages) {
    if (p.starts_with(name + "@")) return p.substr(name.size() + 1);
  }
  return "";
}

// The record of an entry that is not a server.json (npm, folder, Git, mcpServers).
ServerRecord syntheticRecord(const std::string& id, const std::string& name,
                             const std::string& description, const std::string& source,
                             json server_json) {
  ServerRecord s;
  s.id = id;
  s.name = name;
  s.description = description;
  s.source = source;
  server_json["name"] = name;
  if (!description.empty()) server_json["description"] = description;
  s.server_json = server_json.dump();
  return s;
}

}  // namespace

std::string_view sourceKindName(SourceKind kind) {
  for (const auto& p : kPrefixes) {
    if (p.kind == kind) return p.text.substr(0, p.text.size() - 1);
  }
  return "?";
}

std::string SourceSpec::label() const { return std::string(sourceKindName(kind)) + ":" + location; }

Result<SourceSpec> parseSourceSpec(std::string_view text) {
  const std::string given(text);
  const auto bad = [&](const std::string& why) {
    return fail(ErrorCode::kInvalidInput, "source '" + given + "': " + why);
  };
  SourceSpec spec;
  bool prefixed = false;
  for (const auto& p : kPrefixes) {
    if (text.starts_with(p.text)) {
      spec.kind = p.kind;
      spec.location = std::string(text.substr(p.text.size()));
      prefixed = true;
      break;
    }
  }
  if (!prefixed) {
    if (text.starts_with("http://") || text.starts_with("https://")) {
      spec.kind = SourceKind::kRegistryApi;
      spec.location = given;
    } else {
      std::error_code ec;
      const auto status = fs::status(given, ec);
      if (given.empty() || ec || !fs::exists(status)) {
        return bad(
            "not a file, folder or URL; write registry:URL, file:PATH, npm:NAME, folder:PATH, "
            "git:URL or mcpservers:PATH");
      }
      spec.kind = fs::is_directory(status) ? SourceKind::kFolder : SourceKind::kServerJson;
      spec.location = given;
    }
  }
  if (spec.location.empty()) return bad("nothing after the prefix");
  switch (spec.kind) {
    case SourceKind::kRegistryApi:
      if (!spec.location.starts_with("http://") && !spec.location.starts_with("https://")) {
        return bad("a registry is an http:// or https:// URL");
      }
      while (spec.location.ends_with('/')) spec.location.pop_back();
      break;
    case SourceKind::kServerJson:
    case SourceKind::kFolder:
    case SourceKind::kMcpServers: {
      // Absolute, so that a worker started elsewhere reads the same path.
      std::error_code ec;
      const auto abs = fs::absolute(spec.location, ec);
      if (!ec) spec.location = abs.lexically_normal().string();
      break;
    }
    case SourceKind::kNpm:
    case SourceKind::kGit:
      break;
  }
  return spec;
}

std::unique_ptr<PageFetcher> makeHttpPageFetcher() {
  class HttpFetcher final : public PageFetcher {
   public:
    Result<std::string> get(const std::string& url, std::chrono::milliseconds timeout) override {
      http::ClientRequest request;
      request.url = url;
      request.timeout = timeout;
      request.body_idle_timeout = timeout;
      request.headers.set("Accept", "application/json");
      auto response = client_.send(std::move(request));
      if (!response) return fail(std::move(response).error());
      if (response->status != 200) {
        return fail(ErrorCode::kUnavailable,
                    "GET " + url + " answered " + std::to_string(response->status));
      }
      return std::move(response->body);
    }

   private:
    http::HttpClient client_;
  };
  return std::make_unique<HttpFetcher>();
}

std::unique_ptr<Sleeper> makeThreadSleeper() {
  class ThreadSleeper final : public Sleeper {
   public:
    void sleepFor(std::chrono::milliseconds duration) override {
      std::this_thread::sleep_for(duration);
    }
  };
  return std::make_unique<ThreadSleeper>();
}

Crawler::Item npmItem(const std::string& spec, const std::string& source) {
  const std::string name = npmName(spec);
  json server_json = {{"packages", json::array({{{"registryType", "npm"}, {"identifier", name}}})}};
  Crawler::Item item{syntheticRecord("npm:" + name, name, "", source, std::move(server_json)),
                     [spec](Discoverer& d) { return d.fromNpm(spec); }};
  return item;
}

Crawler::Item folderItem(const std::string& path, const std::string& source) {
  const std::string name = fs::path(path).filename().string();
  return {syntheticRecord("folder:" + path, name.empty() ? path : name, "", source,
                          json{{"repository", {{"url", path}, {"source", "folder"}}}}),
          [path](Discoverer& d) {
            const sandbox::DiskTree tree(path);
            return d.fromFolder(tree, path);
          }};
}

Crawler::Item gitItem(const std::string& url, const std::string& source) {
  std::string name = url;
  while (name.ends_with('/')) name.pop_back();
  if (name.ends_with(".git")) name.resize(name.size() - 4);
  name = name.substr(name.find_last_of("/:") + 1);
  ServerRecord s = syntheticRecord("git:" + url, name.empty() ? url : name, "", source,
                                   json{{"repository", {{"url", url}, {"source", "git"}}}});
  s.repository = url;
  return {std::move(s), [url](Discoverer& d) { return d.fromGit(url); }};
}

std::string lastCrawlKey(const SourceSpec& source) { return "crawl.last:" + source.label(); }

Result<int> scheduleDueCrawls(CatalogStore& store, const std::vector<SourceSpec>& sources,
                              std::chrono::milliseconds interval, const Clock& clock) {
  const auto now_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(clock.wallNow().time_since_epoch())
          .count();
  int queued = 0;
  for (const auto& source : sources) {
    auto last = store.getMeta(lastCrawlKey(source));
    if (!last) return fail(std::move(last).error());
    if (last->has_value()) {
      std::int64_t last_ms = 0;
      try {
        last_ms = std::stoll(**last);
      } catch (const std::exception&) {
        last_ms = 0;  // unreadable: crawl again
      }
      if (now_ms - last_ms < interval.count()) continue;
    }
    auto job = store.enqueueJob({"crawl-source", source.label(), "{}", 0});
    if (!job) return fail(std::move(job).error());
    ++queued;
  }
  return queued;
}

Crawler::Crawler(CatalogStore& store, Discoverer& discoverer, PageFetcher& fetcher,
                 Sleeper& sleeper, const Clock& clock, CrawlOptions options)
    : store_(store),
      discoverer_(discoverer),
      fetcher_(fetcher),
      sleeper_(sleeper),
      clock_(clock),
      options_(options) {}

void Crawler::reject(CrawlReport& report, const std::string& where, const std::string& message) {
  ++report.rejected;
  if (report.errors.size() < kMaxErrorsKept) report.errors.push_back(where + ": " + message);
}

Result<CrawlReport> Crawler::crawl(const SourceSpec& source, const CrawlProgress& progress) {
  CrawlReport report;
  report.source = source.label();
  Result<void> read;
  switch (source.kind) {
    case SourceKind::kRegistryApi:
      read = crawlRegistry(source, report, progress);
      break;
    case SourceKind::kServerJson:
      read = crawlServerJson(source, report);
      break;
    case SourceKind::kMcpServers:
      read = crawlMcpServers(source, report);
      break;
    case SourceKind::kNpm:
      take(npmItem(source.location, source.label()), report);
      break;
    case SourceKind::kFolder: {
      std::error_code ec;
      if (!fs::is_directory(source.location, ec)) {
        return fail(ErrorCode::kNotFound, "source " + source.label() + ": no such folder");
      }
      take(folderItem(source.location, source.label()), report);
      break;
    }
    case SourceKind::kGit:
      take(gitItem(source.location, source.label()), report);
      break;
  }
  if (!read) return fail(std::move(read).error());
  if (progress) progress(report);
  return report;
}

Result<std::string> Crawler::fetchWithRetry(const std::string& source, const std::string& url,
                                            CrawlReport& report) {
  Error last;
  for (int attempt = 1; attempt <= std::max(1, options_.page_attempts); ++attempt) {
    if (options_.requests_per_second > 0) {
      const auto gap = std::chrono::duration_cast<std::chrono::steady_clock::duration>(
          std::chrono::duration<double>(1.0 / options_.requests_per_second));
      auto& next = next_request_[source];
      const auto now = clock_.now();
      if (next > now) {
        sleeper_.sleepFor(std::chrono::ceil<std::chrono::milliseconds>(next - now));
      }
      next = std::max(now, next) + gap;
    }
    auto body = fetcher_.get(url, options_.fetch_timeout);
    if (body) return body;
    last = std::move(body).error();
    if (attempt < options_.page_attempts) {
      ++report.retries;
      sleeper_.sleepFor(options_.retry_base * (1 << std::min(attempt - 1, 16)));
    }
  }
  return fail(last.code, "source " + source + " unreachable after " +
                             std::to_string(std::max(1, options_.page_attempts)) +
                             " attempt(s): " + last.message);
}

Result<void> Crawler::crawlRegistry(const SourceSpec& source, CrawlReport& report,
                                    const CrawlProgress& progress) {
  ImportOptions import;
  import.source = source.label();
  std::string cursor;
  std::set<std::string> seen_cursors;
  for (int page = 1; page <= options_.max_pages; ++page) {
    std::string url = source.location + "/v0/servers?limit=" + std::to_string(options_.page_size);
    if (!cursor.empty()) url += "&cursor=" + percentEncode(cursor);
    auto body = fetchWithRetry(source.label(), url, report);
    if (!body) return fail(std::move(body).error());
    ++report.pages;
    const json doc = json::parse(*body, nullptr, false);
    const std::string where = source.label() + " page " + std::to_string(page);
    if (!doc.is_object() || !doc.contains("servers") || !doc["servers"].is_array()) {
      return fail(ErrorCode::kInvalidInput,
                  where + ": not a registry page (expected {\"servers\": [...]})");
    }
    int index = 0;
    for (const auto& entry : doc["servers"]) {
      ++index;
      const std::string at = where + " entry " + std::to_string(index);
      if (entry.is_object() && entry.contains("_meta") && entry["_meta"].is_object()) {
        // The API lists every version; only the latest one describes the server now.
        const auto& official = entry["_meta"].value(kOfficialMeta, json::object());
        if (official.is_object() && official.value("isLatest", true) == false) continue;
      }
      auto parsed = parseCatalogEntry(entry.dump(), import);
      if (!parsed) {
        ++report.entries;
        reject(report, at, parsed.error().message);
        continue;
      }
      json server = entry.is_object() && entry.contains("server") ? entry["server"] : entry;
      take(
          {std::move(parsed->server), [server](Discoverer& d) { return d.fromServerJson(server); }},
          report);
    }
    if (progress) progress(report);
    const auto meta = doc.find("metadata");
    std::string next;
    if (meta != doc.end() && meta->is_object()) {
      const auto c = meta->find("nextCursor");
      if (c != meta->end() && c->is_string()) next = c->get<std::string>();
    }
    if (next.empty()) return {};
    if (!seen_cursors.insert(next).second) {
      return fail(ErrorCode::kInvalidInput, where + ": nextCursor '" + next + "' repeats a cursor");
    }
    cursor = next;
  }
  return fail(ErrorCode::kInvalidInput,
              source.label() + ": more than " + std::to_string(options_.max_pages) + " pages");
}

Result<void> Crawler::crawlServerJson(const SourceSpec& source, CrawlReport& report) {
  std::vector<fs::path> files;
  std::error_code ec;
  if (fs::is_directory(source.location, ec)) {
    for (const auto& e : fs::recursive_directory_iterator(source.location, ec)) {
      const auto ext = e.path().extension();
      if (e.is_regular_file() && (ext == ".json" || ext == ".jsonl")) files.push_back(e.path());
    }
    std::sort(files.begin(), files.end());
  } else {
    files.emplace_back(source.location);
  }
  ImportOptions import;
  import.source = source.label();
  for (const auto& file : files) {
    auto text = readFile(file);
    if (!text) {
      if (files.size() == 1) return fail(std::move(text).error());
      reject(report, file.string(), text.error().message);
      continue;
    }
    std::vector<std::pair<std::string, std::string>> docs;  // (where, text)
    if (file.extension() == ".jsonl") {
      std::istringstream lines(*text);
      std::string line;
      for (int n = 1; std::getline(lines, line); ++n) {
        if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
        docs.emplace_back(file.string() + ":" + std::to_string(n), line);
      }
    } else {
      docs.emplace_back(file.string(), std::move(*text));
    }
    for (auto& [where, doc_text] : docs) {
      const json doc = json::parse(doc_text, nullptr, false);
      if (doc.is_object() && doc.contains("mcpServers")) {
        auto r = takeMcpServers(doc, where, source.label(), report);
        if (!r) {
          ++report.entries;
          reject(report, where, r.error().message);
        }
        continue;
      }
      auto parsed = parseCatalogEntry(doc_text, import);
      if (!parsed) {
        ++report.entries;
        reject(report, where, parsed.error().message);
        continue;
      }
      json server = doc;
      for (const char* key : {"server", "server_json"}) {
        if (doc.contains(key) && doc[key].is_object()) server = doc[key];
      }
      take(
          {std::move(parsed->server), [server](Discoverer& d) { return d.fromServerJson(server); }},
          report);
    }
  }
  return {};
}

Result<void> Crawler::crawlMcpServers(const SourceSpec& source, CrawlReport& report) {
  auto text = readFile(source.location);
  if (!text) return fail(std::move(text).error());
  return takeMcpServers(json::parse(*text, nullptr, false), source.location, source.label(),
                        report);
}

Result<void> Crawler::takeMcpServers(const nlohmann::json& doc, const std::string& origin,
                                     const std::string& source, CrawlReport& report) {
  if (!doc.is_object() || !doc.contains("mcpServers") || !doc["mcpServers"].is_object()) {
    return fail(ErrorCode::kInvalidInput,
                origin + ": expected {\"mcpServers\": {\"name\": {\"command\": …}}}");
  }
  for (const auto& [name, config] : doc["mcpServers"].items()) {
    const std::string where = origin + " mcpServers." + name;
    if (!config.is_object()) {
      ++report.entries;
      reject(report, where, "expected an object with command/args or url");
      continue;
    }
    std::string description = config.value("description", "");
    if (description.empty() && config.contains("command") && config["command"].is_string()) {
      std::vector<std::string> words{config["command"].get<std::string>()};
      if (config.contains("args") && config["args"].is_array()) {
        for (const auto& a : config["args"]) {
          if (a.is_string()) words.push_back(a.get<std::string>());
        }
      }
      description = "launched with: " + joined(words);
    }
    const json block = {{"mcpServers", {{name, config}}}};
    ServerRecord s = syntheticRecord("mcp:" + name, name, description, source, block);
    s.meta_json = json{{"launch", config}}.dump();
    take({std::move(s),
          [block, where](Discoverer& d) {
            auto found = d.fromMcpServers(block, where);
            if (!found.empty()) return found.front();
            Discovery none(where, sandbox::InputKind::kMcpServers);
            none.outcome = sandbox::Outcome::kInvalid;
            none.reason = "the mcpServers entry names no server";
            return none;
          }},
         report);
  }
  return {};
}

void Crawler::take(Item item, CrawlReport& report) {
  ++report.entries;
  const std::string id = item.server.id;
  // npm entries are resolved first: the version npm serves now is what tells a new
  // release from an unchanged one.
  std::optional<Discovery> found;
  if (id.starts_with("npm:")) {
    found = item.discover(discoverer_);
    item.server.version = resolvedVersion(*found, item.server.name);
    item.server.versions_json =
        item.server.version.empty() ? "[]" : json::array({item.server.version}).dump();
    if (!item.server.version.empty()) {
      json sj = json::parse(item.server.server_json);
      sj["version"] = item.server.version;
      sj["packages"][0]["version"] = item.server.version;
      item.server.server_json = sj.dump();
    }
  }
  auto upsert = store_.upsertServer(item.server);
  if (!upsert) {
    reject(report, id, upsert.error().message);
    return;
  }
  switch (upsert->result) {
    case UpsertResult::kUnchanged:
      ++report.unchanged;
      return;
    case UpsertResult::kInserted:
      ++report.inserted;
      break;
    case UpsertResult::kUpdated:
      ++report.updated;
      break;
  }
  const Discovery d = found ? std::move(*found) : item.discover(discoverer_);
  if (d.spec) {
    auto put = store_.putRunSpec({id, json(*d.spec).dump(), "discovery", 0});
    if (!put) {
      reject(report, id, "run spec: " + put.error().message);
      return;
    }
  }
  if (d.spec && d.outcome == sandbox::Outcome::kRunnable) {
    ++report.runnable;
    if (options_.enqueue_verify) {
      auto job = store_.enqueueJob({"verify", id, "{}", 0});
      if (!job) {
        reject(report, id, "verify job: " + job.error().message);
        return;
      }
      ++report.verify_queued;
    }
    return;
  }
  ++report.not_runnable;
  VerificationRecord skipped;
  skipped.server_id = id;
  skipped.outcome = VerifyOutcome::kSkipped;
  skipped.reason =
      std::string(sandbox::toString(d.outcome)) + (d.reason.empty() ? "" : ": ") + d.reason;
  auto added = store_.addVerification(skipped);
  if (!added) reject(report, id, "verification: " + added.error().message);
}

}  // namespace onemcp::registry
