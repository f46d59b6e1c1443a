#include "onemcp/registry/api_json.h"

#include <gtest/gtest.h>

namespace onemcp::registry {
namespace {

TEST(ApiJsonTest, PageHasTheOfficialRegistryShapeWithOurMetadata) {
  ServerRecord s;
  s.id = "reg:io.x/a";
  s.source = "seed";
  s.server_json = R"({"name":"io.x/a","x-unknown":true})";
  s.meta_json = R"({"category":"dev"})";
  s.flags = {"hidden-tag"};
  s.change_version = 7;
  const auto page = serverPageJson(ServerPage{{s}, "CURSOR"});
  EXPECT_EQ(page["metadata"]["nextCursor"], "CURSOR");
  EXPECT_EQ(page["metadata"]["count"], 1);
  const auto& entry = page["servers"][0];
  EXPECT_EQ(entry["server"]["name"], "io.x/a");
  EXPECT_EQ(entry["server"]["x-unknown"], true);
  const auto& meta = entry["_meta"][kMetaKey];
  EXPECT_EQ(meta["id"], "reg:io.x/a");
  EXPECT_EQ(meta["changeVersion"], 7);
  EXPECT_EQ(meta["flags"][0], "hidden-tag");
  EXPECT_EQ(meta["annotations"]["category"], "dev");
  EXPECT_FALSE(serverPageJson(ServerPage{{}, ""})["metadata"].contains("nextCursor"));
}

}  // namespace
}  // namespace onemcp::registry
