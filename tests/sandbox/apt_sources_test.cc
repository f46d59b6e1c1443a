#include "onemcp/sandbox/apt_sources.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace onemcp::sandbox {
namespace {

TEST(AptSourcesTest, ParsesDeb822StanzasAndSkipsDisabledOnes) {
  const auto s = parseDeb822Sources(
      "Types: deb\n# comment\nURIs: http://mirror.example/debian\n"
      "Suites: bookworm bookworm-updates\nComponents: main contrib\n\n"
      "Types: deb-src\nURIs: http://src.example/debian\nSuites: bookworm\nComponents: main\n\n"
      "Types: deb\nURIs: http://off.example/debian\nSuites: bookworm\nComponents: main\n"
      "Enabled: no\n");
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0].uri, "http://mirror.example/debian");
  EXPECT_EQ(s[0].suites, (std::vector<std::string>{"bookworm", "bookworm-updates"}));
}

TEST(AptSourcesTest, ParsesOneLineEntriesWithOptions) {
  const auto s = parseOneLineSources(
      "# deb http://commented/debian bookworm main\n"
      "deb [arch=amd64 signed-by=/k.gpg] http://m.example/debian bookworm main\n"
      "deb-src http://m.example/debian bookworm main\n");
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0].uri, "http://m.example/debian");
  EXPECT_EQ(s[0].components, (std::vector<std::string>{"main"}));
}

TEST(AptSourcesTest, PicksTheSuiteItselfNotSecurityOrUpdates) {
  std::vector<AptSource> s{{"http://sec.example", {"bookworm-security"}, {"main"}},
                           {"http://other.example", {"bookworm"}, {"contrib"}},
                           {"http://main.example", {"bookworm"}, {"main"}}};
  auto m = pickDebianMirror(s, "bookworm");
  ASSERT_TRUE(m);
  EXPECT_EQ(*m, "http://main.example");
  auto none = pickDebianMirror(s, "trixie");
  ASSERT_FALSE(none);
  EXPECT_NE(none.error().message.find("trixie"), std::string::npos);
}

TEST(AptSourcesTest, ReadsAHostEtcTree) {
  const auto etc = std::filesystem::temp_directory_path() / ("onemcp-etc-" + std::to_string(::getpid()));
  std::filesystem::create_directories(etc / "apt/sources.list.d");
  std::ofstream(etc / "os-release") << "NAME=\"Debian\"\nVERSION_CODENAME=bookworm\n";
  std::ofstream(etc / "apt/sources.list.d/debian.sources")
      << "Types: deb\nURIs: http://local.mirror/debian\nSuites: bookworm\nComponents: main\n";
  std::ofstream(etc / "apt/sources.list.d/x.list.disabled") << "deb http://no/ bookworm main\n";
  auto host = readHostDebian(etc);
  std::filesystem::remove_all(etc);
  ASSERT_TRUE(host) << host.error().message;
  EXPECT_EQ(host->suite, "bookworm");
  EXPECT_EQ(host->mirror, "http://local.mirror/debian");
}

}  // namespace
}  // namespace onemcp::sandbox
