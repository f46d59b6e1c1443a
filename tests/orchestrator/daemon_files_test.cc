// The daemon's lock and endpoint files.
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "onemcp/orchestrator/daemon_files.h"

namespace onemcp::orchestrator {
namespace {

std::filesystem::path tempDir(const std::string& name) {
  auto dir = std::filesystem::temp_directory_path() / ("onemcp-" + name + "-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  return dir;
}

TEST(DaemonFilesTest, EndpointFileIsPrivateAndRoundTrips) {
  const auto dir = tempDir("endpoint");
  const auto file = dir / "run" / "daemon.json";
  ASSERT_TRUE(writeEndpointFile(file, {"http://127.0.0.1:1234/mcp", "tok", 42}));
  struct stat st {};
  ASSERT_EQ(::stat(file.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600U);
  ASSERT_EQ(::stat(file.parent_path().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700U);
  auto read = readEndpointFile(file);
  ASSERT_TRUE(read) << read.error().toString();
  EXPECT_EQ(read->url, "http://127.0.0.1:1234/mcp");
  EXPECT_EQ(read->token, "tok");
  EXPECT_EQ(read->pid, 42);
  std::filesystem::remove_all(dir);
}

TEST(DaemonFilesTest, RefusesAnEndpointFileOthersCanRead) {
  const auto dir = tempDir("leaky");
  const auto file = dir / "daemon.json";
  ASSERT_TRUE(writeEndpointFile(file, {"http://127.0.0.1:1/mcp", "tok", 1}));
  ::chmod(file.c_str(), 0644);
  auto read = readEndpointFile(file);
  ASSERT_FALSE(read);
  EXPECT_EQ(read.error().code, ErrorCode::kForbidden);
  std::filesystem::remove_all(dir);
}

TEST(DaemonFilesTest, MissingOrMalformedEndpointFileIsAClearError) {
  const auto dir = tempDir("bad");
  EXPECT_EQ(readEndpointFile(dir / "none.json").error().code, ErrorCode::kNotFound);
  std::filesystem::create_directories(dir);
  { std::ofstream(dir / "bad.json") << "{\"url\": 1"; }
  ::chmod((dir / "bad.json").c_str(), 0600);
  EXPECT_EQ(readEndpointFile(dir / "bad.json").error().code, ErrorCode::kInvalidInput);
  std::filesystem::remove_all(dir);
}

TEST(DaemonFilesTest, OnlyOneHolderOfTheLock) {
  const auto dir = tempDir("lock");
  auto first = LockFile::acquire(dir / "daemon.lock");
  ASSERT_TRUE(first);
  auto second = LockFile::acquire(dir / "daemon.lock");
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().code, ErrorCode::kUnavailable);
  first->reset();
  EXPECT_TRUE(LockFile::acquire(dir / "daemon.lock"));
  std::filesystem::remove_all(dir);
}

TEST(DaemonFilesTest, TokensAreLongAndDistinct) {
  auto a = newToken();
  auto b = newToken();
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->size(), 64U);
  EXPECT_NE(*a, *b);
}

}  // namespace
}  // namespace onemcp::orchestrator
