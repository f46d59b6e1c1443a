// Fakes for discovery's outside world: an npm registry held in memory.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "onemcp/sandbox/sources.h"

namespace onemcp::sandbox::testing {

class FakeNpm final : public NpmRegistry {
 public:
  // name -> versions (oldest first); the newest is "latest"; every version has `bins`.
  void add(const std::string& name, std::vector<std::string> versions, std::map<std::string, std::string> bins,
           std::string engines = {}) {
    packages_[name] = {std::move(versions), std::move(bins), std::move(engines)};
  }
  Result<NpmPackage> view(const std::string& spec) override {
    asked.push_back(spec);
    auto at = spec.find('@', spec.starts_with("@") ? 1 : 0);
    std::string name = spec.substr(0, at);
    std::string version = at == std::string::npos ? "" : spec.substr(at + 1);
    auto it = packages_.find(name);
    if (it == packages_.end()) return fail(ErrorCode::kNotFound, "Not Found - GET " + name);
    const auto& p = it->second;
    if (!version.empty() && std::find(p.versions.begin(), p.versions.end(), version) == p.versions.end()) {
      return fail(ErrorCode::kNotFound, "No match found for version " + version);
    }
    NpmPackage pkg;
    pkg.versions = p.versions;
    pkg.latest = p.versions.back();
    pkg.manifest.name = name;
    pkg.manifest.version = version.empty() ? pkg.latest : version;
    pkg.manifest.bins = p.bins;
    pkg.manifest.mcp_dependency = "@modelcontextprotocol/sdk";
    if (!p.engines.empty()) {
      pkg.manifest.engines_node = p.engines;
      pkg.manifest.node_major = nodeMajorFor(p.engines);
    }
    return pkg;
  }
  std::vector<std::string> asked;

 private:
  struct Package {
    std::vector<std::string> versions;
    std::map<std::string, std::string> bins;
    std::string engines;
  };
  std::map<std::string, Package> packages_;
};

}  // namespace onemcp::sandbox::testing
