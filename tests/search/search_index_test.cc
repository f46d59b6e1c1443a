#include "onemcp/search/search_index.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <set>
#include <thread>

#include "onemcp/search/text.h"

namespace onemcp::search {
namespace {

// A small fixed catalogue: four servers, seven tools.
Catalog smallCatalog() {
  Catalog c;
  const auto weather =
      c.addServer({"t:weather", "Weather", "Forecasts and current conditions", "", {}});
  c.addTool({"t:weather::get_forecast", weather, "get_forecast",
             "Get the weather forecast for a city", "city days"});
  c.addTool({"t:weather::get_alerts", weather, "get_alerts", "Severe weather alerts for a US state",
             "state"});
  const auto github =
      c.addServer({"t:github", "GitHub", "Repositories, issues and pull requests", "", {}});
  c.addTool({"t:github::list_issues", github, "list_issues", "List issues of a repository",
             "owner repo"});
  c.addTool({"t:github::create_pull_request", github, "create_pull_request", "Open a pull request",
             "owner repo head base"});
  const auto fs = c.addServer({"t:fs", "Filesystem", "Read and write local files", "", {}});
  c.addTool({"t:fs::write_file", fs, "write_file", "Write text to a file on disk", "path content"});
  c.addTool({"t:fs::read_file", fs, "read_file", "Read a file from disk", "path"});
  const auto cal = c.addServer({"t:cal", "Calendar", "Events and meetings", "", {}});
  c.addTool({"t:cal::create_event", cal, "create_event", "Schedule a meeting on the calendar",
             "title start end"});
  return c;
}

// Deterministic stand-in encoder: hashed bag of words, normalised.
class HashEncoder final : public Encoder {
 public:
  std::size_t dim() const override { return 64; }
  std::string name() const override { return "hash-64"; }
  Result<void> encode(std::span<const std::string_view> texts,
                      std::span<float> out) const override {
    for (std::size_t i = 0; i < texts.size(); ++i) {
      auto row = out.subspan(i * 64, 64);
      std::fill(row.begin(), row.end(), 0.0F);
      for (const auto& w : splitWords(texts[i])) row[std::hash<std::string>{}(w) % 64] += 1.0F;
      float n = 0;
      for (float x : row) n += x * x;
      if (n > 0) {
        for (float& x : row) x /= std::sqrt(n);
      }
    }
    return {};
  }
};

// Hand-set word vectors: "homestay" lies near "lodging" and nowhere near the rest.
class TableEncoder final : public Encoder {
 public:
  std::size_t dim() const override { return 3; }
  std::string name() const override { return "table-3"; }
  Result<void> encode(std::span<const std::string_view> texts,
                      std::span<float> out) const override {
    for (std::size_t i = 0; i < texts.size(); ++i) {
      float v[3] = {0, 0, 0};
      for (const auto& w : splitWords(texts[i])) {
        if (w == "lodging") v[0] += 1.0F;
        if (w == "homestay") {
          v[0] += 0.9F;
          v[1] += 0.3F;
        }
        if (w == "weather") v[2] += 1.0F;
      }
      const float n = std::sqrt(v[0] * v[0] + v[1] * v[1] + v[2] * v[2]);
      for (int d = 0; d < 3; ++d) out[i * 3 + d] = n > 0 ? v[d] / n : 0.0F;
    }
    return {};
  }
};

std::shared_ptr<const SearchIndex> lexicalIndex() {
  auto index = SearchIndex::build(smallCatalog(), nullptr);
  EXPECT_TRUE(index);
  return *index;
}

std::string topServer(const SearchIndex& index, std::string_view q, const QueryOptions& o = {}) {
  auto r = index.search(q, o);
  if (!r || r->servers.empty()) return "";
  return index.catalog().servers[r->servers.front().index].id;
}

TEST(SearchIndex, RanksTheServerWhoseToolsMatch) {
  auto index = lexicalIndex();
  EXPECT_EQ(topServer(*index, "will there be severe weather alerts in Texas"), "t:weather");
  EXPECT_EQ(topServer(*index, "open a pull request for my branch"), "t:github");
  EXPECT_EQ(topServer(*index, "save this text to a file"), "t:fs");
}

TEST(SearchIndex, RanksTheMatchingToolFirst) {
  auto index = lexicalIndex();
  auto r = index->search("read the file at /tmp/notes.txt");
  ASSERT_TRUE(r);
  ASSERT_FALSE(r->tools.empty());
  EXPECT_EQ(index->catalog().tools[r->tools.front().index].id, "t:fs::read_file");
}

TEST(SearchIndex, QueryThatMatchesNothingGivesEmptyResultNotError) {
  auto index = lexicalIndex();
  auto r = index->search("zzqx wvvk");
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->servers.empty());
  EXPECT_TRUE(r->tools.empty());
  auto empty = index->search("");
  ASSERT_TRUE(empty);
  EXPECT_TRUE(empty->servers.empty());
}

TEST(SearchIndex, EverySubTaskIsRepresentedInTheTopServers) {
  auto index = lexicalIndex();
  QueryOptions o;
  o.servers = 2;
  o.merge = MergeMode::kRoundRobin;
  auto r = index->search(
      "1. Get the weather forecast for Paris\n2. Schedule a meeting on my calendar", o);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->subtasks.size(), 2U);
  ASSERT_EQ(r->servers.size(), 2U);
  std::set<std::string> top;
  for (const auto& s : r->servers) top.insert(index->catalog().servers[s.index].id);
  EXPECT_TRUE(top.contains("t:weather"));
  EXPECT_TRUE(top.contains("t:cal"));
  EXPECT_EQ(r->subtask_servers.size(), 2U);
}

TEST(SearchIndex, RepeatedQueryWordCountsOnce) {
  auto index = lexicalIndex();
  const std::string q = "weather weather weather: open a pull request";
  EXPECT_EQ(topServer(*index, q), "t:github");
  QueryOptions repeat;
  repeat.unique_terms = false;
  EXPECT_EQ(topServer(*index, q, repeat), "t:weather");
}

TEST(SearchIndex, AdjacentWordsMatchACompoundInTheIndex) {
  Catalog c;
  const auto mind = c.addServer({"t:mind", "Mind", "Diagrams from notes", "", {}});
  c.addTool({"t:mind::markdown_to_mindmap", mind, "markdown_to_mindmap",
             "Render notes as a mindmap", ""});
  const auto maps = c.addServer({"t:maps", "Maps", "Places", "", {}});
  c.addTool({"t:maps::get_map", maps, "get_map", "Show the map of a city", "city"});
  auto index = SearchIndex::build(std::move(c), nullptr);
  ASSERT_TRUE(index);
  EXPECT_EQ(topServer(**index, "organise these notes into a mind map"), "t:mind");
  QueryOptions separate;
  separate.join_compounds = false;
  EXPECT_EQ(topServer(**index, "turn it into a mind map", separate), "t:maps");
}

TEST(SearchIndex, SavingToAPathBringsTheFileWriterIntoTheTopServers) {
  auto index = lexicalIndex();
  QueryOptions o;
  o.servers = 2;
  auto r =
      index->search("Get the weather forecast for Paris and save it to /root/notes/paris.md", o);
  ASSERT_TRUE(r);
  std::set<std::string> top;
  for (const auto& s : r->servers) top.insert(index->catalog().servers[s.index].id);
  EXPECT_TRUE(top.contains("t:weather"));
  EXPECT_TRUE(top.contains("t:fs"));
}

TEST(SearchIndex, BlendKeepsTheWholePromptFirstAndAddsEachSubTask) {
  auto index = lexicalIndex();
  QueryOptions o;
  o.servers = 2;
  o.merge = MergeMode::kBlend;
  o.subtask_weight = 0.5F;
  auto r = index->search(
      "1. Get the weather forecast for Paris\n2. Schedule a meeting on my calendar", o);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->servers.size(), 2U);
  std::set<std::string> top;
  for (const auto& s : r->servers) top.insert(index->catalog().servers[s.index].id);
  EXPECT_TRUE(top.contains("t:weather"));
  EXPECT_TRUE(top.contains("t:cal"));
  EXPECT_LE(r->servers.front().score, 1.0F);
}

TEST(SearchIndex, EqualToolEvidenceFavoursTheServerWithFewerTools) {
  Catalog c;
  const auto big = c.addServer({"t:big", "Suite", "Everything", "", {}});
  c.addTool({"t:big::convert_currency", big, "convert_currency", "Convert an amount of money", ""});
  for (int i = 0; i < 30; ++i) {
    c.addTool(
        {"t:big::op" + std::to_string(i), big, "op" + std::to_string(i), "Manage records", ""});
  }
  const auto small = c.addServer({"t:small", "Rates", "Exchange", "", {}});
  c.addTool(
      {"t:small::convert_currency", small, "convert_currency", "Convert an amount of money", ""});
  auto index = SearchIndex::build(std::move(c), nullptr);
  ASSERT_TRUE(index);
  QueryOptions o;
  o.second_tool_weight = 0.0F;
  EXPECT_EQ(topServer(**index, "convert currency"), "t:small");
  o.tool_count_damping = 0.0F;
  EXPECT_EQ(topServer(**index, "convert currency", o), "t:big");  // a tie, broken by index
}

TEST(SearchIndex, AWordTheIndexLacksIsExpandedToItsNearestCatalogueWords) {
  Catalog c;
  const auto stays = c.addServer({"t:stays", "Stays", "Book rooms", "", {}});
  c.addTool({"t:stays::find_lodging", stays, "find_lodging", "Search lodging listings", ""});
  const auto wx = c.addServer({"t:wx", "Weather", "Forecasts", "", {}});
  c.addTool({"t:wx::forecast", wx, "forecast", "Weather forecast", ""});
  auto index = SearchIndex::build(std::move(c), std::make_shared<TableEncoder>());
  ASSERT_TRUE(index);
  QueryOptions lexical_channel;
  lexical_channel.dense_weight = 0.0F;  // the encoder only expands the query
  EXPECT_EQ(topServer(**index, "a homestay in Paris", lexical_channel), "t:stays");
  lexical_channel.expansion_terms = 0;
  EXPECT_EQ(topServer(**index, "a homestay in Paris", lexical_channel), "");
}

TEST(SearchIndex, DenseAndHybridModesUseTheEncoder) {
  auto index = SearchIndex::build(smallCatalog(), std::make_shared<HashEncoder>());
  ASSERT_TRUE(index);
  EXPECT_TRUE((*index)->hasDense());
  QueryOptions dense;
  dense.mode = Mode::kDense;
  EXPECT_EQ(topServer(**index, "list issues repository", dense), "t:github");
  EXPECT_EQ(topServer(**index, "weather forecast city"), "t:weather");
}

TEST(SearchIndex, EveryFusionAndScaleFindsTheMatchingServerAndNothingForNoMatch) {
  auto index = SearchIndex::build(smallCatalog(), std::make_shared<HashEncoder>());
  ASSERT_TRUE(index);
  auto unknowing = SearchIndex::build(smallCatalog(), std::make_shared<TableEncoder>());
  ASSERT_TRUE(unknowing);
  for (const auto fusion : {Fusion::kEarly, Fusion::kLate}) {
    for (const auto scale :
         {ScoreScale::kMax, ScoreScale::kMinMax, ScoreScale::kZScore, ScoreScale::kRank}) {
      QueryOptions o;
      o.fusion = fusion;
      o.scale = scale;
      o.dense_weight = 0.4F;
      SCOPED_TRACE(static_cast<int>(fusion) * 10 + static_cast<int>(scale));
      EXPECT_EQ(topServer(**index, "weather forecast city", o), "t:weather");
      EXPECT_EQ(topServer(**index, "list issues repository", o), "t:github");
      EXPECT_EQ(topServer(**index, "write text to a file on disk", o), "t:fs");
      // An encoder that knows none of the words: neither channel has evidence.
      auto none = (*unknowing)->search("zzqx wvvk", o);
      ASSERT_TRUE(none);
      EXPECT_TRUE(none->servers.empty());
      EXPECT_TRUE(none->tools.empty());
    }
  }
}

// With the dense share at 0 the fused tool scores are the lexical channel's, rescaled.
TEST(SearchIndex, MinMaxScaleMapsAChannelsTopToOneAndTheFloorOfItsTopNToATrace) {
  auto index = SearchIndex::build(smallCatalog(), std::make_shared<HashEncoder>());
  ASSERT_TRUE(index);
  QueryOptions o;
  o.dense_weight = 0.0F;
  o.scale = ScoreScale::kMinMax;
  o.scale_depth = 2;
  auto s = (*index)->score("read or write a file", o);
  ASSERT_TRUE(s);
  std::vector<float> tools = s->tools;
  std::sort(tools.begin(), tools.end(), std::greater<>());
  EXPECT_FLOAT_EQ(tools[0], 1.0F);
  EXPECT_LT(tools[1], 1e-3F);  // the second of the top 2 is the floor: a trace remains
  EXPECT_GT(tools[1], 0.0F);
  o.scale = ScoreScale::kRank;
  o.rank_k = 4.0F;
  s = (*index)->score("read or write a file", o);
  ASSERT_TRUE(s);
  tools = s->tools;
  std::sort(tools.begin(), tools.end(), std::greater<>());
  EXPECT_FLOAT_EQ(tools[0], 4.0F / 5.0F);
  EXPECT_FLOAT_EQ(tools[1], 4.0F / 6.0F);
}

TEST(SearchIndex, EveryScaleKeepsEveryHitOfAChannel) {
  auto index = SearchIndex::build(smallCatalog(), std::make_shared<HashEncoder>());
  ASSERT_TRUE(index);
  QueryOptions o;
  o.dense_weight = 0.0F;
  o.scale = ScoreScale::kMax;
  auto by_max = (*index)->score("read or write a file", o);
  ASSERT_TRUE(by_max);
  const auto hits = [](const std::vector<float>& v) {
    return std::count_if(v.begin(), v.end(), [](float x) { return x > 0.0F; });
  };
  ASSERT_GT(hits(by_max->tools), 1);
  for (const auto scale : {ScoreScale::kMinMax, ScoreScale::kZScore, ScoreScale::kRank}) {
    o.scale = scale;
    o.scale_depth = 2;
    auto s = (*index)->score("read or write a file", o);
    ASSERT_TRUE(s);
    EXPECT_EQ(hits(s->tools), hits(by_max->tools));
    EXPECT_EQ(hits(s->servers), hits(by_max->servers));
  }
}

TEST(SearchIndex, ApproximateIndexGivesTheSameTopServerOnSmallCorpus) {
  IndexConfig config;
  config.approximate = true;
  auto index = SearchIndex::build(smallCatalog(), std::make_shared<HashEncoder>(), config);
  ASSERT_TRUE(index);
  QueryOptions dense;
  dense.mode = Mode::kDense;
  EXPECT_EQ(topServer(**index, "list issues repository", dense), "t:github");
}

TEST(SearchService, ReadersKeepTheirSnapshotWhileANewOneIsPublished) {
  SearchService service;
  EXPECT_EQ(service.snapshot(), nullptr);
  service.publish(lexicalIndex());
  auto before = service.snapshot();
  std::vector<std::jthread> readers;
  for (int t = 0; t < 4; ++t) {
    readers.emplace_back([&service] {
      for (int i = 0; i < 50; ++i) {
        auto snap = service.snapshot();
        auto r = snap->search("weather forecast");
        EXPECT_TRUE(r && !r->servers.empty());
      }
    });
  }
  service.publish(lexicalIndex());
  readers.clear();
  EXPECT_NE(service.snapshot(), before);
  EXPECT_EQ(topServer(*before, "weather forecast"), "t:weather");
}

}  // namespace
}  // namespace onemcp::search
