#include "onemcp/search/mix_encoder.h"

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>

#include "model_path.h"
#include "onemcp/search/text.h"

namespace onemcp::search {
namespace {

// Two hand-set 2-d tables that disagree: "sun" and "rain" are alike in one, apart in
// the other.
class Table final : public Encoder {
 public:
  explicit Table(bool alike) : alike_(alike) {}
  std::size_t dim() const override { return 2; }
  std::string name() const override { return alike_ ? "alike" : "apart"; }
  Result<void> encode(std::span<const std::string_view> texts,
                      std::span<float> out) const override {
    for (std::size_t i = 0; i < texts.size(); ++i) {
      float v[2] = {0, 0};
      for (const auto& w : splitWords(texts[i])) {
        if (w == "sun") v[0] += 1.0F;
        if (w == "rain") v[alike_ ? 0 : 1] += 1.0F;
        if (w == "only" && !alike_) v[1] += 1.0F;  // a word one table alone knows
      }
      const float n = std::sqrt(v[0] * v[0] + v[1] * v[1]);
      for (int d = 0; d < 2; ++d) out[i * 2 + d] = n > 0 ? v[d] / n : 0.0F;
    }
    return {};
  }

 private:
  bool alike_;
};

float cosine(const std::vector<float>& v, std::size_t a, std::size_t b, std::size_t dim) {
  float s = 0;
  for (std::size_t d = 0; d < dim; ++d) s += v[a * dim + d] * v[b * dim + d];
  return s;
}

TEST(MixEncoder, CosineIsTheSharesWeightedSumOfThePartsCosines) {
  auto mix = MixEncoder::make(
      {{std::make_shared<Table>(true), 3.0F}, {std::make_shared<Table>(false), 1.0F}});
  ASSERT_TRUE(mix) << mix.error().toString();
  EXPECT_EQ((*mix)->dim(), 4U);
  const std::string_view texts[] = {"sun", "rain"};
  std::vector<float> out(2 * 4);
  ASSERT_TRUE((*mix)->encode(texts, out));
  EXPECT_NEAR(cosine(out, 0, 0, 4), 1.0F, 1e-6);
  EXPECT_NEAR(cosine(out, 0, 1, 4), 0.75F * 1.0F + 0.25F * 0.0F, 1e-6);
}

TEST(MixEncoder, ATextOnlyOnePartKnowsIsThatPartsVectorAndNoneIsZero) {
  auto mix = MixEncoder::make(
      {{std::make_shared<Table>(true), 1.0F}, {std::make_shared<Table>(false), 1.0F}});
  ASSERT_TRUE(mix);
  const std::string_view texts[] = {"only", "qqq"};
  std::vector<float> out(2 * 4, 9.0F);
  ASSERT_TRUE((*mix)->encode(texts, out));
  EXPECT_EQ(out[0], 0.0F);
  EXPECT_EQ(out[1], 0.0F);
  EXPECT_NEAR(out[3], 1.0F, 1e-6);  // renormalised: unit length
  for (std::size_t d = 4; d < 8; ++d) EXPECT_EQ(out[d], 0.0F);
}

TEST(MixEncoder, RejectsAnEmptyMixAndNonPositiveShares) {
  EXPECT_EQ(MixEncoder::make({}).error().code, ErrorCode::kInvalidInput);
  EXPECT_EQ(MixEncoder::make({{std::make_shared<Table>(true), 0.0F}}).error().code,
            ErrorCode::kInvalidInput);
  EXPECT_EQ(MixEncoder::make({{std::make_shared<Table>(true), -1.0F}}).error().code,
            ErrorCode::kInvalidInput);
}

class MixManifest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("onemcp-mix-test-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
            "-" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
    const auto table = testing::modelDir() / "glove-100k.omv";
    ASSERT_TRUE(std::filesystem::exists(table)) << "run scripts/build-models";
    std::filesystem::create_symlink(table, dir_ / "a.omv");
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::filesystem::path write(const std::string& text) {
    const auto f = dir_ / "m.omvmix";
    std::ofstream(f) << text;
    return f;
  }
  std::filesystem::path dir_;
};

TEST_F(MixManifest, LoadsTheNamedTablesRelativeToTheManifestAndThroughALink) {
  const auto f = write("# two halves of one table\nonemcp-mix 1\n0.5 a.omv\n\n0.5 a.omv\n");
  std::filesystem::create_symlink(f, dir_ / "default.omv");
  auto enc = loadEncoder(dir_ / "default.omv");
  ASSERT_TRUE(enc) << enc.error().toString();
  auto single = loadEncoder(dir_ / "a.omv");
  ASSERT_TRUE(single);
  ASSERT_EQ((*enc)->dim(), 2 * (*single)->dim());
  const std::string_view texts[] = {"weather forecast for tomorrow"};
  std::vector<float> mixed((*enc)->dim());
  std::vector<float> one((*single)->dim());
  ASSERT_TRUE((*enc)->encode(texts, mixed));
  ASSERT_TRUE((*single)->encode(texts, one));
  const std::size_t d = one.size();
  for (std::size_t i = 0; i < d; ++i) {
    EXPECT_NEAR(mixed[i], one[i] / std::sqrt(2.0F), 1e-6);
    EXPECT_NEAR(mixed[d + i], one[i] / std::sqrt(2.0F), 1e-6);
  }
}

TEST_F(MixManifest, BadManifestsNameTheLineAndTheProblem) {
  auto r = loadEncoder(write("onemcp-mix 2\n1 a.omv\n"));
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find(":1: expected the header"), std::string::npos)
      << r.error().message;
  r = loadEncoder(write("onemcp-mix 1\nhalf a.omv\n"));
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find(":2: expected 'SHARE FILE.omv'"), std::string::npos);
  r = loadEncoder(write("onemcp-mix 1\n1 missing.omv\n"));
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("missing.omv"), std::string::npos);
  r = loadEncoder(write("onemcp-mix 1\n0 a.omv\n"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidInput);
}

}  // namespace
}  // namespace onemcp::search
