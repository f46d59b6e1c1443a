// CachingRunner: a command's answers kept in a JSONL file (see sources.h).
#include <fstream>
#include <nlohmann/json.hpp>

#include "onemcp/sandbox/sources.h"

namespace onemcp::sandbox {
namespace {

using nlohmann::json;

std::string keyOf(const std::vector<std::string>& argv, const std::string& cwd) {
  std::string key = cwd;
  for (const auto& a : argv) key += '\0' + a;
  return key;
}

std::int64_t nowSeconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

CachingRunner::CachingRunner(CommandRunner& inner, std::filesystem::path file,
                             std::chrono::seconds max_age)
    : inner_(inner), file_(std::move(file)), max_age_(max_age) {
  std::ifstream in(file_);
  std::string line;
  // A line that does not parse (a torn write) is skipped; later lines win.
  while (std::getline(in, line)) {
    json j = json::parse(line, nullptr, false);
    if (!j.is_object() || !j.contains("key") || !j["key"].is_string()) continue;
    Entry e;
    e.output.exit_code = j.value("exit", -1);
    e.output.out = j.value("out", "");
    e.output.err = j.value("err", "");
    e.at = j.value("at", std::int64_t{0});
    entries_[j["key"].get<std::string>()] = std::move(e);
  }
}

Result<CommandOutput> CachingRunner::run(const std::vector<std::string>& argv,
                                         std::chrono::milliseconds timeout,
                                         const std::string& cwd) {
  // Only lookups are kept (`npm view`); anything else (a download into a temporary
  // folder, reading a file out of it) runs every time.
  if (argv.size() < 2 || argv[0] != "npm" || argv[1] != "view") return inner_.run(argv, timeout, cwd);
  const std::string key = keyOf(argv, cwd);
  {
    std::lock_guard lock(mu_);
    auto it = entries_.find(key);
    if (it != entries_.end() && nowSeconds() - it->second.at <= max_age_.count()) {
      ++hits_;
      return it->second.output;
    }
    ++misses_;
  }
  auto out = inner_.run(argv, timeout, cwd);
  if (!out) return out;
  Entry e{*out, nowSeconds()};
  json line = {{"key", key},
               {"exit", e.output.exit_code},
               {"out", e.output.out},
               {"err", e.output.err.substr(0, 4096)},
               {"at", e.at}};
  std::lock_guard lock(mu_);
  entries_[key] = std::move(e);
  std::error_code ec;
  std::filesystem::create_directories(file_.parent_path(), ec);
  std::ofstream(file_, std::ios::app)
      << line.dump(-1, ' ', false, json::error_handler_t::replace) << '\n';
  return out;
}

int CachingRunner::hits() const {
  std::lock_guard lock(mu_);
  return hits_;
}

int CachingRunner::misses() const {
  std::lock_guard lock(mu_);
  return misses_;
}

}  // namespace onemcp::sandbox
