#include "onemcp/search/static_model.h"

#include <cmath>
#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "model_path.h"
#include "onemcp/search/text.h"

namespace onemcp::search {
namespace {

// The Node build script writes sentence vectors computed independently (its own regex
// tokenizer, float64 arithmetic over the same f16-rounded word vectors).
constexpr double kTolerance = 2e-4;  // per component, after L2 normalisation

nlohmann::json reference() {
  std::ifstream in(testing::modelDir() / "glove-100k.ref.json");
  return nlohmann::json::parse(in, nullptr, false);
}

TEST(HalfToFloat, DecodesKnownValues) {
  EXPECT_EQ(halfToFloat(0x3C00), 1.0F);
  EXPECT_EQ(halfToFloat(0xC000), -2.0F);
  EXPECT_EQ(halfToFloat(0x0000), 0.0F);
  EXPECT_FLOAT_EQ(halfToFloat(0x3555), 0.333251953125F);
  EXPECT_FLOAT_EQ(halfToFloat(0x0001), 5.9604645e-8F);  // smallest subnormal
  EXPECT_TRUE(std::isinf(halfToFloat(0x7C00)));
}

TEST(StaticModel, RejectsAFileThatIsNotAModel) {
  const auto path = std::filesystem::temp_directory_path() / "onemcp_not_a_model.omv";
  std::ofstream(path) << std::string(200, 'x');
  auto model = StaticModel::open(path);
  ASSERT_FALSE(model);
  EXPECT_EQ(model.error().code, ErrorCode::kInvalidInput);
  std::filesystem::remove(path);
  EXPECT_EQ(StaticModel::open(path).error().code, ErrorCode::kNotFound);
}

TEST(LoadEncoder, NamesSupportedFormatsForOtherFiles) {
  auto enc = loadEncoder("/nonexistent/model.onnx");
  ASSERT_FALSE(enc);
  EXPECT_EQ(enc.error().code, ErrorCode::kInvalidInput);
}

TEST(StaticEncoder, TokensMatchNodeReference) {
  const auto ref = reference();
  ASSERT_FALSE(ref.is_discarded()) << "run scripts/build-models";
  for (std::size_t i = 0; i < ref["sentences"].size(); ++i) {
    const auto text = ref["sentences"][i]["text"].get<std::string>();
    EXPECT_EQ(splitWords(text), ref["tokens"][i].get<std::vector<std::string>>()) << text;
  }
}

TEST(StaticEncoder, VectorsMatchNodeReference) {
  const auto ref = reference();
  ASSERT_FALSE(ref.is_discarded()) << "run scripts/build-models";
  auto enc = loadEncoder(testing::modelDir() / ref["model"].get<std::string>());
  ASSERT_TRUE(enc) << enc.error().toString();
  ASSERT_EQ((*enc)->dim(), ref["dim"].get<std::size_t>());
  std::vector<std::string> texts;
  for (const auto& s : ref["sentences"]) texts.push_back(s["text"].get<std::string>());
  std::vector<std::string_view> views(texts.begin(), texts.end());
  std::vector<float> out(texts.size() * (*enc)->dim());
  ASSERT_TRUE((*enc)->encode(views, out));
  for (std::size_t i = 0; i < texts.size(); ++i) {
    const auto expected = ref["sentences"][i]["vector"].get<std::vector<double>>();
    for (std::size_t d = 0; d < expected.size(); ++d) {
      ASSERT_NEAR(out[i * expected.size() + d], expected[d], kTolerance) << texts[i] << " dim " << d;
    }
  }
}

TEST(StaticEncoder, UnknownWordsEncodeAsZero) {
  auto enc = loadEncoder(testing::modelDir() / "default.omv");
  ASSERT_TRUE(enc) << enc.error().toString();
  const std::string_view texts[] = {"qqqzzzxxy"};
  std::vector<float> out((*enc)->dim(), 1.0F);
  ASSERT_TRUE((*enc)->encode(texts, out));
  for (float x : out) EXPECT_EQ(x, 0.0F);
}

TEST(StaticEncoder, RelatedSentencesAreCloserThanUnrelated) {
  auto enc = loadEncoder(testing::modelDir() / "default.omv");
  ASSERT_TRUE(enc) << enc.error().toString();
  const std::string_view texts[] = {"weather forecast for tomorrow", "will it rain tomorrow",
                                    "merge a pull request on github"};
  const std::size_t dim = (*enc)->dim();
  std::vector<float> out(3 * dim);
  ASSERT_TRUE((*enc)->encode(texts, out));
  auto cos = [&](std::size_t a, std::size_t b) {
    float s = 0;
    for (std::size_t d = 0; d < dim; ++d) s += out[a * dim + d] * out[b * dim + d];
    return s;
  };
  EXPECT_GT(cos(0, 1), cos(0, 2));
}

}  // namespace
}  // namespace onemcp::search
