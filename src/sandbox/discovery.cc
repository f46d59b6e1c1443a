// Input classification, outcomes and the census; the sources live in discovery_*.cc.
#include "onemcp/sandbox/discovery.h"

#include <array>
#include <cctype>
#include <fstream>
#include <system_error>

#include "discovery_internal.h"

namespace onemcp::sandbox {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

bool isGitUrl(std::string_view s) {
  if (s.starts_with("git+") || s.starts_with("git@") || s.starts_with("git://") || s.starts_with("file://") ||
      s.starts_with("github:")) {
    return true;
  }
  bool web = s.starts_with("https://") || s.starts_with("http://");
  if (!web) return false;
  return s.ends_with(".git") || s.find("github.com/") != std::string_view::npos ||
         s.find("gitlab.com/") != std::string_view::npos || s.find("codeberg.org/") != std::string_view::npos;
}

bool looksLikeOci(std::string_view s) {
  if (s.find(' ') != std::string_view::npos || s.starts_with("@")) return false;
  auto slash = s.find('/');
  if (slash == std::string_view::npos) return false;
  std::string_view host = s.substr(0, slash);
  return host.find('.') != std::string_view::npos || host.find(':') != std::string_view::npos || host == "localhost";
}

std::string foldReason(const std::string& reason) {
  auto colon = reason.find(':');
  return colon == std::string::npos ? reason : reason.substr(0, colon);
}

}  // namespace

std::string_view toString(InputKind kind) {
  static constexpr std::array<std::string_view, 8> kNames{"npm", "pypi", "oci", "server.json",
                                                          "folder", "git", "mcpServers", "command"};
  return kNames[static_cast<std::size_t>(kind)];
}

std::string_view toString(Outcome outcome) {
  static constexpr std::array<std::string_view, 9> kNames{
      "runnable", "needs-secret", "needs-config", "not-served", "unreachable",
      "remote-only", "unsupported", "no-entry-point", "invalid"};
  return kNames[static_cast<std::size_t>(outcome)];
}

json Discovery::toJson() const {
  json j = {{"input", input}, {"kind", toString(kind)}, {"outcome", toString(outcome)}};
  if (!reason.empty()) j["reason"] = reason;
  if (spec) j["spec"] = *spec;
  return j;
}

std::string serverNameFrom(std::string_view package) {
  std::string_view base = package;
  if (auto slash = base.rfind('/'); slash != std::string_view::npos) base = base.substr(slash + 1);
  if (auto colon = base.find(':'); colon != std::string_view::npos) base = base.substr(0, colon);
  if (base.ends_with(".git")) base.remove_suffix(4);
  std::string out;
  for (char c : base) {
    char l = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (std::isalnum(static_cast<unsigned char>(l)) || l == '-' || l == '_' || l == '.') {
      out += l;
    } else if (!out.empty() && out.back() != '-') {
      out += '-';
    }
  }
  while (!out.empty() && (out.back() == '-' || out.back() == '.')) out.pop_back();
  return out.empty() ? "server" : out;
}

InputKind classifyInput(std::string_view input, const SourceTree* cwd_probe) {
  std::string_view s = input;
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  if (s.starts_with("{")) {
    json j = json::parse(s, nullptr, false, true);
    if (j.is_object() && (j.contains("packages") || j.contains("remotes") || j.contains("server_json"))) {
      return InputKind::kServerJson;
    }
    return InputKind::kMcpServers;
  }
  if (s.starts_with("npm:")) return InputKind::kNpm;
  if (s.starts_with("pypi:")) return InputKind::kPypi;
  if (s.starts_with("oci:") || s.starts_with("docker://") || s.starts_with("docker:")) return InputKind::kOci;
  if (isGitUrl(s)) return InputKind::kGit;
  std::string path(s);
  std::error_code ec;
  if (cwd_probe == nullptr && (fs::is_directory(path, ec) || fs::is_regular_file(path, ec))) {
    return fs::is_directory(path, ec) ? InputKind::kFolder : InputKind::kServerJson;
  }
  if (cwd_probe != nullptr && cwd_probe->isDirectory(path)) return InputKind::kFolder;
  if (s.find(' ') != std::string_view::npos) return InputKind::kCommand;
  if (s.starts_with("/") || s.starts_with("./")) return InputKind::kFolder;
  if (looksLikeOci(s)) return InputKind::kOci;
  return InputKind::kNpm;
}

static bool isSourceArchive(const std::string& path) {
  std::error_code ec;
  return (path.ends_with(".tar.gz") || path.ends_with(".tgz")) && fs::is_regular_file(path, ec);
}

Discovery Discoverer::fromArchive(const std::string& path) {
  Discovery d{path, InputKind::kFolder};
  if (services_.work_dir.empty()) {
    return failWithCopy(d, Outcome::kInvalid, "source archives are not unpacked in this mode: " + path);
  }
  std::error_code ec;
  const fs::path archive = fs::absolute(path, ec);
  const fs::path dest = services_.work_dir /
                        ("archive-" + serverNameFrom(archive.filename().string()) + "-" +
                         std::to_string(std::hash<std::string>{}(archive.string()) % 100000));
  fs::remove_all(dest, ec);
  fs::create_directories(dest, ec);
  // GNU tar refuses members with ".." or absolute names; ownership and modes are ours.
  auto runner = makeProcessRunner();
  auto out = runner->run({"tar", "-xzf", archive.string(), "-C", dest.string(), "--no-same-owner",
                          "--no-same-permissions"},
                         std::chrono::seconds(60));
  if (!out || out->exit_code != 0) {
    return failWithCopy(d, Outcome::kInvalid,
                        "cannot unpack " + path + ": " + (out ? out->err.substr(0, 300) : out.error().message));
  }
  // An sdist or npm tarball holds one folder (name-1.0/, package/); read that one.
  fs::path root = dest;
  std::vector<fs::path> entries;
  for (const auto& e : fs::directory_iterator(dest, ec)) entries.push_back(e.path());
  if (entries.size() == 1 && fs::is_directory(entries.front(), ec)) root = entries.front();
  DiskTree tree(root);
  Discovery found = fromFolder(tree, root.string());
  found.input = path;
  if (found.spec) {
    detail::addEvidence(*found.spec, "source", path, "a source archive, unpacked into " + root.string());
  }
  return found;
}

Discovery Discoverer::discover(std::string_view input) {
  std::string text(input);
  if (isSourceArchive(text)) return fromArchive(text);
  switch (classifyInput(input)) {
    case InputKind::kNpm:
      return fromNpm(text.starts_with("npm:") ? text.substr(4) : text);
    case InputKind::kPypi:
      return fromPypi(text.substr(5));
    case InputKind::kOci: {
      std::string ref = text;
      for (std::string_view p : {"oci:", "docker://", "docker:"}) {
        if (ref.starts_with(p)) {
          ref = ref.substr(p.size());
          break;
        }
      }
      return fromOci(ref);
    }
    case InputKind::kGit:
      return fromGit(text);
    case InputKind::kFolder: {
      std::error_code ec;
      fs::path root = fs::absolute(text, ec);
      Discovery d{text, InputKind::kFolder};
      if (!fs::is_directory(root, ec)) return failWithCopy(d, Outcome::kInvalid, "no such folder: " + text);
      DiskTree tree(root);
      return fromFolder(tree, root.lexically_normal().string());
    }
    case InputKind::kCommand: {
      LaunchCommand cmd;
      cmd.argv = splitShellWords(text);
      cmd.origin = "command line";
      return fromLaunch(cmd);
    }
    case InputKind::kServerJson:
    case InputKind::kMcpServers:
      break;
  }
  // JSON text, or a file holding it.
  std::string body = text;
  if (!text.starts_with("{")) {
    std::ifstream in(text);
    body.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  json j = json::parse(body, nullptr, false, true);
  Discovery d{text, InputKind::kServerJson};
  if (j.is_discarded() || !j.is_object()) return failWithCopy(d, Outcome::kInvalid, "not a JSON object: " + text);
  if (j.contains("server_json") && j["server_json"].is_object()) j = j["server_json"];
  if (j.contains("packages") || j.contains("remotes")) return fromServerJson(j);
  auto all = fromMcpServers(j, "input");
  if (all.empty()) {
    d.kind = InputKind::kMcpServers;
    return failWithCopy(d, Outcome::kInvalid, "no server with a command or url in the block");
  }
  return all.front();
}

Discovery Discoverer::failWithCopy(Discovery d, Outcome outcome, std::string reason) {
  detail::failWith(d, outcome, std::move(reason));
  return d;
}

std::vector<Discovery> Discoverer::fromMcpServers(const json& block, std::string_view origin) {
  std::vector<Discovery> out;
  auto commands = parseMcpServers(block, origin);
  if (!commands) return out;
  for (const auto& cmd : *commands) {
    Discovery d = fromLaunch(cmd);
    d.kind = InputKind::kMcpServers;
    if (d.spec && !cmd.name.empty()) d.spec->name = serverNameFrom(cmd.name);
    out.push_back(std::move(d));
  }
  return out;
}

Discovery Discoverer::fromGit(std::string_view url) {
  Discovery d{std::string(url), InputKind::kGit};
  std::string clone_url(url);
  if (clone_url.starts_with("git+")) clone_url = clone_url.substr(4);
  if (clone_url.starts_with("github:")) clone_url = "https://github.com/" + clone_url.substr(7);
  std::string ref;
  if (auto hash = clone_url.find('#'); hash != std::string::npos) {
    ref = clone_url.substr(hash + 1);
    clone_url.resize(hash);
  }
  bool local = clone_url.starts_with("file://") || clone_url.starts_with("/");
  if (!local && services_.reach != nullptr && !services_.reach->gitHost(clone_url)) {
    return failWithCopy(d, Outcome::kUnreachable, "Git host not reachable from here: " + clone_url);
  }
  if (services_.git == nullptr || services_.work_dir.empty()) {
    return failWithCopy(d, Outcome::kUnreachable, "Git sources are not fetched in this mode: " + clone_url);
  }
  fs::path dest = services_.work_dir / ("git-" + serverNameFrom(clone_url) + "-" + std::to_string(std::hash<std::string>{}(std::string(url)) % 100000));
  std::error_code ec;
  fs::remove_all(dest, ec);
  fs::create_directories(dest.parent_path(), ec);
  if (auto cloned = services_.git->clone(clone_url, ref, dest); !cloned) {
    return failWithCopy(d, Outcome::kUnreachable, "Git clone failed: " + cloned.error().message);
  }
  DiskTree tree(dest);
  Discovery found = fromFolder(tree, dest.string());
  found.input = std::string(url);
  found.kind = InputKind::kGit;
  if (found.spec) {
    found.spec->source = "git:" + clone_url;
    detail::addEvidence(*found.spec, "source", clone_url, "cloned (depth 1) into " + dest.string());
  }
  return found;
}

void Census::add(const Discovery& d) {
  ++total;
  ++by_outcome[std::string(toString(d.outcome))];
  if (d.spec && !d.spec->install.pinned_not_served.empty()) ++pinned_not_served;
  if (!d.reason.empty()) ++by_reason[std::string(toString(d.outcome)) + ": " + foldReason(d.reason)];
}

json Census::toJson() const {
  return {{"total", total}, {"by_outcome", by_outcome}, {"by_reason", by_reason}, {"pinned_not_served", pinned_not_served}};
}

}  // namespace onemcp::sandbox
