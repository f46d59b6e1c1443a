#include "onemcp/search/catalog.h"

#include <gtest/gtest.h>

#include "model_path.h"

namespace onemcp::search {
namespace {

TEST(SchemaText, FlattensPropertiesAndArgumentLists) {
  EXPECT_EQ(schemaText(R"({"type":"object","properties":{"city":{"type":"string",)"
                       R"("description":"City name"},"days":{"type":"integer"}}})"),
            "city City name days");
  EXPECT_EQ(schemaText(R"([{"name":"query","desc":"The search string"}])"),
            "query The search string");
  EXPECT_EQ(schemaText("not json"), "");
}

TEST(ParseCorpusKind, RejectsUnknownNames) {
  EXPECT_TRUE(parseCorpusKind("live"));
  EXPECT_TRUE(parseCorpusKind("all"));
  EXPECT_EQ(parseCorpusKind("nope").error().code, ErrorCode::kInvalidInput);
}

TEST(LoadCatalog, LoadsLiveCorpusWithNamespacedIds) {
  auto cat = loadCatalog(testing::dataDir(), CorpusKind::kLive);
  ASSERT_TRUE(cat) << cat.error().toString();
  EXPECT_EQ(cat->servers.size(), 70U);
  EXPECT_EQ(cat->tools.size(), 527U);
  EXPECT_EQ(cat->servers[0].id.rfind("live:", 0), 0U);
  const auto& tool = cat->tools[0];
  EXPECT_EQ(tool.id, cat->servers[tool.server].id + "::" + tool.name);
}

TEST(LoadCatalog, UnionHasEveryServerAndTool) {
  auto cat = loadCatalog(testing::dataDir(), CorpusKind::kAll);
  ASSERT_TRUE(cat) << cat.error().toString();
  EXPECT_EQ(cat->servers.size(), 1506U);
  EXPECT_EQ(cat->tools.size(), 1287U);
}

TEST(LoadCatalog, MissingDirectoryIsAnError) {
  auto cat = loadCatalog("/nonexistent", CorpusKind::kLive);
  ASSERT_FALSE(cat);
  EXPECT_EQ(cat.error().code, ErrorCode::kNotFound);
}

}  // namespace
}  // namespace onemcp::search
