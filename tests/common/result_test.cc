#include "onemcp/common/result.h"

#include <gtest/gtest.h>

namespace onemcp {
namespace {

Result<int> half(int x) {
  if (x % 2 != 0) return fail(ErrorCode::kInvalidInput, "odd number " + std::to_string(x));
  return x / 2;
}

Result<int> quarter(int x) {
  auto h = half(x);
  ONEMCP_TRY(h);
  return half(*h);
}

TEST(ResultTest, HoldsValueOrError) {
  auto ok = half(4);
  ASSERT_TRUE(ok);
  EXPECT_EQ(*ok, 2);
  auto bad = half(3);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, ErrorCode::kInvalidInput);
  EXPECT_EQ(bad.error().toString(), "invalid input: odd number 3");
}

TEST(ResultTest, TryPropagatesFirstError) {
  EXPECT_EQ(*quarter(8), 2);
  auto r = quarter(6);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "odd number 3");
}

TEST(ResultTest, VoidResultAndWrap) {
  Result<void> ok;
  EXPECT_TRUE(ok);
  Result<void> bad = fail(ErrorCode::kTimeout, "no answer");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().wrap("calling tools/call").message, "calling tools/call: no answer");
}

TEST(ResultTest, ValueOrFallsBack) {
  EXPECT_EQ(half(3).value_or(-1), -1);
  EXPECT_EQ(half(2).value_or(-1), 1);
}

}  // namespace
}  // namespace onemcp
