// The selector over a fixed small corpus (lexical only, so the figures are exact): an
// installed server answers when the source ranks it among its first confirm_top offers,
// and loses to the source's offers when it ranks lower; when the source cannot answer
// (or confirm_top is 0) the threshold decides; the usage prior reorders near-equal
// candidates but not clear wins; a rebuilt index is swapped in while an old snapshot
// stays usable.
#include "onemcp/orchestrator/selector.h"

#include <gtest/gtest.h>

#include "onemcp/orchestrator/usage_prior.h"

namespace onemcp::orchestrator {
namespace {

class CountingSource final : public ToolSource {
 public:
  int finds = 0;
  std::vector<Offer> offers;
  Result<std::vector<Offer>> find(const std::string&, std::size_t k) override {
    ++finds;
    std::vector<Offer> out(
        offers.begin(), offers.begin() + static_cast<std::ptrdiff_t>(std::min(k, offers.size())));
    return out;
  }
  Result<std::unique_ptr<sandbox::BackendLauncher>> launcher(const Offer&) override {
    return fail(ErrorCode::kUnavailable, "not in this test");
  }
  [[nodiscard]] std::string kind() const override { return "catalog"; }
};

// A registry that does not answer.
class FailingSource final : public ToolSource {
 public:
  Result<std::vector<Offer>> find(const std::string&, std::size_t) override {
    return fail(ErrorCode::kUnavailable, "registry unreachable");
  }
  Result<std::unique_ptr<sandbox::BackendLauncher>> launcher(const Offer&) override {
    return fail(ErrorCode::kUnavailable, "no");
  }
  [[nodiscard]] std::string kind() const override { return "registry"; }
};

LocalServer server(std::string id, std::string name, std::string description,
                   std::vector<ToolInfo> tools) {
  LocalServer s;
  s.offer.server_id = std::move(id);
  s.offer.name = std::move(name);
  s.offer.description = std::move(description);
  s.tools = std::move(tools);
  return s;
}

std::vector<LocalServer> corpus() {
  return {server("test:memory", "memory", "Knowledge graph memory: remember facts about people",
                 {{"create_entities", "Create entities in the knowledge graph", ""},
                  {"read_graph", "Read the whole knowledge graph", ""}}),
          server("test:weather", "weather", "Weather forecasts for a city",
                 {{"get_forecast", "Get the weather forecast for a city",
                   R"({"properties":{"city":{}}})"}})};
}

SelectorOptions lexicalOnly(float threshold) {
  SelectorOptions o;
  o.local_threshold = threshold;
  o.lexical_share = 1.0F;  // no encoder: the match is the share of task terms found
  o.confirm_top = 3;       // fixed here, whatever the measured default
  return o;
}

Offer offer(std::string id) { return {std::move(id), "", "", 0.5F, true, {}}; }

TEST(SelectorTest, AnInstalledServerTheSourceRanksNearTheTopAnswersLocally) {
  CountingSource source;
  source.offers = {offer("test:github"), offer("test:memory"), offer("test:files")};
  Selector selector(lexicalOnly(0.5F), source, nullptr);
  ASSERT_TRUE(selector.setServers(corpus()));
  const Selection s = selector.select("read the knowledge graph", 5, {});
  EXPECT_EQ(source.finds, 1);
  EXPECT_EQ(s.source, "local");
  EXPECT_TRUE(s.confirmed);
  ASSERT_EQ(s.candidates.size(), 1U);  // weather matches nothing; only memory is confirmed
  EXPECT_EQ(s.candidates.front().offer.server_id, "test:memory");
  // "read", "knowledg", "graph": all three in memory's text.
  EXPECT_FLOAT_EQ(s.best_local, 1.0F);
  EXPECT_FLOAT_EQ(s.candidates.front().match, 1.0F);
  EXPECT_EQ(selectionJson(s)["confirmed_by_source"], true);
}

TEST(SelectorTest, AnInstalledServerTheSourceRanksLowerLosesToItsOffers) {
  CountingSource source;
  for (const char* id : {"test:a", "test:b", "test:c", "test:memory"})
    source.offers.push_back(offer(id));
  Selector selector(lexicalOnly(0.5F), source, nullptr);
  ASSERT_TRUE(selector.setServers(corpus()));
  // A perfect local match, but three servers rank above it where all of them compete.
  const Selection s = selector.select("read the knowledge graph", 2, {});
  EXPECT_EQ(source.finds, 1);
  EXPECT_EQ(s.source, "catalog");
  EXPECT_FLOAT_EQ(s.best_local, 1.0F);
  ASSERT_EQ(s.candidates.size(), 2U);  // the source's offers, cut to k
  EXPECT_EQ(s.candidates.front().offer.server_id, "test:a");
}

TEST(SelectorTest, AServerFarBehindTheSourcesBestIsNotConfirmed) {
  CountingSource source;
  // Two servers in all: both are "among the first three", but memory has a trace of the
  // best offer's evidence.
  source.offers = {offer("test:other"), offer("test:memory")};
  source.offers[0].score = 1.0F;
  source.offers[1].score = 0.1F;
  Selector selector(lexicalOnly(0.5F), source, nullptr);  // confirm_ratio: the measured one
  ASSERT_TRUE(selector.setServers(corpus()));
  const Selection s = selector.select("read the knowledge graph", 5, {});
  EXPECT_EQ(s.source, "catalog");
  ASSERT_FALSE(s.candidates.empty());
  EXPECT_EQ(s.candidates.front().offer.server_id, "test:other");
  // Close enough to the best, it is.
  source.offers[1].score = 0.9F;
  EXPECT_EQ(selector.select("read the knowledge graph", 5, {}).source, "local");
}

TEST(SelectorTest, WithoutTheSourceTheThresholdDecides) {
  FailingSource failing;
  Selector selector(lexicalOnly(0.5F), failing, nullptr);
  ASSERT_TRUE(selector.setServers(corpus()));
  const Selection above = selector.select("read the knowledge graph", 5, {});
  EXPECT_EQ(above.source, "local");
  EXPECT_FALSE(above.confirmed);
  ASSERT_FALSE(above.candidates.empty());
  EXPECT_EQ(above.candidates.front().offer.server_id, "test:memory");
  EXPECT_NE(above.note.find("registry unreachable"), std::string::npos) << above.note;
  // 0.25 < 0.5: nothing local is good enough, and the source said nothing.
  const Selection below = selector.select("open github issues about the weather", 5, {});
  EXPECT_EQ(below.source, "registry");
  EXPECT_TRUE(below.candidates.empty());
  EXPECT_FLOAT_EQ(below.best_local, 0.25F);

  // A source with no offer at all has no opinion either.
  CountingSource empty;
  Selector quiet(lexicalOnly(0.5F), empty, nullptr);
  ASSERT_TRUE(quiet.setServers(corpus()));
  EXPECT_EQ(quiet.select("read the knowledge graph", 5, {}).source, "local");
}

TEST(SelectorTest, ConfirmTopZeroLetsTheThresholdAnswerWithoutAskingTheSource) {
  CountingSource source;
  SelectorOptions options = lexicalOnly(0.5F);
  options.confirm_top = 0;
  Selector selector(options, source, nullptr);
  ASSERT_TRUE(selector.setServers(corpus()));
  const Selection s = selector.select("read the knowledge graph", 5, {});
  EXPECT_EQ(source.finds, 0);
  EXPECT_EQ(s.source, "local");
  EXPECT_FALSE(s.confirmed);
  EXPECT_FLOAT_EQ(s.threshold, 0.5F);
  const Selection miss = selector.select("open github issues about the weather", 5, {});
  EXPECT_EQ(source.finds, 1);
  EXPECT_EQ(miss.source, "catalog");
  EXPECT_FLOAT_EQ(miss.best_local, 0.25F);
}

TEST(SelectorTest, LocalMatchBelowTheThresholdAsksTheSource) {
  CountingSource source;
  source.offers = {{"test:github", "github", "GitHub issues", 0.9F, true, {}}};
  Selector selector(lexicalOnly(0.5F), source, nullptr);
  ASSERT_TRUE(selector.setServers(corpus()));
  // Only "weather" of "weather", "github", "issu", "open" is local: 0.25 < 0.5.
  const Selection s = selector.select("open github issues about the weather", 5, {});
  EXPECT_EQ(source.finds, 1);
  EXPECT_EQ(s.source, "catalog");
  EXPECT_FLOAT_EQ(s.best_local, 0.25F);
  ASSERT_EQ(s.candidates.size(), 1U);
  EXPECT_EQ(s.candidates.front().offer.server_id, "test:github");
  EXPECT_FLOAT_EQ(s.candidates.front().relevance, 0.9F);
}

TEST(SelectorTest, NoLocalEvidenceOrNoIndexAsksTheSource) {
  CountingSource source;
  Selector selector(lexicalOnly(0.1F), source, nullptr);
  EXPECT_EQ(selector.select("read the knowledge graph", 5, {}).source,
            "catalog");  // nothing installed
  ASSERT_TRUE(selector.setServers(corpus()));
  const Selection s = selector.select("translate a poem", 5, {});
  EXPECT_EQ(s.source, "catalog");
  EXPECT_FLOAT_EQ(s.best_local, -1.0F);  // no local candidate at all
  EXPECT_EQ(source.finds, 2);
}

TEST(SelectorTest, ASourceErrorIsANote) {
  FailingSource source;
  Selector selector(lexicalOnly(0.5F), source, nullptr);
  const Selection s = selector.select("anything", 5, {});
  EXPECT_TRUE(s.candidates.empty());
  EXPECT_NE(s.note.find("registry unreachable"), std::string::npos) << s.note;
}

TEST(SelectorTest, UsageReordersNearTiesButNotClearWins) {
  std::vector<Candidate> near(2);
  near[0].offer.server_id = "a";
  near[0].relevance = 1.0F;
  near[1].offer.server_id = "b";
  near[1].relevance = 0.98F;
  applyUsage(near, {{"b", 0.04F}});
  EXPECT_EQ(near.front().offer.server_id, "b");
  EXPECT_FLOAT_EQ(near.front().score, 1.02F);
  EXPECT_FLOAT_EQ(near.front().usage, 0.04F);

  std::vector<Candidate> clear(2);
  clear[0].offer.server_id = "a";
  clear[0].relevance = 1.0F;
  clear[1].offer.server_id = "b";
  clear[1].relevance = 0.8F;
  // Even the most a history can give (just under the weight) does not pass a clear win.
  const float most =
      usagePrior(std::vector<UsageRecord>(1000, {0, "s", "b", "t", 1, true}), 0).at("b");
  EXPECT_LT(most, UsagePriorOptions{}.weight);
  applyUsage(clear, {{"b", most}});
  EXPECT_EQ(clear.front().offer.server_id, "a");
}

TEST(SelectorTest, UsageReordersTiedLocalServers) {
  CountingSource source;
  // Two servers whose text matches the task alike.
  Selector selector(lexicalOnly(0.5F), source, nullptr);
  ASSERT_TRUE(selector.setServers({server("test:notes-a", "notes", "Write notes", {}),
                                   server("test:notes-b", "notes", "Write notes", {})}));
  EXPECT_EQ(selector.select("write notes", 5, {}).candidates.front().offer.server_id,
            "test:notes-a");
  const Selection s = selector.select("write notes", 5, {{"test:notes-b", 0.01F}});
  EXPECT_EQ(s.source, "local");
  EXPECT_EQ(s.candidates.front().offer.server_id, "test:notes-b");
}

TEST(SelectorTest, ARebuildIsSwappedInAndAnOldSnapshotStaysUsable) {
  CountingSource source;
  Selector selector(lexicalOnly(0.5F), source, nullptr);
  ASSERT_TRUE(selector.setServers(corpus()));
  auto old = selector.snapshot();
  ASSERT_TRUE(selector.setServers({corpus().back()}));
  EXPECT_EQ(old->size(), 2U);
  EXPECT_EQ(selector.snapshot()->size(), 1U);
  auto ranked = old->rank("knowledge graph", 5);
  ASSERT_TRUE(ranked);
  ASSERT_FALSE(ranked->empty());
  EXPECT_EQ(ranked->front().offer.server_id, "test:memory");
  EXPECT_EQ(selector.select("knowledge graph", 5, {}).source, "catalog");
}

TEST(UsagePriorTest, DecaysWithAgeIgnoresFailuresAndStaysBounded) {
  constexpr std::int64_t kWeek = 7LL * 24 * 3600 * 1000;
  const std::int64_t now = 100 * kWeek;
  UsagePriorOptions o;
  o.weight = 0.05F;
  o.saturation = 1.0F;
  std::vector<UsageRecord> h = {
      {now, "s", "fresh", "t", 10, true},
      {now - kWeek, "s", "week-old", "t", 10, true},
      {now, "s", "failing", "t", 10, false},
  };
  const auto prior = usagePrior(h, now, o);
  EXPECT_FLOAT_EQ(prior.at("fresh"), 0.05F * 1.0F / 2.0F);     // c = 1
  EXPECT_FLOAT_EQ(prior.at("week-old"), 0.05F * 0.5F / 1.5F);  // c = 0.5 after one half-life
  EXPECT_FALSE(prior.contains("failing"));
  // Later, the same history counts less.
  EXPECT_LT(usagePrior(h, now + kWeek, o).at("fresh"), prior.at("fresh"));
  // Many calls approach the weight and never reach it.
  std::vector<UsageRecord> busy(10000, {now, "s", "busy", "t", 10, true});
  const float b = usagePrior(busy, now, o).at("busy");
  EXPECT_GT(b, 0.0499F);
  EXPECT_LT(b, 0.05F);
  // A call stamped after "now" (a clock step) counts as new, not more.
  EXPECT_FLOAT_EQ(
      usagePrior(std::vector<UsageRecord>{{now + kWeek, "s", "x", "t", 1, true}}, now, o).at("x"),
      0.025F);
}

}  // namespace
}  // namespace onemcp::orchestrator
