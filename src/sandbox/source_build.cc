#include "onemcp/sandbox/source_build.h"

#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <sstream>

#include "onemcp/common/process.h"
#include "onemcp/common/text.h"
#include "onemcp/sandbox/hardening.h"

namespace onemcp::sandbox {
namespace {

namespace fs = std::filesystem;

Error specError(const RunSpec& spec, const std::string& what) {
  return Error(ErrorCode::kInvalidInput, "server '" + spec.name + "': " + what);
}

bool under(const std::string& path, const std::string& dir) {
  return path == dir || (path.size() > dir.size() && path.compare(0, dir.size(), dir) == 0 &&
                         path[dir.size()] == '/');
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

// $NAME and ${NAME} replaced from `args`; unknown names are left as written.
std::string substitute(const std::string& text, const std::map<std::string, std::string>& args) {
  std::string out;
  for (std::size_t i = 0; i < text.size();) {
    if (text[i] != '$') {
      out.push_back(text[i++]);
      continue;
    }
    const bool braced = i + 1 < text.size() && text[i + 1] == '{';
    std::size_t start = i + (braced ? 2 : 1);
    std::size_t end = start;
    while (end < text.size() &&
           (std::isalnum(static_cast<unsigned char>(text[end])) != 0 || text[end] == '_')) {
      ++end;
    }
    auto it = args.find(text.substr(start, end - start));
    const bool closed = !braced || (end < text.size() && text[end] == '}');
    if (it == args.end() || !closed) {
      out.push_back(text[i++]);
      continue;
    }
    out += it->second;
    i = end + (braced ? 1 : 0);
  }
  return out;
}

Result<std::string> readAll(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return fail(ErrorCode::kNotFound, p.string() + " not found");
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A reproducible tar of `dir` (sorted names, no times or owners), so its hash names the
// content.
Result<void> tarFolder(const fs::path& dir, const fs::path& out) {
  ProcessSpec ps;
  ps.argv = {"tar",
             "--sort=name",
             "--mtime=@0",
             "--owner=0",
             "--group=0",
             "--numeric-owner",
             "--exclude=./.git",
             "-C",
             dir.string(),
             "-cf",
             out.string(),
             "."};
  ps.pipe_stdin = false;
  ps.pipe_stdout = false;
  ps.pipe_stderr = false;
  auto proc = Process::spawn(ps);
  if (!proc) return fail(proc.error().wrap("packing the build context " + dir.string()));
  auto status = (*proc)->wait(std::chrono::minutes(5));
  ONEMCP_TRY(status);
  if (!status->success()) {
    return fail(ErrorCode::kInternalError,
                "packing the build context " + dir.string() + ": tar " + status->toString());
  }
  return {};
}

}  // namespace

Result<SourceFolder> sourceFolder(const RunSpec& spec) {
  if (spec.install.packages.size() != 1) {
    return fail(specError(spec,
                          "install.from_source needs exactly one source folder in "
                          "install.packages, got " +
                              std::to_string(spec.install.packages.size())));
  }
  const std::string& path = spec.install.packages.front();
  if (path.empty() || path.front() != '/' || path.find("..") != std::string::npos) {
    return fail(specError(spec, "source folder '" + path + "' must be a clean absolute path"));
  }
  for (const auto& g : spec.grants) {
    const std::string target = g.container_path.empty() ? g.host_path : g.container_path;
    if (!under(path, target)) continue;
    if (g.host_path.empty() || g.host_path.front() != '/' ||
        g.host_path.find("..") != std::string::npos) {
      return fail(specError(spec, "the grant of source folder '" + path +
                                      "' must be a clean "
                                      "absolute host path, got '" +
                                      g.host_path + "'"));
    }
    fs::path host = fs::path(g.host_path) / path.substr(std::min(path.size(), target.size() + 1));
    return SourceFolder{g, path, host.lexically_normal()};
  }
  return fail(specError(spec, "source folder '" + path + "' is not inside a granted folder"));
}

std::string relocateToSourceCopy(const std::string& path, const std::string& source) {
  if (source.empty() || !under(path, source)) return path;
  return std::string(kSourceCopyDir) + path.substr(source.size());
}

Result<std::string> folderFingerprint(const fs::path& dir) {
  std::error_code ec;
  std::vector<std::string> entries;
  fs::recursive_directory_iterator it(dir, fs::directory_options::skip_permission_denied, ec);
  if (ec) return fail(ErrorCode::kNotFound, "source folder " + dir.string() + ": " + ec.message());
  for (; it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) return fail(ErrorCode::kInternalError, "reading " + dir.string() + ": " + ec.message());
    const std::string name = it->path().filename().string();
    if (it->is_directory(ec) && (name == "node_modules" || name == ".git")) {
      it.disable_recursion_pending();
      continue;
    }
    if (!it->is_regular_file(ec)) continue;
    const auto mtime = it->last_write_time(ec).time_since_epoch().count();
    entries.push_back(fs::relative(it->path(), dir, ec).string() + '\0' +
                      std::to_string(it->file_size(ec)) + '\0' + std::to_string(mtime));
  }
  std::sort(entries.begin(), entries.end());
  std::string material;
  for (const auto& e : entries) material += e + '\n';
  return sha256Hex(material).substr(0, 16);
}

std::vector<std::string> dockerfileBaseImages(std::string_view dockerfile) {
  std::map<std::string, std::string> args;
  std::vector<std::string> stages;
  std::vector<std::string> bases;
  std::istringstream in{std::string(dockerfile)};
  bool seen_from = false;
  for (std::string line; std::getline(in, line);) {
    std::istringstream words(line);
    std::string op;
    words >> op;
    op = lower(op);
    if (op == "arg" && !seen_from) {
      std::string decl;
      words >> decl;
      const auto eq = decl.find('=');
      if (eq != std::string::npos) args[decl.substr(0, eq)] = decl.substr(eq + 1);
      continue;
    }
    if (op != "from") continue;
    seen_from = true;
    std::string ref;
    while (words >> ref) {  // flags such as --platform=... come first
      if (ref.rfind("--", 0) != 0) break;
      ref.clear();
    }
    ref = substitute(ref, args);
    const bool earlier_stage = std::find(stages.begin(), stages.end(), lower(ref)) != stages.end();
    std::string as;
    std::string name;
    if (words >> as >> name && lower(as) == "as") stages.push_back(lower(name));
    if (ref.empty() || lower(ref) == "scratch" || earlier_stage) continue;
    if (std::find(bases.begin(), bases.end(), ref) == bases.end()) bases.push_back(ref);
  }
  return bases;
}

Result<std::string> ensureContextImage(DockerClient& docker, const RunSpec& spec,
                                       const fs::path& work_dir, const ProgressFn& progress) {
  const std::string who = "server '" + spec.name + "'";
  const fs::path context(spec.build_context);
  auto dockerfile = readAll(context / "Dockerfile");
  if (!dockerfile) {
    return fail(ErrorCode::kInvalidInput,
                who + ": build context " + context.string() + " has no Dockerfile");
  }
  for (const auto& base : dockerfileBaseImages(*dockerfile)) {
    auto have = docker.inspectImage(base);
    if (have) continue;
    if (have.error().code != ErrorCode::kNotFound) return fail(have.error().wrap(who));
    return fail(ErrorCode::kNotFound,
                who + ": its Dockerfile builds FROM '" + base +
                    "', which is not in the engine, and there is no registry to pull it from "
                    "(load it with `docker load`, or change the FROM line to an image listed "
                    "by `docker images`)");
  }
  std::error_code ec;
  fs::create_directories(work_dir, ec);
  const fs::path tar =
      work_dir / ("context-" + sanitizeName(spec.name) + "-" + std::to_string(::getpid()) + ".tar");
  ONEMCP_TRY(tarFolder(context, tar));
  auto bytes = readAll(tar);
  if (!bytes) {
    fs::remove(tar, ec);
    return fail(bytes.error());
  }
  const std::string hash = sha256Hex(*bytes).substr(0, 16);
  if (auto have = docker.inspectImage(spec.image); have) {
    auto it = have->labels.find(std::string(kLabelContext));
    if (it != have->labels.end() && it->second == hash) {
      fs::remove(tar, ec);
      return spec.image;
    }
  }
  if (progress) progress("==> building " + spec.image + " from " + context.string());
  ImageBuild build{spec.image,
                   "Dockerfile",
                   {{std::string(kLabelManaged), "true"},
                    {std::string(kLabelRole), "built"},
                    {std::string(kLabelServer), spec.name},
                    {std::string(kLabelContext), hash}}};
  auto id = docker.buildImage(tar, build, progress);
  fs::remove(tar, ec);
  if (!id) return fail(id.error().wrap(who));
  return spec.image;
}

}  // namespace onemcp::sandbox
