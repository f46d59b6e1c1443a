// Reads the host's own Debian mirror from its apt sources (deb822 *.sources and one-line
// *.list), so runtime images are built from whatever mirror this machine is allowed to
// use, never a hard-coded one. Parsing is pure and unit-tested.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "onemcp/common/result.h"

namespace onemcp::sandbox {

struct AptSource {
  std::string uri;
  std::vector<std::string> suites;
  std::vector<std::string> components;
};

std::vector<AptSource> parseDeb822Sources(std::string_view text);
std::vector<AptSource> parseOneLineSources(std::string_view text);
// The first source that serves `suite` itself (not -updates/-security) with "main".
Result<std::string> pickDebianMirror(const std::vector<AptSource>& sources,
                                     std::string_view suite);
// VERSION_CODENAME from an os-release text.
std::string osCodename(std::string_view os_release);

struct HostDebian {
  std::string mirror;
  std::string suite;
};
// Reads etc_dir/apt/sources.list, etc_dir/apt/sources.list.d/*.{list,sources} and
// etc_dir/os-release.
Result<HostDebian> readHostDebian(const std::filesystem::path& etc_dir = "/etc");

}  // namespace onemcp::sandbox
