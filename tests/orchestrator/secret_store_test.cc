// The secret store: one private file, values per server; a file others can read is
// refused, a malformed one is reported and left as it is.
#include "onemcp/orchestrator/secret_store.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <iterator>

namespace onemcp::orchestrator {
namespace {

std::filesystem::path tempDir(const std::string& name) {
  auto dir = std::filesystem::temp_directory_path() /
             ("onemcp-secrets-" + name + "-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  return dir;
}

TEST(SecretStoreTest, KeepsValuesPerServerInAPrivateFile) {
  const auto dir = tempDir("keep");
  SecretStore store(dir / "config" / "secrets.json");
  EXPECT_TRUE(store.get("a")->empty());  // no file yet: nothing stored
  ASSERT_TRUE(store.put("a", "TOKEN", "one"));
  ASSERT_TRUE(store.put("a", "TOKEN", "two"));  // replaced
  ASSERT_TRUE(store.put("b", "KEY", "three"));
  struct stat st {};
  ASSERT_EQ(::stat((dir / "config" / "secrets.json").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600U);
  ASSERT_EQ(::stat((dir / "config").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700U);
  SecretStore again(dir / "config" / "secrets.json");
  EXPECT_EQ(again.get("a")->at("TOKEN"), "two");
  EXPECT_EQ(again.get("b")->at("KEY"), "three");
  EXPECT_EQ(again.missing("a", {"TOKEN", "OTHER"}), std::vector<std::string>{"OTHER"});
  EXPECT_FALSE(again.put("", "X", "y"));
  std::filesystem::remove_all(dir);
}

TEST(SecretStoreTest, RefusesAFileOthersCanReadAndKeepsAMalformedOne) {
  const auto dir = tempDir("refuse");
  const auto file = dir / "secrets.json";
  SecretStore store(file);
  ASSERT_TRUE(store.put("a", "TOKEN", "x"));
  ASSERT_EQ(::chmod(file.c_str(), 0644), 0);
  auto leaky = store.get("a");
  ASSERT_FALSE(leaky);
  EXPECT_EQ(leaky.error().code, ErrorCode::kForbidden);
  ASSERT_EQ(::chmod(file.c_str(), 0600), 0);
  {
    std::ofstream out(file);
    out << "[1, 2";
  }
  EXPECT_FALSE(store.put("a", "TOKEN", "y"));
  std::ifstream in(file);
  std::string kept((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(kept, "[1, 2");
  EXPECT_EQ(store.missing("a", {"TOKEN"}), std::vector<std::string>{"TOKEN"});
}

}  // namespace
}  // namespace onemcp::orchestrator
