#include "onemcp/common/paths.h"

#include <gtest/gtest.h>

#include <map>

namespace onemcp {
namespace {

EnvLookup fakeEnv(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](const std::string& k) -> std::optional<std::string> {
    auto it = vars.find(k);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

TEST(PathsTest, FallsBackToHomeDefaults) {
  auto p = Paths::resolve(fakeEnv({{"HOME", "/home/u"}}));
  EXPECT_EQ(p.config_dir, "/home/u/.config/onemcp");
  EXPECT_EQ(p.data_dir, "/home/u/.local/share/onemcp");
  EXPECT_EQ(p.runtime_dir, "/home/u/.local/state/onemcp/run");
}

TEST(PathsTest, HonoursXdgVariablesAndIgnoresRelativeOnes) {
  auto p = Paths::resolve(fakeEnv({{"HOME", "/h"},
                                   {"XDG_DATA_HOME", "/d"},
                                   {"XDG_CONFIG_HOME", "relative/ignored"},
                                   {"XDG_RUNTIME_DIR", "/run/user/1"}}));
  EXPECT_EQ(p.data_dir, "/d/onemcp");
  EXPECT_EQ(p.config_dir, "/h/.config/onemcp");
  EXPECT_EQ(p.runtime_dir, "/run/user/1/onemcp");
}

}  // namespace
}  // namespace onemcp
