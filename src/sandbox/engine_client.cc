#include "onemcp/sandbox/engine_client.h"

#include <sstream>
#include <utility>

#include "engine_http.h"
#include "onemcp/common/log.h"
#include "onemcp/sandbox/stream_frames.h"

namespace onemcp::sandbox {
namespace {

using detail::EngineHttp;
using detail::HttpReply;
using detail::HttpRequest;
using detail::Method;
using nlohmann::json;

std::string urlEncode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) != 0 || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

std::string filtersParam(const LabelFilter& filter) {
  if (filter.empty()) return "";
  json labels = json::array();
  for (const auto& [k, v] : filter) labels.push_back(v.empty() ? k : k + "=" + v);
  return "filters=" + urlEncode(json{{"label", labels}}.dump());
}

Labels labelsOf(const json& j) {
  Labels out;
  if (!j.is_object()) return out;
  for (const auto& [k, v] : j.items()) {
    if (v.is_string()) out[k] = v.get<std::string>();
  }
  return out;
}

std::string str(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// The engine's own words from an error reply ({"message": "..."}), else the raw body.
std::string engineMessage(const HttpReply& r) {
  auto j = json::parse(r.body, nullptr, false);
  if (j.is_object() && j.contains("message") && j["message"].is_string()) {
    return j["message"].get<std::string>();
  }
  return r.body.substr(0, 300);
}

class EngineClient final : public DockerClient {
 public:
  EngineClient(std::string socket_path, EngineOptions options)
      : options_(std::move(options)),
        http_(std::move(socket_path), options_.max_reply_bytes),
        prefix_("/v" + options_.api_version) {}

  std::string endpoint() const override { return "unix://" + http_.socketPath(); }

  Result<void> ping() override {
    ONEMCP_TRY(call(Method::kGet, "/_ping", "ping"));
    return {};
  }

  Result<EngineVersion> version() override {
    auto r = call(Method::kGet, "/version", "version");
    ONEMCP_TRY(r);
    auto j = parse(*r, "version");
    ONEMCP_TRY(j);
    return EngineVersion{str(*j, "Version"), str(*j, "ApiVersion"), str(*j, "Os"),
                         str(*j, "KernelVersion")};
  }

  Result<std::vector<ImageInfo>> listImages(const LabelFilter& filter) override {
    auto r = call(Method::kGet, "/images/json?" + filtersParam(filter), "list images");
    ONEMCP_TRY(r);
    auto j = parse(*r, "list images");
    ONEMCP_TRY(j);
    std::vector<ImageInfo> out;
    for (const auto& i : *j) {
      ImageInfo info{str(i, "Id"), {}, labelsOf(i.value("Labels", json())),
                     i.value("Size", std::int64_t{0})};
      if (i.contains("RepoTags") && i["RepoTags"].is_array()) {
        for (const auto& t : i["RepoTags"]) info.tags.push_back(t.get<std::string>());
      }
      out.push_back(std::move(info));
    }
    return out;
  }

  Result<ImageInfo> inspectImage(const std::string& ref) override {
    auto r = call(Method::kGet, "/images/" + ref + "/json", "inspect image " + ref);
    ONEMCP_TRY(r);
    auto j = parse(*r, "inspect image");
    ONEMCP_TRY(j);
    ImageInfo info{str(*j, "Id"), {}, {}, j->value("Size", std::int64_t{0})};
    if (j->contains("Config") && (*j)["Config"].is_object()) {
      info.labels = labelsOf((*j)["Config"].value("Labels", json()));
    }
    if (j->contains("RepoTags")) {
      for (const auto& t : (*j)["RepoTags"]) info.tags.push_back(t.get<std::string>());
    }
    return info;
  }

  Result<std::string> importImage(const std::filesystem::path& tar,
                                  const ImageImport& options) override {
    std::string target = prefix_ + "/images/create?fromSrc=-&repo=" + urlEncode(options.repo) +
                         "&tag=" + urlEncode(options.tag);
    for (const auto& c : options.changes) target += "&changes=" + urlEncode(c);
    HttpRequest req{Method::kPost, target, "", tar, "application/x-tar"};
    auto r = http_.request(req, options_.import_timeout);
    ONEMCP_TRY(r);
    const std::string what = "import image " + options.repo + ":" + options.tag;
    ONEMCP_TRY(expectOk(*r, what));
    // The reply is a stream of JSON objects; an error arrives as {"error": ...}.
    std::istringstream lines(r->body);
    for (std::string line; std::getline(lines, line);) {
      auto j = json::parse(line, nullptr, false);
      if (j.is_object() && j.contains("error")) {
        return fail(ErrorCode::kDocker, what + ": " + j["error"].dump());
      }
    }
    auto info = inspectImage(options.repo + ":" + options.tag);
    ONEMCP_TRY(info);
    return info->id;
  }

  Result<std::string> buildImage(const std::filesystem::path& context_tar,
                                 const ImageBuild& options, const ProgressFn& progress) override {
    const std::string target = prefix_ + "/build?t=" + urlEncode(options.tag) +
                               "&dockerfile=" + urlEncode(options.dockerfile) +
                               "&rm=1&forcerm=1&labels=" + urlEncode(json(options.labels).dump());
    HttpRequest req{Method::kPost, target, "", context_tar, "application/x-tar"};
    auto r = http_.request(req, options_.import_timeout);
    ONEMCP_TRY(r);
    const std::string what = "build image " + options.tag;
    ONEMCP_TRY(expectOk(*r, what));
    // A stream of JSON objects: {"stream": "Step 1/4 : FROM ..."}, or {"error": ...}.
    std::istringstream lines(r->body);
    for (std::string line; std::getline(lines, line);) {
      auto j = json::parse(line, nullptr, false);
      if (!j.is_object()) continue;
      if (j.contains("error")) {
        return fail(ErrorCode::kDocker, what + ": " + j.value("error", std::string("failed")));
      }
      std::string text = str(j, "stream");
      while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
      if (progress && !text.empty()) progress(text);
    }
    auto info = inspectImage(options.tag);
    ONEMCP_TRY(info);
    return info->id;
  }

  Result<void> removeImage(const std::string& ref, bool force) override {
    ONEMCP_TRY(call(Method::kDelete, "/images/" + ref + (force ? "?force=1" : ""),
                    "remove image " + ref));
    return {};
  }

  Result<std::string> createContainer(const ContainerConfig& config) override {
    std::string target = "/containers/create";
    if (!config.name.empty()) target += "?name=" + urlEncode(config.name);
    log::debug("docker: create {}", describe(config));
    auto r = call(Method::kPost, target, "create container for image " + config.image,
                  createContainerBody(config).dump());
    ONEMCP_TRY(r);
    auto j = parse(*r, "create container");
    ONEMCP_TRY(j);
    return str(*j, "Id");
  }

  Result<void> startContainer(const std::string& id) override {
    ONEMCP_TRY(call(Method::kPost, "/containers/" + id + "/start", "start container " + id));
    return {};
  }

  Result<void> stopContainer(const std::string& id, std::chrono::seconds grace) override {
    ONEMCP_TRY(call(Method::kPost, "/containers/" + id + "/stop?t=" + std::to_string(grace.count()),
                    "stop container " + id, "", options_.timeout + grace));
    return {};
  }

  Result<void> killContainer(const std::string& id, const std::string& signal) override {
    ONEMCP_TRY(call(Method::kPost, "/containers/" + id + "/kill?signal=" + urlEncode(signal),
                    "kill container " + id));
    return {};
  }

  Result<WaitResult> waitContainer(const std::string& id,
                                   std::chrono::milliseconds timeout) override {
    auto r = call(Method::kPost, "/containers/" + id + "/wait?condition=not-running",
                  "wait for container " + id, "", timeout);
    ONEMCP_TRY(r);
    auto j = parse(*r, "wait");
    ONEMCP_TRY(j);
    WaitResult w{j->value("StatusCode", 0), ""};
    if (j->contains("Error") && (*j)["Error"].is_object()) w.error = str((*j)["Error"], "Message");
    return w;
  }

  Result<void> removeContainer(const std::string& id, bool force) override {
    ONEMCP_TRY(call(Method::kDelete, "/containers/" + id + (force ? "?force=1" : ""),
                    "remove container " + id));
    return {};
  }

  Result<ContainerInfo> inspectContainer(const std::string& id) override {
    auto r = call(Method::kGet, "/containers/" + id + "/json", "inspect container " + id);
    ONEMCP_TRY(r);
    auto j = parse(*r, "inspect container");
    ONEMCP_TRY(j);
    return containerInfoOf(*j);
  }

  Result<std::vector<ContainerSummary>> listContainers(const LabelFilter& filter,
                                                       bool include_stopped) override {
    std::string target = "/containers/json?" + filtersParam(filter);
    if (include_stopped) target += "&all=1";
    auto r = call(Method::kGet, target, "list containers");
    ONEMCP_TRY(r);
    auto j = parse(*r, "list containers");
    ONEMCP_TRY(j);
    std::vector<ContainerSummary> out;
    for (const auto& c : *j) {
      ContainerSummary s{str(c, "Id"), "", str(c, "Image"), str(c, "State"), str(c, "Status"),
                         labelsOf(c.value("Labels", json()))};
      if (c.contains("Names") && !c["Names"].empty()) {
        s.name = c["Names"][0].get<std::string>();
        if (!s.name.empty() && s.name[0] == '/') s.name.erase(0, 1);
      }
      out.push_back(std::move(s));
    }
    return out;
  }

  Result<std::string> containerLogs(const std::string& id, int tail) override {
    std::string target = "/containers/" + id + "/logs?stdout=1&stderr=1";
    if (tail > 0) target += "&tail=" + std::to_string(tail);
    auto r = call(Method::kGet, target, "logs of container " + id);
    ONEMCP_TRY(r);
    std::string text;
    FrameDemuxer demux;
    auto fed = demux.feed(r->body, [&](StreamKind, std::string_view d) { text.append(d); });
    if (!fed) return r->body;  // a TTY container's log is not multiplexed
    return text;
  }

  Result<std::unique_ptr<AttachStream>> attachContainer(const std::string& id) override {
    return http_.hijack(prefix_ + "/containers/" + id +
                            "/attach?stream=1&stdin=1&stdout=1&stderr=1",
                        options_.timeout);
  }

  Result<void> createVolume(const std::string& name, const Labels& labels) override {
    ONEMCP_TRY(call(Method::kPost, "/volumes/create", "create volume " + name,
                    json{{"Name", name}, {"Labels", labels}}.dump()));
    return {};
  }

  Result<std::optional<VolumeInfo>> inspectVolume(const std::string& name) override {
    auto r = call(Method::kGet, "/volumes/" + name, "inspect volume " + name);
    if (!r && r.error().code == ErrorCode::kNotFound) return std::optional<VolumeInfo>();
    ONEMCP_TRY(r);
    auto j = parse(*r, "inspect volume");
    ONEMCP_TRY(j);
    return std::optional<VolumeInfo>(VolumeInfo{str(*j, "Name"), labelsOf(j->value("Labels", json()))});
  }

  Result<void> removeVolume(const std::string& name, bool force) override {
    ONEMCP_TRY(call(Method::kDelete, "/volumes/" + name + (force ? "?force=1" : ""),
                    "remove volume " + name));
    return {};
  }

  Result<std::vector<VolumeInfo>> listVolumes(const LabelFilter& filter) override {
    auto r = call(Method::kGet, "/volumes?" + filtersParam(filter), "list volumes");
    ONEMCP_TRY(r);
    auto j = parse(*r, "list volumes");
    ONEMCP_TRY(j);
    std::vector<VolumeInfo> out;
    if (j->contains("Volumes") && (*j)["Volumes"].is_array()) {
      for (const auto& v : (*j)["Volumes"]) {
        out.push_back(VolumeInfo{str(v, "Name"), labelsOf(v.value("Labels", json()))});
      }
    }
    return out;
  }

  Result<std::string> createNetwork(const std::string& name, const Labels& labels,
                                    bool internal) override {
    json body{{"Name", name}, {"Labels", labels}, {"Internal", internal},
              {"CheckDuplicate", true}, {"Driver", "bridge"}};
    auto r = call(Method::kPost, "/networks/create", "create network " + name, body.dump());
    ONEMCP_TRY(r);
    auto j = parse(*r, "create network");
    ONEMCP_TRY(j);
    return str(*j, "Id");
  }

  Result<void> removeNetwork(const std::string& id_or_name) override {
    ONEMCP_TRY(call(Method::kDelete, "/networks/" + id_or_name, "remove network " + id_or_name));
    return {};
  }

  Result<std::vector<NetworkInfo>> listNetworks(const LabelFilter& filter) override {
    auto r = call(Method::kGet, "/networks?" + filtersParam(filter), "list networks");
    ONEMCP_TRY(r);
    auto j = parse(*r, "list networks");
    ONEMCP_TRY(j);
    std::vector<NetworkInfo> out;
    for (const auto& n : *j) {
      NetworkInfo info{str(n, "Id"), str(n, "Name"), n.value("Internal", false),
                       labelsOf(n.value("Labels", json())), "", ""};
      const json ipam = n.value("IPAM", json::object());
      if (ipam.contains("Config") && ipam["Config"].is_array() && !ipam["Config"].empty()) {
        info.gateway = str(ipam["Config"][0], "Gateway");
        info.subnet = str(ipam["Config"][0], "Subnet");
      }
      out.push_back(std::move(info));
    }
    return out;
  }

 private:
  Result<HttpReply> call(Method method, const std::string& path, const std::string& what,
                         std::string body = "",
                         std::optional<std::chrono::milliseconds> timeout = std::nullopt) {
    HttpRequest req{method, prefix_ + path, std::move(body), {}, "application/json"};
    auto r = http_.request(req, timeout.value_or(options_.timeout));
    if (!r) return fail(r.error().wrap(what));
    ONEMCP_TRY(expectOk(*r, what));
    return r;
  }

  static Result<void> expectOk(const HttpReply& r, const std::string& what) {
    if (r.status < 300 || r.status == 304) return {};
    const ErrorCode code = r.status == 404 ? ErrorCode::kNotFound : ErrorCode::kDocker;
    return fail(code, what + ": Docker engine answered HTTP " + std::to_string(r.status) +
                          ": " + engineMessage(r));
  }

  static Result<json> parse(const HttpReply& r, const std::string& what) {
    auto j = json::parse(r.body, nullptr, false);
    if (j.is_discarded()) {
      return fail(ErrorCode::kDocker, what + ": the engine's reply is not JSON");
    }
    return j;
  }

  static ContainerInfo containerInfoOf(const json& j) {
    ContainerInfo info;
    info.id = str(j, "Id");
    info.name = str(j, "Name");
    if (!info.name.empty() && info.name[0] == '/') info.name.erase(0, 1);
    info.image_id = str(j, "Image");
    info.restart_count = j.value("RestartCount", 0);
    if (j.contains("Config") && j["Config"].is_object()) {
      info.image = str(j["Config"], "Image");
      info.labels = labelsOf(j["Config"].value("Labels", json()));
    }
    if (j.contains("State") && j["State"].is_object()) {
      const auto& s = j["State"];
      info.state = ContainerState{str(s, "Status"), s.value("Running", false),
                                  s.value("OOMKilled", false), s.value("ExitCode", 0),
                                  str(s, "Error")};
    }
    const json net = j.value("NetworkSettings", json::object());
    if (net.contains("Ports") && net["Ports"].is_object()) {
      for (const auto& [port, binds] : net["Ports"].items()) {
        if (!binds.is_array() || binds.empty()) continue;
        const auto host_port = str(binds[0], "HostPort");
        if (host_port.empty()) continue;
        info.published[static_cast<std::uint16_t>(std::stoi(port))] =
            static_cast<std::uint16_t>(std::stoi(host_port));
      }
    }
    if (net.contains("Networks") && net["Networks"].is_object()) {
      for (const auto& [name, n] : net["Networks"].items()) {
        info.network_ips[name] = str(n, "IPAddress");
      }
    }
    for (const auto& m : j.value("Mounts", json::array())) {
      if (m.is_object() && str(m, "Type") == "volume") info.volumes.push_back(str(m, "Name"));
    }
    return info;
  }

  EngineOptions options_;
  EngineHttp http_;
  std::string prefix_;
};

json mountJson(const MountSpec& m) {
  json j{{"Target", m.target}, {"ReadOnly", m.read_only}};
  switch (m.type) {
    case MountSpec::Type::kBind:
      j["Type"] = "bind";
      j["Source"] = m.source;
      break;
    case MountSpec::Type::kVolume:
      j["Type"] = "volume";
      j["Source"] = m.source;
      break;
    case MountSpec::Type::kTmpfs:
      j["Type"] = "tmpfs";
      j["TmpfsOptions"] = {{"Mode", 01777}};
      if (m.tmpfs_bytes > 0) j["TmpfsOptions"]["SizeBytes"] = m.tmpfs_bytes;
      break;
  }
  return j;
}

}  // namespace

EngineOptions EngineOptions::fromEnv(const EnvLookup& env) {
  EngineOptions o;
  if (auto host = env("DOCKER_HOST")) o.host = *host;
  return o;
}

Result<std::unique_ptr<DockerClient>> makeEngineClient(const EngineOptions& options) {
  constexpr std::string_view kUnix = "unix://";
  if (options.host.rfind(kUnix, 0) != 0) {
    return fail(ErrorCode::kInvalidInput,
                "DOCKER_HOST=" + options.host +
                    ": only unix:// engine sockets are supported (use an SSH tunnel to a "
                    "local socket for a remote engine)");
  }
  return std::unique_ptr<DockerClient>(
      std::make_unique<EngineClient>(options.host.substr(kUnix.size()), options));
}

json createContainerBody(const ContainerConfig& c) {
  json host{{"NetworkMode", c.network_mode},
            {"ReadonlyRootfs", c.read_only_rootfs},
            {"CapDrop", c.cap_drop},
            {"SecurityOpt", c.security_opt},
            {"Init", c.init},
            {"Mounts", json::array()}};
  for (const auto& m : c.mounts) host["Mounts"].push_back(mountJson(m));
  if (c.memory_bytes > 0) {
    host["Memory"] = c.memory_bytes;
    host["MemorySwap"] = c.memory_bytes;  // no swap beyond the limit
  }
  if (c.nano_cpus > 0) host["NanoCpus"] = c.nano_cpus;
  if (c.pids_limit > 0) host["PidsLimit"] = c.pids_limit;
  if (!c.restart_policy.empty()) {
    host["RestartPolicy"] = {{"Name", c.restart_policy},
                             {"MaximumRetryCount", c.restart_max_retries}};
  }
  json body{{"Image", c.image},       {"Cmd", c.cmd},           {"Env", c.env},
            {"User", c.user},         {"Labels", c.labels},     {"Tty", false},
            {"AttachStdin", c.attach_stdin}, {"OpenStdin", c.attach_stdin},
            {"StdinOnce", c.attach_stdin && c.stdin_once},   {"AttachStdout", true}, {"AttachStderr", true}};
  if (c.cmd.empty()) body.erase("Cmd");  // the image's own CMD
  if (!c.entrypoint.empty()) body["Entrypoint"] = c.entrypoint;
  if (!c.working_dir.empty()) body["WorkingDir"] = c.working_dir;
  if (c.publish_port) {
    const std::string port = std::to_string(*c.publish_port) + "/tcp";
    body["ExposedPorts"] = {{port, json::object()}};
    host["PortBindings"] = {{port, json::array({{{"HostIp", "127.0.0.1"}, {"HostPort", ""}}})}};
  }
  body["HostConfig"] = std::move(host);
  return body;
}

std::string describe(const ContainerConfig& c) {
  std::string out = "image=" + c.image + " cmd=[";
  // Appended piece by piece: `const char* + std::string&&` trips a false -Wrestrict in g++ 12 -O3.
  for (std::size_t i = 0; i < c.cmd.size(); ++i) {
    if (i > 0) out += ' ';
    out += c.cmd[i];
  }
  out += "] env=[";
  for (std::size_t i = 0; i < c.env.size(); ++i) {
    if (i > 0) out += ' ';
    out.append(c.env[i], 0, c.env[i].find('='));
    out += "=***";
  }
  out += "] network=" + c.network_mode + " user=" + c.user;
  return out;
}

}  // namespace onemcp::sandbox
