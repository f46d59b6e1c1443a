#include "onemcp/http/types.h"

#include <gtest/gtest.h>

namespace onemcp::http {
namespace {

TEST(HeadersTest, LooksUpNamesCaseInsensitively) {
  Headers h{{"Content-Type", "application/json"}};
  EXPECT_EQ(h.get("content-type"), "application/json");
  EXPECT_EQ(h.get("CONTENT-TYPE"), "application/json");
  EXPECT_FALSE(h.get("Content-Length"));
}

TEST(HeadersTest, AddKeepsDuplicatesAndGetReturnsTheFirst) {
  Headers h;
  h.add("Set-Cookie", "a");
  h.add("set-cookie", "b");
  EXPECT_EQ(h.fields().size(), 2u);
  EXPECT_EQ(h.get("Set-Cookie"), "a");
}

TEST(HeadersTest, SetReplacesEveryFieldOfThatName) {
  Headers h{{"X-A", "1"}, {"x-a", "2"}, {"X-B", "3"}};
  h.set("X-a", "9");
  EXPECT_EQ(h.fields().size(), 2u);
  EXPECT_EQ(h.get("x-A"), "9");
  h.remove("X-B");
  EXPECT_FALSE(h.has("X-B"));
}

TEST(ResponseTest, HelpersSetContentType) {
  EXPECT_EQ(Response::json(201, "{}").headers.get("Content-Type"), "application/json");
  EXPECT_EQ(Response::text(404, "x").status, 404);
  EXPECT_EQ(reasonPhrase(413), "Content Too Large");
  EXPECT_EQ(reasonPhrase(799), "Unknown");
}

}  // namespace
}  // namespace onemcp::http
