#include "onemcp/sandbox/apt_sources.h"

#include <algorithm>
#include <fstream>
#include <sstream>

namespace onemcp::sandbox {
namespace {

std::vector<std::string> words(std::string_view s) {
  std::vector<std::string> out;
  std::istringstream in{std::string(s)};
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

std::string trim(std::string_view s) {
  const auto b = s.find_first_not_of(" \t\r");
  if (b == std::string_view::npos) return "";
  const auto e = s.find_last_not_of(" \t\r");
  return std::string(s.substr(b, e - b + 1));
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

void flush(std::vector<AptSource>& out, AptSource& cur, bool& deb, bool& enabled) {
  if (deb && enabled && !cur.uri.empty()) out.push_back(cur);
  cur = AptSource{};
  deb = false;
  enabled = true;
}

std::string readFile(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

std::vector<AptSource> parseDeb822Sources(std::string_view text) {
  std::vector<AptSource> out;
  AptSource cur;
  bool deb = false;
  bool enabled = true;
  std::istringstream in{std::string(text)};
  for (std::string line; std::getline(in, line);) {
    if (trim(line).empty()) {
      flush(out, cur, deb, enabled);
      continue;
    }
    if (line[0] == '#' || line[0] == ' ' || line[0] == '\t') continue;
    const auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    const std::string key = lower(trim(line.substr(0, colon)));
    const std::string value = trim(line.substr(colon + 1));
    const auto vals = words(value);
    if (key == "types") deb = std::find(vals.begin(), vals.end(), "deb") != vals.end();
    if (key == "uris" && !vals.empty()) cur.uri = vals.front();
    if (key == "suites") cur.suites = vals;
    if (key == "components") cur.components = vals;
    if (key == "enabled") enabled = lower(value) != "no";
  }
  flush(out, cur, deb, enabled);
  return out;
}

std::vector<AptSource> parseOneLineSources(std::string_view text) {
  std::vector<AptSource> out;
  std::istringstream in{std::string(text)};
  for (std::string line; std::getline(in, line);) {
    auto w = words(line.substr(0, line.find('#')));
    if (w.size() < 3 || w[0] != "deb") continue;
    std::size_t i = 1;
    if (w[i].starts_with("[")) {  // options: [arch=amd64 signed-by=...]
      while (i < w.size() && w[i].find(']') == std::string::npos) ++i;
      ++i;
    }
    if (i + 1 >= w.size()) continue;
    AptSource s{w[i], {w[i + 1]}, {w.begin() + static_cast<long>(i) + 2, w.end()}};
    out.push_back(std::move(s));
  }
  return out;
}

Result<std::string> pickDebianMirror(const std::vector<AptSource>& sources,
                                     std::string_view suite) {
  for (const auto& s : sources) {
    const bool has_suite = std::find(s.suites.begin(), s.suites.end(), suite) != s.suites.end();
    const bool has_main =
        std::find(s.components.begin(), s.components.end(), "main") != s.components.end();
    if (has_suite && has_main) return s.uri;
  }
  return fail(ErrorCode::kNotFound, "no apt source serves Debian '" + std::string(suite) +
                                        "' main; configure a mirror in /etc/apt/sources.list");
}

std::string osCodename(std::string_view os_release) {
  std::istringstream in{std::string(os_release)};
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("VERSION_CODENAME=", 0) == 0) {
      std::string v = line.substr(17);
      std::erase(v, '"');
      return trim(v);
    }
  }
  return "";
}

Result<HostDebian> readHostDebian(const std::filesystem::path& etc_dir) {
  HostDebian host;
  host.suite = osCodename(readFile(etc_dir / "os-release"));
  if (host.suite.empty()) {
    return fail(ErrorCode::kNotFound,
                "cannot tell the Debian suite: no VERSION_CODENAME in " +
                    (etc_dir / "os-release").string());
  }
  std::vector<AptSource> sources = parseOneLineSources(readFile(etc_dir / "apt/sources.list"));
  std::error_code ec;
  std::vector<std::filesystem::path> files;
  for (const auto& e : std::filesystem::directory_iterator(etc_dir / "apt/sources.list.d", ec)) {
    files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  for (const auto& p : files) {
    std::vector<AptSource> more;
    if (p.extension() == ".sources") more = parseDeb822Sources(readFile(p));
    if (p.extension() == ".list") more = parseOneLineSources(readFile(p));
    sources.insert(sources.end(), more.begin(), more.end());
  }
  auto mirror = pickDebianMirror(sources, host.suite);
  ONEMCP_TRY(mirror);
  host.mirror = *mirror;
  return host;
}

}  // namespace onemcp::sandbox
