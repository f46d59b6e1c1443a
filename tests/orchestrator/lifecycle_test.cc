// The lifecycle decisions with an injected clock: idle servers to stop, unused images and
// volumes to remove.
#include "onemcp/orchestrator/lifecycle.h"

#include <gtest/gtest.h>

#include "onemcp/common/clock.h"

namespace onemcp::orchestrator {
namespace {

using namespace std::chrono_literals;

TEST(LifecycleTest, StopsOnlyServersIdleForTheWholePeriod) {
  ManualClock clock;
  std::map<std::string, std::chrono::steady_clock::time_point> used;
  used["memory"] = clock.now();
  clock.advance(4min);
  used["everything"] = clock.now();
  clock.advance(59s);
  EXPECT_TRUE(idleBackends(used, clock.now(), 5min).empty());
  clock.advance(1s);
  EXPECT_EQ(idleBackends(used, clock.now(), 5min), std::vector<std::string>{"memory"});
  clock.advance(4min);
  EXPECT_EQ(idleBackends(used, clock.now(), 5min),
            (std::vector<std::string>{"everything", "memory"}));
}

TEST(LifecycleTest, IdleStopOffStopsNothing) {
  ManualClock clock;
  std::map<std::string, std::chrono::steady_clock::time_point> used{{"memory", clock.now()}};
  clock.advance(1000h);
  EXPECT_TRUE(idleBackends(used, clock.now(), 0ms).empty());
}

TEST(LifecycleTest, RemovesObjectsUnusedForTheAgeAndNotInUse) {
  ManualClock clock;
  clock.advance(24h * 400);  // the wall clock starts at the epoch
  const auto now = clock.wallNow();
  std::vector<GcCandidate> objects{
      {"onemcp-pkg-old", now - 31 * 24h, false},
      {"onemcp-pkg-recent", now - 29 * 24h, false},
      {"onemcp-data-old-but-running", now - 90 * 24h, true},
      {"onemcp-pkg-never-used", {}, false},
  };
  EXPECT_EQ(expiredObjects(objects, now, 30 * 24h),
            (std::vector<std::string>{"onemcp-pkg-old", "onemcp-pkg-never-used"}));
  EXPECT_TRUE(expiredObjects(objects, now, 0h).empty());
}

}  // namespace
}  // namespace onemcp::orchestrator
