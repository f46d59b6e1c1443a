#include "onemcp/common/text.h"

#include <gtest/gtest.h>

namespace onemcp {
namespace {

TEST(TextTest, TrimsAsciiWhitespaceOnBothEnds) {
  EXPECT_EQ(trim("  a b\t\r\n"), "a b");
  EXPECT_EQ(trim(" \t "), "");
  EXPECT_EQ(trim(""), "");
}

TEST(TextTest, FoldsAsciiCaseOnly) {
  EXPECT_EQ(toLowerAscii("GitHub_TOKEN"), "github_token");
  EXPECT_EQ(toUpperAscii("api-key"), "API-KEY");
}

TEST(TextTest, Sha256HexMatchesKnownVectors) {
  EXPECT_EQ(sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

}  // namespace
}  // namespace onemcp
